"""The case workflow, pure: no Flask, no database.

- `table`: the one declarative table of states, events, who may trigger them, guards and levels.
- `rules`: the guards and effects the table names.
- `categories`: what a category is to the workflow (kind, duty, time limit per level, filing and
  verification limits); the office keeps the categories themselves in the database, versioned, and
  the services hand a case's version to the effects.
- `calendar`: working time (office hours, Chinese public holidays and 调休 working days: the office's
  overrides, handed in by the services, then the `holidays` package).
- `timeline`: what a case event's (keyed) hash covers, the mediation record checked against it, and
  the time spent per level and state (the chain itself: `gridflow.hashchain`).
"""
