"""`gridflow stats`: the evaluation figures as a table, JSON or a 考核表 spreadsheet."""

from __future__ import annotations

from datetime import date

import click

from gridflow.cli import cli, console_caller, fail, run_service
from gridflow.db import get_db


def _date(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)")
        raise


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


@cli.command("stats")
@click.option("--division", help="division code (default: the city)")
@click.option("--from", "from_text", help="first report date, YYYY-MM-DD")
@click.option("--to", "to_text", help="last report date, YYYY-MM-DD")
@click.option("--group-by", help="level, division, category, duty, worker, month, or two joined by a comma")
@click.option("--json", "as_json", is_flag=True, help="the API's JSON")
@click.option("--xlsx", "xlsx", type=click.Path(dir_okay=False), help="write the 考核表 to this file")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="the sheet's headers")
def stats_cmd(division, from_text, to_text, group_by, as_json, xlsx, lang) -> None:
    """The evaluation figures (考核) of the cases reported in the period, in total and per group."""
    from gridflow.stats import sheet
    from gridflow.stats.query import Question, stats

    q = Question(division=division, from_=_date(from_text, "--from"), to=_date(to_text, "--to"), group_by=group_by)
    answer = run_service(lambda: stats(get_db(), console_caller().actor, q))
    if xlsx:
        with open(xlsx, "wb") as out:
            out.write(sheet.workbook(answer, lang))
        click.echo(f"{xlsx}: {len(answer.groups)} group(s)")
        return
    if as_json:
        click.echo(answer.model_dump_json(indent=2))
        return
    click.echo(sheet.title(answer, lang == "en"))
    header = f"{'group':<30} {'reported':>8} {'due':>6} {'closed':>6} {'closure':>8} {'on time':>8} {'rework':>7} {'extend':>7} {'local':>7} {'overdue':>7}"
    click.echo(header)
    rows = [(" ".join(sheet.key_text(v) for v in g.key.values()), g) for g in answer.groups]
    for label, f in [*rows, ("total", answer.totals)]:
        click.echo(
            f"{label[:30]:<30} {f.reported:>8} {f.due:>6} {f.closed:>6} {_pct(f.closure_rate):>8} "
            f"{_pct(f.on_time_rate):>8} {_pct(f.rework_rate):>7} {_pct(f.extension_rate):>7} "
            f"{_pct(f.settled_locally_rate):>7} {f.overdue_now:>7}"
        )
