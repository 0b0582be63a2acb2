"""The case workflow, pure: no Flask, no database.

- `table`: the one declarative table of states, events, who may trigger them, guards and levels.
- `rules`: the guards and effects the table names.
- `categories`: the case taxonomy with its time limits per level.
- `calendar`: working time (office hours, Chinese public holidays and 调休 working days).
- `timeline`: what a case event's (keyed) hash covers, the mediation record checked against it, and
  the time spent per level and state (the chain itself: `gridflow.hashchain`).
"""
