"""Command line: the console script `gridflow …` (in a checkout also `flask --app wsgi gridflow …`).

Commands live by subject: `cli.spatial` (imports, coverage, locate, export, demo), `cli.cases`
(users, the workflow, sweep, verify, the scheduler), `cli.categories` and `cli.calendar` (what the office keeps),
`cli.operations` (backup, restore) and
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


def console_actor():
    """Who a command acts as where the services want an actor: an admin named after the login that runs
    it (`console:<login>`; shell access to the server is an admin's)."""
    import getpass

    from gridflow.workflow.rules import ADMIN, Actor

    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container, say)
        login = "?"
    return Actor(None, f"console:{login}"[:100], ADMIN)


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
    from gridflow.cli import calendar, cases, categories, operations, spatial  # noqa: F401  (commands register on import)
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
