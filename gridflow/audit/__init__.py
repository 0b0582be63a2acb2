"""The audit log: who did what, when and from where, append-only and chained.

- `log`: `Caller` (who calls a service, from which address, with the chain's keys) and `record(...)`,
  which appends an entry in the caller's transaction (the change and its entry commit together).
- `read`: searching the log (admins) and verifying its chain and anchor.

Kinds recorded: `login.success`, `login.failure`, `login.throttled`, `logout`, `password.change`,
`user.create`, `user.update`, `user.disable`, `user.enable`, `user.password`, `worker.create`,
`grid.owner`, `import.divisions|grids|entities`, `personal.reveal`, `setting.change`.
"""
