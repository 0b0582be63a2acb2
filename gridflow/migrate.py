"""Alembic, driven from the app's configuration: `flask --app wsgi db upgrade|downgrade|revision|…`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import current_app
from flask.cli import AppGroup

from gridflow.hashchain import KeyRing

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str, chain_keys: Callable[[], KeyRing] | None = None) -> AlembicConfig:
    """`chain_keys`: the timeline chain's key ring, for migrations that re-hash timelines (called only
    if there are any); without it they read the settings from the environment."""
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    if chain_keys is not None:
        cfg.attributes["chain_keys"] = chain_keys
    return cfg


def upgrade(url: str, revision: str = "head", chain_keys: Callable[[], KeyRing] | None = None) -> None:
    command.upgrade(alembic_config(url, chain_keys), revision)


def downgrade(url: str, revision: str, chain_keys: Callable[[], KeyRing] | None = None) -> None:
    command.downgrade(alembic_config(url, chain_keys), revision)


db_cli = AppGroup("db", help="Database migrations (Alembic).")


def _cfg() -> AlembicConfig:
    from gridflow.chainkeys import chain_keys

    config = current_app.config
    return alembic_config(config["DATABASE_URL"], lambda: chain_keys(config))


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_cmd(revision: str) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    command.upgrade(_cfg(), revision)


@db_cli.command("downgrade")
@click.argument("revision", default="-1")
def downgrade_cmd(revision: str) -> None:
    """Downgrade the schema to REVISION (default: one step)."""
    command.downgrade(_cfg(), revision)


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def revision_cmd(message: str, autogenerate: bool) -> None:
    """Make a new migration script."""
    command.revision(_cfg(), message=message, autogenerate=autogenerate)


@db_cli.command("current")
def current_cmd() -> None:
    command.current(_cfg())


@db_cli.command("check")
def check_cmd() -> None:
    """Fail if the models and the schema differ."""
    command.check(_cfg())
