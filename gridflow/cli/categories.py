"""`gridflow category …`: case categories and their time limits, versioned.  The same services as the
admin API, as an admin named after the login that runs them, with input checked by the same schemas."""

from __future__ import annotations

from typing import Any

import click
from flask.cli import AppGroup

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.categories import changes as category_changes
from gridflow.categories import store as category_store
from gridflow.cli import cli, console_caller, fail, print_json
from gridflow.cli import run_service as _run
from gridflow.db import get_db
from gridflow.schemas.categories import CategoryChange, CategoryInput, CategoryVersionView
from gridflow.schemas.parse import parse_data
from gridflow.workflow.categories import DUTIES, KINDS, UNITS

category_cli = AppGroup("category", help="Case categories and their time limits (versioned).")
cli.add_command(category_cli)


def _limit(limit) -> str:
    return f"{limit.amount:g} {limit.unit}"


def _describe(c: CategoryVersionView) -> list[str]:
    return [
        f"{c.code} {c.name} ({c.name_en}), version {c.version}, {'in use' if c.active else 'out of use'}",
        f"  kind: {c.kind}, duty: {c.duty} ({c.duty_name})",
        "  limits: " + ", ".join(f"{lvl} {_limit(c.limits[lvl])}" for lvl in LEVELS_BOTTOM_UP),
        f"  filing limit: {_limit(c.filing_limit)}, verification limit: {_limit(c.verification_limit)}, "
        f"photo required on verification: {'yes' if c.photo_required_on_verification else 'no'}",
        f"  changed {c.changed_at.isoformat(timespec='seconds')} by {c.changed_by}" + (f": {c.note}" if c.note else ""),
    ]


def _show(c: CategoryVersionView, as_json: bool) -> None:
    if as_json:
        print_json(c.model_dump(mode="json"))
    else:
        click.echo("\n".join(_describe(c)))


@category_cli.command("list")
@click.option("--all", "every", is_flag=True, help="also the categories out of use")
@click.option("--json", "as_json", is_flag=True)
def category_list_cmd(every: bool, as_json: bool) -> None:
    """Every category's current version, one a line."""
    found = _run(lambda: category_store.list_current(get_db(), every))
    if as_json:
        print_json(found.model_dump(mode="json")["items"])
        return
    for c in found.items:
        limits = "/".join(f"{c.limits[lvl].amount:g}" for lvl in LEVELS_BOTTOM_UP)
        units = {c.limits[lvl].unit for lvl in LEVELS_BOTTOM_UP}
        click.echo(
            f"{c.code:<8} v{c.version:<3} {c.kind:<8} {c.duty:<10} {limits} {'/'.join(sorted(units))}  "
            f"{c.name} ({c.name_en}){'' if c.active else '  [out of use]'}"
        )


@category_cli.command("show")
@click.argument("code")
@click.option("--version", type=int, help="that version (default: the current one)")
@click.option("--history", is_flag=True, help="every version, oldest first")
@click.option("--json", "as_json", is_flag=True)
def category_show_cmd(code: str, version: int | None, history: bool, as_json: bool) -> None:
    """A category: its current version (or --version N, or its --history)."""
    db = get_db()
    if version is not None:
        _show(_run(lambda: category_store.category_version(db, code, version)), as_json)
        return
    found = _run(lambda: category_store.category_history(db, code))
    if history and as_json:
        print_json(found.model_dump(mode="json"))
    elif history:
        click.echo("\n".join(line for v in found.items for line in _describe(v)))
    else:
        _show(found.items[-1], as_json)


def _amounts(text: str) -> list[float]:
    parts = [p.strip() for p in text.split(",")]
    if len(parts) != len(LEVELS_BOTTOM_UP):
        fail(f"--limits takes {len(LEVELS_BOTTOM_UP)} amounts, one per level ({','.join(LEVELS_BOTTOM_UP)})")
    try:
        return [float(p) for p in parts]
    except ValueError:
        fail(f"--limits {text!r}: amounts are numbers, separated by commas")
        raise


def _limits_given(amounts: str | None, unit: str | None, current: dict) -> dict | None:
    """The `limits` of the input from --limits and --unit; where only one of them is given, the other
    comes from `current` (the current version's limits)."""
    if amounts is None and unit is None:
        return None
    values = _amounts(amounts) if amounts is not None else [current[lvl].amount for lvl in LEVELS_BOTTOM_UP]
    return {lvl: {"amount": a, "unit": unit or current[lvl].unit} for lvl, a in zip(LEVELS_BOTTOM_UP, values)}


