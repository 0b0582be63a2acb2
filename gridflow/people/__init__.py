"""People: users, roles, passwords and tokens; the `Actor` the workflow rules check."""
