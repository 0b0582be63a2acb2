"""`gridflow audit`: read the audit log, or verify it."""

from __future__ import annotations

import click
from flask import current_app

from gridflow.audit import read
from gridflow.chainkeys import chain_keys
from gridflow.cli import cli, fail, print_json
from gridflow.clock import iso_local, parse_iso
from gridflow.db import get_db


@cli.command("audit")
@click.option("--since", help="ISO 8601 date or time (without an offset: China time)")
@click.option("--until", help="ISO 8601 date or time: entries before it")
@click.option("--kind", help="a kind (login.failure) or a family of kinds (login)")
@click.option("--actor", help="the acting user's name (commands: cli:<account>)")
@click.option("--subject", help="what entries are about: user:NAME, case:ID, grid:CODE …")
@click.option("--limit", type=click.IntRange(min=1), default=100, show_default=True, help="the latest this many")
@click.option("--json", "as_json", is_flag=True)
@click.option("--verify", is_flag=True, help="check the whole log's keyed chain and anchor instead; exit 1 if broken")
def audit_cmd(since, until, kind, actor, subject, limit, as_json, verify) -> None:
    """The audit log, oldest first: logins, logouts, user and grid ownership changes, imports, reveals
    of personal data, setting changes."""
    if verify:
        check, read_count = read.verify(get_db(), chain_keys(current_app.config))
        if not check.valid:
            fail(f"audit log broken at entry {check.broken_at}: {check.reason} ({read_count} entries read)")
        click.echo(f"audit log: {read_count} entries, chain and anchor valid")
        return
    try:
        times = [parse_iso(t) if t else None for t in (since, until)]
    except ValueError:
        fail("--since and --until take ISO 8601 dates or times (2026-11-27, 2026-11-27T09:00)")
    stmt = read.filtered(actor, kind, subject, times[0], times[1]).limit(limit)
    entries = list(read.entries(get_db(), stmt))[::-1]
    if as_json:
        print_json([e.model_dump(mode="json") for e in entries])
        return
    for e in entries:
        data = " ".join(f"{k}={v}" for k, v in e.data.items())
        click.echo(
            f"{e.seq:>7} {iso_local(e.at)} {e.kind:<16} {e.actor:<20} {e.client or '-':<15} {e.subject or '-'} {data}"
        )
