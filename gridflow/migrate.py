"""Alembic, configured in code: `gridflow db upgrade|downgrade|current|history|…` (also `flask --app
wsgi db …` in a checkout).  The migration scripts are the package `gridflow._migrations` (the
repository's top-level `migrations/`, shipped inside the wheel): no alembic.ini, no checkout needed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import current_app
from flask.cli import AppGroup

from gridflow.hashchain import KeyRing

SCRIPTS = str(resources.files("gridflow._migrations"))


def alembic_config(url: str, chain_keys: Callable[[], KeyRing] | None = None) -> AlembicConfig:
    """`chain_keys`: the timeline chain's key ring, for migrations that re-hash timelines (called only
    if there are any); without it they read the settings from the environment."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", SCRIPTS)
    cfg.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    cfg.attributes["url"] = url
    if chain_keys is not None:
        cfg.attributes["chain_keys"] = chain_keys
    return cfg


def upgrade(url: str, revision: str = "head", chain_keys: Callable[[], KeyRing] | None = None) -> None:
    command.upgrade(alembic_config(url, chain_keys), revision)


def downgrade(url: str, revision: str, chain_keys: Callable[[], KeyRing] | None = None) -> None:
    command.downgrade(alembic_config(url, chain_keys), revision)


@cache
def heads() -> frozenset[str]:
    """The revisions the code expects the database to be at (read once: the scripts ship with the code)."""
    return frozenset(ScriptDirectory(SCRIPTS).get_heads())


db_cli = AppGroup("db", help="Database migrations (Alembic).")


def _cfg() -> AlembicConfig:
    from gridflow.chainkeys import chain_keys

    config = current_app.config
    return alembic_config(config["DATABASE_URL"], lambda: chain_keys(config))


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    try:
        command.upgrade(_cfg(), revision)
    except CommandError as exc:  # an unknown revision, say
        raise click.ClickException(str(exc)) from None


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the schema to REVISION (default: one step)."""
    try:
        command.downgrade(_cfg(), revision)
    except CommandError as exc:  # an unknown revision, say
        raise click.ClickException(str(exc)) from None


@db_cli.command("current")
def current_cmd() -> None:
    """The revision the database is at."""
    command.current(_cfg())


@db_cli.command("history")
def history_cmd() -> None:
    """Every migration, newest first."""
    command.history(_cfg())


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def revision_cmd(message: str, autogenerate: bool) -> None:
    """Make a new migration script (in a checkout: it is written to migrations/versions)."""
    command.revision(_cfg(), message=message, autogenerate=autogenerate)


@db_cli.command("check")
def check_cmd() -> None:
    """Fail if the models and the schema differ (partial indexes' predicates included)."""
    from gridflow.db import get_db
    from gridflow.indexes import index_drift

    try:
        command.check(_cfg())
    except CommandError as exc:  # differences found, or the schema is not at head
        raise click.ClickException(f"the schema differs from the models: {exc}") from None
    with get_db().engine.connect() as conn:
        drift = index_drift(conn)
        conn.rollback()
    if drift:
        raise click.ClickException("indexes differ from the model:\n  " + "\n  ".join(drift))
    click.echo("indexes: as the model defines them")
