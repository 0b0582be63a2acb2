"""Service layer: one function per use case, the only code that changes stored state.

- Case use cases (`cases`, `sweep`) take the `Database` and own their transaction: a case change,
  its mediation records and its timeline event commit together or not at all.
- Spatial use cases (`imports`, `places`, `demo`) take a session, so that a caller can compose
  several of them into one all-or-nothing unit (the demo imports divisions, grids and entities in one
  transaction); the CLI opens it with `db.session()`.
"""
