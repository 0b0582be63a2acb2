"""Webhooks for other systems: add (the secret is shown once), list, remove; audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select

from gridflow.audit.log import Caller, record
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.errors import NotFound
from gridflow.models import Webhook
from gridflow.schemas.notifications import WebhookCreated, WebhookView


def _events(stored: str) -> list[str]:
    return [e for e in stored.split(",") if e]


def _view(w: Webhook) -> WebhookView:
    return WebhookView(id=w.id, url=w.url, events=_events(w.events), active=w.active, created_at=w.created_at)


def add(db: Database, caller: Caller, url: str, events: list[str]) -> WebhookCreated:
    secret = secrets.token_hex(32)
    with db.session(write=True) as s:
        hook = Webhook(url=url, events="," + ",".join(dict.fromkeys(events)) + ",", secret=secret, created_at=utcnow())
        s.add(hook)
        s.flush()
        record(s, caller, "webhook.add", f"webhook:{hook.id}", {"url": url, "events": _events(hook.events)})
        return WebhookCreated(**_view(hook).model_dump(), secret=secret)


def list_all(db: Database) -> list[WebhookView]:
    with db.session() as s:
        return [_view(w) for w in s.scalars(select(Webhook).order_by(Webhook.id))]


def remove(db: Database, caller: Caller, webhook_id: int) -> None:
    """Removed for good: its pending deliveries are dropped with it when they come up."""
    with db.session(write=True) as s:
        hook = s.get(Webhook, webhook_id)
        if hook is None:
            raise NotFound(f"no webhook {webhook_id}", field="id")
        record(s, caller, "webhook.remove", f"webhook:{hook.id}", {"url": hook.url})
        s.delete(hook)


def signature(secret: str, body: bytes) -> str:
    """X-GridFlow-Signature: "sha256=" and the hex HMAC-SHA256 of the body under the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
