"""Commands for notifications: failed deliveries, delivering now, webhooks."""

from __future__ import annotations

import click

from gridflow.cli import cli, console_caller, print_json, run_service
from gridflow.db import get_db


@cli.group("notifications")
def notifications_cli() -> None:
    """Notifications: failed deliveries; delivering what is due."""


@notifications_cli.command("failed")
@click.option("--limit", type=click.IntRange(1, 1000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def failed_cmd(limit: int, as_json: bool) -> None:
    """Messages given up on after the last retry, newest first, with the reason."""
    from gridflow.clock import iso_local
    from gridflow.notifications.deliver import failed

    page = failed(get_db(), 1, limit)
    if as_json:
        print_json(page.model_dump(mode="json"))
        return
    for d in page.items:
        click.echo(
            f"{d.id}\t{d.channel}\t{d.recipient}\t{d.case.number}\t{d.kind}\t{d.attempts}\t"
            f"{iso_local(d.created_at)}\t{d.last_error}"
        )
    click.echo(f"{page.total} failed")


@notifications_cli.command("deliver")
def deliver_cmd() -> None:
    """Deliver the notifications due now (the scheduler does it after every sweep)."""
    from flask import current_app

    from gridflow.scheduler import deliver_once

    click.echo(deliver_once(current_app._get_current_object()).line())  # type: ignore[attr-defined]


@cli.group("webhook")
def webhook_cli() -> None:
    """Webhooks: other systems told of case events by a signed JSON POST."""


@webhook_cli.command("add")
@click.argument("url")
@click.option("--events", required=True, help="comma-separated: case.created,case.escalated,… (* for all)")
def webhook_add(url: str, events: str) -> None:
    """Add a webhook; prints its id and its secret (shown this once)."""
    from pydantic import ValidationError

    from gridflow.cli import fail
    from gridflow.notifications import webhooks
    from gridflow.schemas.notifications import WebhookInput

    try:
        inp = WebhookInput(url=url, events=[e.strip() for e in events.split(",") if e.strip()])
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    hook = run_service(lambda: webhooks.add(get_db(), console_caller(), inp.url, inp.events))
    click.echo(f"webhook {hook.id}: {hook.url} ({','.join(hook.events)})")
    click.echo(f"secret: {hook.secret}")


@webhook_cli.command("list")
@click.option("--json", "as_json", is_flag=True)
def webhook_list(as_json: bool) -> None:
    from gridflow.notifications import webhooks

    hooks = webhooks.list_all(get_db())
    if as_json:
        print_json([h.model_dump(mode="json") for h in hooks])
        return
    for h in hooks:
        click.echo(f"{h.id}\t{h.url}\t{','.join(h.events)}")


@webhook_cli.command("remove")
@click.argument("webhook_id", type=int)
def webhook_remove(webhook_id: int) -> None:
    from gridflow.notifications import webhooks

    run_service(lambda: webhooks.remove(get_db(), console_caller(), webhook_id))
    click.echo(f"webhook {webhook_id} removed")
