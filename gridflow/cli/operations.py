"""Commands for running an installation: backup and restore (SQLite).  `gridflow db …` (migrations)
is in gridflow.migrate."""

from __future__ import annotations

import click

from gridflow.cli import cli, fail
from gridflow.db import get_db
from gridflow.errors import GridflowError


@cli.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
def backup_cmd(file: str) -> None:
    """Copy the SQLite database to FILE while GridFlow keeps running (SQLite's online backup)."""
    from gridflow.backup import backup

    try:
        size = backup(get_db(), file)
    except GridflowError as exc:
        fail(exc.message)
    click.echo(f"backup: {file} ({size:,} bytes)")


@cli.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="do not ask before replacing the current data")
def restore_cmd(file: str, yes: bool) -> None:
    """Replace the SQLite database's content with the backup FILE (checked first)."""
    from flask import current_app

    from gridflow.backup import check_backup, restore

    try:
        check_backup(get_db(), file)
        if not yes:
            click.confirm(f"replace everything in {current_app.config['DATABASE_URL']} with {file}?", abort=True)
        revision = restore(get_db(), file)
    except GridflowError as exc:
        fail(exc.message)
    click.echo(f"restore: {file} restored (schema revision {revision}); run `gridflow db upgrade` if it is older")
