"""Command line: the console script `gridflow …` (in a checkout also `flask --app wsgi gridflow …`).

Commands live by subject: `cli.spatial` (imports, coverage, locate, export, demo), `cli.cases`
(the workflow, sweep, verify, the scheduler), `cli.people` (users), `cli.audit` (the audit log),
`cli.categories` and `cli.calendar` (what the office keeps), `cli.operations` (backup, restore) and
`gridflow.migrate` (`gridflow db …`).
"""

from __future__ import annotations

import json
import sys

import click
from flask import Flask
from flask.cli import AppGroup

cli = AppGroup("gridflow", help="GridFlow: grids, divisions, entities, cases.")
PROGRESS_MIN = 500  # show a progress bar from this many features on


def fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


def console_caller():
    """Who a command acts as: the operator at the server's command line, named by his system account
    (shell access to the server is an administrator's), with the audit chain's keys."""
    from flask import current_app

    from gridflow.audit.log import Caller
    from gridflow.chainkeys import chain_keys

    return Caller.command_line(chain_keys(current_app.config))


def run_service(work):
    """`work()`, a service call: a GridflowError becomes a message and exit status 1 (with the bad lines
    of a file, one a line, when the error names them)."""
    from gridflow.errors import GridflowError

    try:
        return work()
    except GridflowError as exc:
        lines = exc.extra.get("lines")
        if lines:
            for bad in lines:
                click.echo(f"line {bad['line']}: {bad['message']}", err=True)
            fail(f"{len(lines)} bad line(s): nothing imported")
        fail(f"{exc.field + ': ' if exc.field and exc.field not in exc.message else ''}{exc.message}")


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def progress(label: str):
    def wrap(items):
        items = list(items)
        if len(items) < PROGRESS_MIN:
            return items
        return _ProgressList(items, label)

    return wrap


class _ProgressList:
    """Iterates like the list and draws a progress bar on stderr."""

    def __init__(self, items, label):
        self.items, self.label = items, label

    def __iter__(self):
        with click.progressbar(self.items, label=self.label, file=sys.stderr) as bar:
            yield from bar


def init_app(app: Flask) -> None:
    from gridflow.cli import (  # noqa: F401  (commands register on import)
        audit,
        calendar,
        cases,
        categories,
        notifications,
        operations,
        people,
        spatial,
        stats,
    )
    from gridflow.migrate import db_cli

    if "db" not in cli.commands:
        cli.add_command(db_cli)  # `gridflow db upgrade`
    app.cli.add_command(cli)
    app.cli.add_command(db_cli)  # `flask --app wsgi db upgrade`


def main() -> None:
    """Console script `gridflow …`: the same commands, with the app from the environment."""
    from gridflow import create_app

    app = create_app()
    with app.app_context():
        cli.main(prog_name="gridflow")
