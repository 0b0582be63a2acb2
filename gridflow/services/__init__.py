"""Service layer: one function per use case.  Callers pass a session and own the transaction
(`with db.session() as s: service(s, …)`), so a use case either happens whole or not at all."""
