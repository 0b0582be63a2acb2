"""`gridflow user …`: administering users from the server's command line (the same services as the
admin API and pages, audited as `cli:<system account>`).  Passwords never travel on the command line:
`--password-stdin` reads one line from standard input, otherwise they are prompted for (twice)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from gridflow.cli import cli, console_caller, fail, print_json
from gridflow.db import get_db
from gridflow.errors import GridflowError
from gridflow.people import accounts
from gridflow.schemas.parse import parse_data
from gridflow.schemas.people import UserCreate, UserDetail, UserPatch, UserSearch
from gridflow.workflow.rules import ROLES

user_cli = AppGroup("user", help="Users: list, show, add, set, disable, enable, passwd.")
cli.add_command(user_cli)

password_stdin = click.option(
    "--password-stdin", is_flag=True, help="read the password from standard input (one line) instead of a prompt"
)


def _password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")  # the line as typed: spaces count
        if not password:
            fail("no password on standard input")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt="Repeat the password")


def _grid_codes(text: str | None) -> list[str] | None:
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _run(service, *args):
    try:
        return service(get_db(), console_caller(), *args)
    except GridflowError as exc:
        fail(f"{exc.field}: {exc.message}" if exc.field and not exc.message.startswith(exc.field) else exc.message)


def _describe(user: UserDetail) -> list[str]:
    return [
        f"user      {user.username} (id {user.id}){'' if user.active else '  DISABLED'}",
        f"name      {user.name}",
        f"role      {user.role}",
        f"area      {f'{user.division.code} {user.division.name}' if user.division else '-'}",
        f"worker    {f'{user.worker.staff_no} {user.worker.name}' if user.worker else '-'}",
        f"grids     {', '.join(g.code for g in user.grids) or '-'}",
        f"email     {user.email or '-'}",
        f"phone     {user.phone or '-'}",
    ]


@user_cli.command("list")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--division", help="users acting for this division or below (grid workers: by their grids)")
@click.option("--json", "as_json", is_flag=True)
def user_list_cmd(role: str | None, division: str | None, as_json: bool) -> None:
    """List users by name."""
    users, page = [], 1
    while True:
        query = parse_data(UserSearch, {"role": role, "division": division, "page": page, "per_page": 100})
        found = _run(accounts.list_users, query)
        users += found.items
        if page * found.per_page >= found.total:
            break
        page += 1
    if as_json:
        print_json([u.model_dump(mode="json") for u in users])
        return
    click.echo(f"{'USER':<22} {'ROLE':<12} {'AREA':<28} {'GRIDS':>5}  NAME")
    for u in users:
        area = f"{u.division.code} {u.division.name}" if u.division else "-"
        flag = "" if u.active else "  (disabled)"
        click.echo(f"{u.username:<22} {u.role:<12} {area:<28} {len(u.grids):>5}  {u.name}{flag}")
    click.echo(f"{len(users)} user(s)")


@user_cli.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True)
def user_show_cmd(name: str, as_json: bool) -> None:
    """Show user NAME."""
    user = _run(accounts.get_user, name)
    if as_json:
        print_json(user.model_dump(mode="json"))
        return
    for line in _describe(user):
        click.echo(line)


@user_cli.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--division", help="mediators and supervisors act for this division and below")
@click.option("--grids", help="grid codes, comma-separated: the grid worker owns them from now on")
@click.option("--staff-no", help="a grid worker: the (imported) worker record this account stands for")
@click.option("--name", "display_name", help="full name shown in timelines (default: NAME, or the worker's)")
@click.option("--email")
@click.option("--phone")
@password_stdin
def user_add_cmd(name, role, division, grids, staff_no, display_name, email, phone, password_stdin) -> None:
    """Add user NAME (a name that exists is refused: change it with `user set`)."""
    data = {"username": name, "role": role, "division": division, "grids": _grid_codes(grids) or []}
    data |= {"staff_no": staff_no, "name": display_name, "email": email, "phone": phone}
    try:
        parse_data(UserCreate, data | {"password": "-"})  # everything but the password, before asking for it
        inp = parse_data(UserCreate, data | {"password": _password(password_stdin)})
    except GridflowError as exc:
        fail(exc.message)
    user = _run(accounts.create_user, inp)
    click.echo(f"user {user.username} ({user.role}) created")
    for line in _describe(user)[1:]:
        click.echo(f"  {line}")


@user_cli.command("set")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES))
@click.option("--division", help="the division he acts for ('' for none)")
@click.option("--grids", help="grid codes, comma-separated: exactly the grids he owns from now on ('' for none)")
@click.option("--name", "display_name", help="full name")
@click.option("--email", help="'' to remove it")
@click.option("--phone", help="'' to remove it")
def user_set_cmd(name, role, division, grids, display_name, email, phone) -> None:
    """Change user NAME.  A new role, area or grids ends his tokens and sessions."""
    given = {"role": role, "division": division, "grids": _grid_codes(grids), "name": display_name}
    given |= {"email": email, "phone": phone}
    data = {k: v for k, v in given.items() if v is not None}
    if not data:
        fail("nothing to change: give --role, --division, --grids, --name, --email or --phone")
    try:
        patch = parse_data(UserPatch, data)
    except GridflowError as exc:
        fail(exc.message)
    user = _run(accounts.update_user, name, patch)
    click.echo(f"user {user.username} changed")
    for line in _describe(user)[1:]:
        click.echo(f"  {line}")


@user_cli.command("disable")
@click.argument("name")
def user_disable_cmd(name: str) -> None:
    """Disable user NAME: his tokens and sessions end at once, logging in is refused."""
    _run(accounts.set_active, name, False)
    click.echo(f"user {name} disabled")


@user_cli.command("enable")
@click.argument("name")
def user_enable_cmd(name: str) -> None:
    """Enable user NAME again."""
    _run(accounts.set_active, name, True)
    click.echo(f"user {name} enabled")


@user_cli.command("passwd")
@click.argument("name")
@password_stdin
def user_passwd_cmd(name: str, password_stdin: bool) -> None:
    """Set the password of user NAME (at least 10 characters, not the user name); his tokens and
    sessions end."""
    _run(accounts.get_user, name)  # an unknown name is said before the password is asked for
    _run(accounts.reset_password, name, _password(password_stdin))
    click.echo(f"user {name}: password set")
