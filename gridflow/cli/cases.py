"""Commands for the case workflow: the table, sweeps, verifying timelines, the scheduler."""

from __future__ import annotations

import sys

import click

from gridflow.cli import cli, fail
from gridflow.db import get_db
from gridflow.errors import GridflowError


@cli.command("workflow")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "table"]), default="mermaid", show_default=True)
def workflow_cmd(fmt: str) -> None:
    """Print the case workflow: a mermaid state diagram, or the table itself."""
    from gridflow.workflow import table

    if fmt == "mermaid":
        click.echo(table.diagram("mermaid"))
        return
    for rw in table.TABLE:
        level = {table.UP: "up", table.DOWN: "down", table.SAME: "", table.ABOVE: "to actor"}[rw.level]
        click.echo(
            f"{rw.event:<13} {'|'.join(rw.source):<17} → {rw.dest or '(stays)':<9} {level:<5} "
            f"{'/'.join(rw.who):<35} {', '.join(g.__name__ for g in rw.guards):<45} {', '.join(rw.needs)}"
        )


@cli.command("sweep")
@click.option("--now", "now_text", help="ISO 8601 time to sweep as of (default: now; no offset = China time)")
def sweep_cmd(now_text: str | None) -> None:
    """Run one sweep: escalate overdue cases, flag overdue ones at city level, file reports left
    unfiled past their limit (unchecked), mark verifications past theirs, give agreement reminders,
    warn at 80 %; then deliver the notifications due.  Without --now it is a sweep like the
    scheduler's (lock, heartbeat): cron may run it instead of `gridflow scheduler`."""
    from flask import current_app

    from gridflow import scheduler
    from gridflow.cases.policy import Policy
    from gridflow.cases.sweep import sweep
    from gridflow.clock import parse_iso

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's app
    if now_text is None:
        report = scheduler.sweep_once(app)
        click.echo(report.line() if report else "sweep: another scheduler is sweeping; skipped")
        click.echo(scheduler.deliver_once(app).line())
        return
    try:
        now = parse_iso(now_text)
    except ValueError:
        fail(f"--now {now_text!r} is not an ISO 8601 time")
    click.echo(sweep(get_db(), now, Policy.from_config(current_app.config)).line())
    click.echo(scheduler.deliver_once(app, now).line())


@cli.command("verify")
@click.argument("case_id", type=int, required=False)
@click.option("--all", "every", is_flag=True, help="verify every case's timeline (prints the broken ones)")
def verify_cmd(case_id: int | None, every: bool) -> None:
    """Verify a case's timeline (or every case's): its keyed hash chain, the chain's anchor on the case,
    and the mediation record against what the chain recorded.  Exit status 1 names the first bad event."""
    from flask import current_app

    from gridflow.cases import verify
    from gridflow.chainkeys import chain_keys

    if (case_id is None) == (not every):
        fail("give a CASE_ID or --all")
    keys = chain_keys(current_app.config)
    if case_id is not None:
        try:
            check = verify.verify(get_db(), keys, case_id)
        except GridflowError as exc:
            fail(exc.message)
        if not check.valid:
            fail(f"case {case_id}: {_broken(check)}")
        click.echo(f"case {case_id}: timeline chain valid")
        return
    checked = broken = 0
    for cid, check in verify.verify_all(get_db(), keys):
        checked += 1
        if not check.valid:
            broken += 1
            click.echo(f"case {cid}: {_broken(check)}", err=True)
    click.echo(f"{checked} case(s) verified, {broken} broken")
    if broken:
        sys.exit(1)


def _broken(check) -> str:
    where = f" at event {check.broken_at}" if check.broken_at is not None else ""
    return f"timeline chain broken{where}: {check.reason}"


@cli.command("scheduler")
def scheduler_cmd() -> None:
    """Run the one scheduler (periodic sweep) in the foreground."""
    from flask import current_app

    from gridflow import scheduler

    try:
        scheduler.run(current_app._get_current_object())  # type: ignore[attr-defined]  # the proxy's app
    except scheduler.AlreadyRunning as exc:
        fail(str(exc))
