"""Notifications over HTTP: the caller's own list and settings; webhooks and failed deliveries (admins)."""

from __future__ import annotations

from flask import g

from gridflow.api import bp
from gridflow.api.auth import admin_required, caller, login_required
from gridflow.api.spec import api_route
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.notifications import deliver, inbox, preferences, webhooks
from gridflow.schemas.cases import Paging
from gridflow.schemas.notifications import (
    FailedPage,
    NotificationList,
    NotificationQuery,
    NotificationSettingsInput,
    NotificationSettingsView,
    ReadAnswer,
    ReadInput,
    WebhookCreated,
    WebhookInput,
    WebhookList,
)

TAGS = ("notifications",)


@bp.get("/notifications")
@login_required
@api_route(200, NotificationList, query=NotificationQuery, tags=TAGS)
def notifications(query: NotificationQuery):
    """The caller's notifications, newest first (`unread=1`: only unread ones), in his language."""
    return inbox.list_for(get_db(), g.actor, query.unread, query.page, query.per_page)


@bp.post("/notifications/read")
@login_required
@api_route(200, ReadAnswer, body=ReadInput, tags=TAGS)
def read_notifications(body: ReadInput):
    """Mark notifications read: `{"ids": [...]}` or `{"all": true}` (others' ids are ignored)."""
    marked, unread = inbox.mark_read(get_db(), g.actor, body, utcnow())
    return ReadAnswer(marked=marked, unread=unread)


@bp.get("/notifications/failed")
@admin_required
@api_route(200, FailedPage, query=Paging, errors=(403,), tags=TAGS)
def failed_notifications(query: Paging):
    """Messages (e-mail, SMS, webhook) given up on after the last retry, newest first, with the reason."""
    return deliver.failed(get_db(), query.page, query.per_page)


@bp.get("/account/notifications")
@login_required
@api_route(200, NotificationSettingsView, tags=TAGS)
def notification_settings():
    """The caller's notification settings."""
    return preferences.get(get_db(), g.actor)


@bp.put("/account/notifications")
@login_required
@api_route(200, NotificationSettingsView, body=NotificationSettingsInput, tags=TAGS)
def set_notification_settings(body: NotificationSettingsInput):
    """Channels on or off, SMS for every notice or only urgent ones, language, quiet hours (HH:MM, China
    time; non-urgent messages wait until they end)."""
    return preferences.put(get_db(), g.actor, body)


@bp.get("/webhooks")
@admin_required
@api_route(200, WebhookList, errors=(403,), tags=TAGS)
def list_webhooks():
    """Every webhook (secrets are never shown again)."""
    return WebhookList(items=webhooks.list_all(get_db()))


@bp.post("/webhooks")
@admin_required
@api_route(201, WebhookCreated, body=WebhookInput, errors=(403,), tags=TAGS)
def add_webhook(body: WebhookInput):
    """A new webhook for case events (`case.created`, `case.escalated`, … or `*`); its secret, which
    signs every body (X-GridFlow-Signature: sha256=HMAC-SHA256 hex), is in this answer only."""
    return webhooks.add(get_db(), caller(), body.url, body.events), 201


@bp.delete("/webhooks/<int(max=2147483647):webhook_id>")  # beyond the column: 404
@admin_required
@api_route(204, None, errors=(403, 404), tags=TAGS)
def remove_webhook(webhook_id: int):
    """Remove a webhook (its undelivered messages fail)."""
    webhooks.remove(get_db(), caller(), webhook_id)
    return "", 204
