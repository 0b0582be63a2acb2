"""The 考核表: the figures as a spreadsheet (openpyxl, write-only): a title row naming the division
and the period, a header row (Chinese, or English), one row per group (or the totals alone), then
the totals."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.schemas.stats import Stats
from gridflow.stats.figures import ESCALATING

LEVEL_NAMES = {
    "community": ("社区", "community"),
    "street": ("街道", "street"),
    "county": ("县区", "county"),
    "city": ("市", "city"),
}
KEY_NAMES = {
    "level": ("层级", "level"),
    "division": ("区划", "division"),
    "category": ("类别", "category"),
    "duty": ("职责", "duty"),
    "worker": ("网格员", "worker"),
    "month": ("月份", "month"),
}
# (figure path, Chinese, English)
COLUMNS: list[tuple[tuple[str, ...], str, str]] = [
    (("reported",), "上报数", "reported"),
    (("filed",), "立案数", "filed"),
    (("due",), "应结案数", "due"),
    (("closed",), "结案数", "closed"),
    (("closure_rate",), "结案率", "closure rate"),
    (("on_time_rate",), "按期结案率", "on-time rate"),
    (("overdue_now",), "当前超期", "overdue now"),
    (("ever_overdue",), "曾超期", "ever overdue"),
    (("rework_rate",), "返工率", "rework rate"),
    (("extension_rate",), "延期率", "extension rate"),
    *((("escalation_rate", lvl), f"{LEVEL_NAMES[lvl][0]}上交率", f"escalation rate ({lvl})") for lvl in ESCALATING),
    (("settled_locally_rate",), "就地化解率", "settled locally"),
    *(
        (("settled_at_or_below", lvl), f"{LEVEL_NAMES[lvl][0]}及以下化解率", f"settled at or below {lvl}")
        for lvl in LEVELS_BOTTOM_UP
    ),
    (("handling_working_days", "median"), "办理工作日（中位数）", "working days (median)"),
    (("handling_working_days", "mean"), "办理工作日（平均）", "working days (mean)"),
    (("handling_hours", "median"), "办理工时（中位数）", "working hours (median)"),
    (("handling_hours", "mean"), "办理工时（平均）", "working hours (mean)"),
    (("satisfaction",), "满意率", "satisfaction"),
]


def _value(figures: dict, path: tuple[str, ...]) -> Any:
    for part in path:
        figures = figures[part]
    return figures


def key_text(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(value[k]) for k in ("code", "staff_no", "name") if value.get(k))
    return "" if value is None else str(value)


def title(stats: Stats, en: bool) -> str:
    period = f"{stats.from_ or '…'} – {stats.to or '…'}"
    if en:
        return f"Evaluation figures: {stats.division.name} ({stats.division.code}), reported {period}"
    return f"{stats.division.name}（{stats.division.code}）考核表，上报日期 {period}"


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(stats: Stats, lang: str = "zh") -> bytes:
    en = lang == "en"
    book = Workbook(write_only=True)
    sheet = book.create_sheet("考核表" if not en else "figures")
    sheet.append([title(stats, en)])
    keys = list(stats.group_by)
    sheet.append([KEY_NAMES[k][en] for k in keys] + [c[2] if en else c[1] for c in COLUMNS])
    for group in stats.groups:
        data = group.model_dump()
        sheet.append([key_text(group.key.get(k)) for k in keys] + [_value(data, c[0]) for c in COLUMNS])
    totals = stats.totals.model_dump()
    label = ["total" if en else "合计"] + [""] * (len(keys) - 1) if keys else []
    sheet.append(label + [_value(totals, c[0]) for c in COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
