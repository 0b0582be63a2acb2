"""Categories, kept by the office in the database and versioned.

- `store`: reading them — the current versions, a category's history, the version a case was filed
  under (`of_case`, `versions`: kept in memory once read, a version never changes), the report's
  look-up of its category's current version.
- `changes`: changing them (admins) — `add_category`, `change_category` (the next version),
  `set_active` (out of use and back).
"""
