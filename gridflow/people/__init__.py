"""People: who may do what, and who they are.

- `passwords`: the password rule, Argon2 hashing, checking against a dummy hash for unknown names;
- `login`: logging in (throttled per name and per address), logging out, changing one's own password;
- `tokens`: API tokens and page sessions, bound to the user's token version; the `Actor` of a request;
- `users`: creating an account (role, area, grids, worker record) — the one way, audited or not;
- `accounts`, `workers`: the administration services (users; workers and grid ownership), audited;
- `access`: who sees a case, whose personal data unmasked, who administers.
"""
