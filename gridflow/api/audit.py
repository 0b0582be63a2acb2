"""The audit log over HTTP (admins only)."""

from __future__ import annotations

from flask import g

from gridflow.api import bp
from gridflow.api.auth import admin_required
from gridflow.api.spec import api_route
from gridflow.audit import read
from gridflow.db import get_db
from gridflow.schemas.audit import AuditPage, AuditSearch


@bp.get("/audit")
@admin_required
@api_route(200, AuditPage, query=AuditSearch, errors=(403,), tags=("audit",))
def audit_log(query: AuditSearch):
    """Entries newest first: logins, logouts, user and grid ownership changes, imports, reveals of
    personal data, setting changes.  Filters: actor, kind (or a family: `login`), subject, from, to."""
    return read.search(get_db(), g.actor, query)