def _one_limit(amount: float | None, unit: str | None, current: Any) -> dict | None:
    """A limit from --X and --X-unit; where only one is given, the other comes from `current`."""
    if amount is None and unit is None:
        return None
    return {"amount": current.amount if amount is None else amount, "unit": unit or current.unit}


_UNIT = click.Choice(UNITS)


def _limit_options(f):
    for option in reversed(
        [
            click.option("--limits", "amounts", help="amounts per level, community,street,county,city (5,10,15,15)"),
            click.option("--unit", type=_UNIT, help="the unit of every level's limit"),
            click.option("--filing", type=float, help="how long a reported case may wait to be filed"),
            click.option("--filing-unit", type=_UNIT),
            click.option("--verification", type=float, help="how long a resolved case may wait to be verified"),
            click.option("--verification-unit", type=_UNIT),
            click.option("--note", help="why (kept with the version)"),
        ]
    ):
        f = option(f)
    return f


@category_cli.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Chinese name")
@click.option("--name-en", required=True, help="English name")
@click.option("--kind", required=True, type=click.Choice(KINDS))
@click.option("--duty", required=True, type=click.Choice(list(DUTIES)))
@_limit_options
@click.option("--photo-required", is_flag=True, help="verifying a case needs a photo")
def category_add_cmd(
    code, name, name_en, kind, duty, amounts, unit, filing, filing_unit, verification, verification_unit, note,
    photo_required,
) -> None:  # fmt: skip
    """Add a category CODE (its version 1): --limits and --unit are required."""
    if amounts is None or unit is None:
        fail("a new category needs --limits (one amount per level) and --unit")
    data: dict = {"code": code, "name": name, "name_en": name_en, "kind": kind, "duty": duty, "note": note}
    data["limits"] = _limits_given(amounts, unit, {})
    data["photo_required_on_verification"] = photo_required
    defaults = CategoryInput.model_fields
    for key, amount, unit_given in (
        ("filing_limit", filing, filing_unit),
        ("verification_limit", verification, verification_unit),
    ):
        given = _one_limit(amount, unit_given, defaults[key].default)
        if given:
            data[key] = given
    inp = _run(lambda: parse_data(CategoryInput, data, strict=False))
    _show(_run(lambda: category_changes.add_category(get_db(), console_caller(), inp)), False)


@category_cli.command("set")
@click.argument("code")
@click.option("--name", help="Chinese name")
@click.option("--name-en", help="English name")
@click.option("--duty", type=click.Choice(list(DUTIES)))
@_limit_options
@click.option("--photo-required/--no-photo-required", default=None, help="verifying a case needs a photo")
@click.option("--based-on", type=int, help="the version you changed (refused if another came meanwhile)")
def category_set_cmd(
    code, name, name_en, duty, amounts, unit, filing, filing_unit, verification, verification_unit, note,
    photo_required, based_on,
) -> None:  # fmt: skip
    """Change a category: its next version, with what the options give (the rest as it is).  Cases
    filed before keep the version they were filed under."""
    db = get_db()
    current = _run(lambda: category_store.category_history(db, code)).items[-1]
    data: dict = {"name": name, "name_en": name_en, "duty": duty, "note": note, "based_on": based_on}
    data["limits"] = _limits_given(amounts, unit, current.limits)
    data["filing_limit"] = _one_limit(filing, filing_unit, current.filing_limit)
    data["verification_limit"] = _one_limit(verification, verification_unit, current.verification_limit)
    data["photo_required_on_verification"] = photo_required
    inp = _run(lambda: parse_data(CategoryChange, {k: v for k, v in data.items() if v is not None}, strict=False))
    _show(_run(lambda: category_changes.change_category(db, console_caller(), code, inp)), False)


@category_cli.command("disable")
@click.argument("code")
@click.option("--note", help="why (kept with the version)")
def category_disable_cmd(code: str, note: str | None) -> None:
    """Take a category out of use: no new reports in it (its cases go on under their version)."""
    _show(_run(lambda: category_changes.set_active(get_db(), console_caller(), code, False, note)), False)


@category_cli.command("enable")
@click.argument("code")
@click.option("--note", help="why (kept with the version)")
def category_enable_cmd(code: str, note: str | None) -> None:
    """Put a category back into use."""
    _show(_run(lambda: category_changes.set_active(get_db(), console_caller(), code, True, note)), False)
