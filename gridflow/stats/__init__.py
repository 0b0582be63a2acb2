"""The evaluation figures (考核): per-case facts kept with the events (`facts`, `upkeep`), running
counts of the settled cases kept beside them (`tally`), their definitions (`figures`), the query that
counts them for an area and period (`query`), and the 考核表 as a spreadsheet (`sheet`)."""
