"""A case's escalation timeline (/cases/<id>/timeline): how long it spent at each level and in each
state, drawn as a horizontal chart (plain SVG: no script, and the same figures in a table), each
level's deadline marked, the events with actor and reason, and whether its hash chain verifies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import current_app, render_template
from flask_babel import gettext, ngettext

from geo.levels import LEVELS_BOTTOM_UP
from gridflow.cases import chain
from gridflow.cases.policy import Policy
from gridflow.clock import utcnow
from gridflow.db import get_db
from gridflow.schemas.cases import Timeline
from gridflow.web import bp
from gridflow.web.auth import logged_in_actor, login_required
from gridflow.web.casefile import CASE_ID
from gridflow.workflow import table

# The chart's geometry (SVG user units): each row has a band for deadline labels above its lane.
WIDTH, LABELS_W, ROW_H, TOP, AXIS_H, BAND = 1000, 90, 52, 4, 30, 16
TICKS = 5


@dataclass
class Segment:
    x: float
    width: float
    state: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


@dataclass
class Row:
    level: str
    y: float
    segments: list[Segment] = field(default_factory=list)
    deadlines: list[Mark] = field(default_factory=list)


@dataclass
class Mark:
    """A level's deadline: where on the axis, when, whether the case stayed past it, and whether it
    lies beyond the chart's end (then drawn at the right edge, pointing on)."""

    x: float
    when: datetime
    overdue: bool
    beyond: bool


@dataclass
class Chart:
    rows: list[Row]
    ticks: list[tuple[float, datetime]]
    height: float
    now_x: float | None
    tick_format: str  # Babel's pattern: a day or more shows dates, less shows times


def _naive(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def chart(timeline: Timeline, now: datetime) -> Chart | None:
    """Where each piece of the chart goes: a row per level the case reached (community first), a
    bar per stretch of time in one state, a mark at each level's deadline."""
    events = timeline.events
    if not events:
        return None
    ended = timeline.case.state in table.TERMINAL
    start = _naive(events[0].at)
    end = latest = _naive(events[-1].at) if ended else now
    span = max((latest - start).total_seconds(), 1.0)
    inner = WIDTH - LABELS_W - 10

    def x(when: datetime) -> float:
        return round(LABELS_W + inner * (_naive(when) - start).total_seconds() / span, 2)

    levels = [lvl for lvl in LEVELS_BOTTOM_UP if any(s.level == lvl for s in timeline.stays)]
    rows = {lvl: Row(lvl, TOP + i * ROW_H) for i, lvl in enumerate(levels)}
    for e, nxt in zip(events, [*events[1:], None]):
        seg_end = _naive(nxt.at) if nxt is not None else end
        if nxt is None and ended:
            break
        if seg_end > _naive(e.at) and e.to_level in rows:
            x0, x1 = x(e.at), x(seg_end)
            rows[e.to_level].segments.append(Segment(x0, max(x1 - x0, 0.5), e.to_state, _naive(e.at), seg_end))
    for stay in timeline.stays:
        if stay.deadline and stay.level in rows:
            beyond = _naive(stay.deadline) > latest  # the axis shows the time spent, not the time allowed
            at = WIDTH - 10 if beyond else x(stay.deadline)
            rows[stay.level].deadlines.append(Mark(at, stay.deadline, stay.overdue, beyond))
    ticks = [start + (latest - start) * (i / (TICKS - 1)) for i in range(TICKS)]
    return Chart(
        rows=list(rows.values()),
        ticks=[(x(t), t) for t in ticks],
        height=TOP + len(rows) * ROW_H + AXIS_H,
        now_x=None if ended else x(now),
        tick_format="M/d HH:mm" if span >= 86400 else ("HH:mm" if span >= 600 else "HH:mm:ss"),
    )


@bp.app_template_filter("duration")
def duration(seconds: float) -> str:
    """A length of time in days, hours and minutes, in the page's language ("2 days 3 hours")."""
    if seconds < 60:
        return gettext("less than a minute")
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)d day", "%(num)d days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


@bp.app_template_filter("working_duration")
def working_duration(seconds: float, per_day: float) -> str:
    """Working time in working days (of `per_day` office seconds), hours and minutes."""
    if seconds < 60:
        return gettext("less than a minute")
    days, rest = divmod(int(seconds // 60), max(int(per_day // 60), 1))
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(num)d working day", "%(num)d working days", days))
    if hours:
        parts.append(ngettext("%(num)d hour", "%(num)d hours", hours))
    if minutes or not parts:
        parts.append(ngettext("%(num)d minute", "%(num)d minutes", minutes))
    return " ".join(parts)


@bp.get(f"/cases/{CASE_ID}/timeline")
@login_required
def case_timeline(case_id: int):
    policy = Policy.from_config(current_app.config)
    timeline = chain.timeline(get_db(), logged_in_actor(), case_id, policy)
    now = utcnow()
    durations = timeline.durations
    return render_template(
        "cases/timeline.html",
        timeline=timeline,
        case=timeline.case,
        chart=chart(timeline, now),
        width=WIDTH,
        labels_w=LABELS_W,
        row_h=ROW_H,
        band=BAND,
        states=[s for s in table.STATES if s in durations.states],
        levels=[lvl for lvl in LEVELS_BOTTOM_UP if lvl in durations.levels],
        working=durations,
        stays=[
            (s, ((_naive(s.left_at) if s.left_at else now) - _naive(s.entered_at)).total_seconds())
            for s in timeline.stays
        ],
    )
