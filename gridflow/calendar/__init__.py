"""The working calendar as the office keeps it: holidays and 调休 working days it declares (overrides,
which come before the `holidays` package), and the years it has confirmed.

- `store`: the calendar deadlines are computed with (`current_calendar`, `calendar_at`: rebuilt only
  when the stored revision changes), a year as the office sees it (`year_view`).
- `changes`: changing it (admins) — `set_override`, `remove_override`, `import_overrides` (CSV, see
  `csvfile`), `confirm_year`.
- `reminders`: the warning from 1 December while next year is not confirmed.
"""
