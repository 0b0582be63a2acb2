"""Who sees what: the access rules every list, detail, duplicate hint and export applies.

- A case exists for an actor inside his area (his grids; his division and below), or if he reported
  it; elsewhere it does not exist for him (404, never 403).
- Personal data of the parties (names, phones, ID numbers) is shown unmasked only to those handling
  the case now: its assignee, the mediators of its current level and area, and the grid worker who
  owns its grid.  Everyone else — administrators and supervisors included — sees it masked, and may
  reveal it with a reason (`cases.reveal`, audited).  `parties_as_seen` is the one place that decides.
- Administration (users, workers, grid ownership, the audit log, categories, the working calendar) is
  for administrators, and for the server's command line (`require_admin`).
"""

from __future__ import annotations

from sqlalchemy import false, or_

from gridflow.errors import Forbidden
from gridflow.models import Case
from gridflow.schemas.cases import PartyView
from gridflow.workflow.rules import ADMIN, GRID_WORKER, MEDIATOR, SUPERVISOR, SYSTEM, Actor, acts_at_level, in_area

# Two-character family names (复姓): a masked name keeps the whole family name, as people say it.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 端木 独孤 南宫 西门 "
    "百里 呼延 澹台 公冶 太史 申屠 万俟 闻人 赫连 濮阳 单于 东郭 南门 羊舌 微生 公羊 左丘 梁丘 第五".split()
)


def can_see(case, actor: Actor) -> bool:
    """Whether the case exists at all for this actor (`case`: anything with the case's area columns)."""
    return in_area(case, actor) or (case.reporter_id is not None and case.reporter_id == actor.id)


def area_condition(actor: Actor):
    """SQL equivalent to `in_area` for a person (None: everywhere, an administrator's)."""
    if actor.role == ADMIN:
        return None
    if actor.role == GRID_WORKER:
        return Case.grid_id.in_(actor.grid_ids or [-1])
    if actor.division_level is None:
        return false()
    return getattr(Case, f"{actor.division_level}_id") == actor.division_id


def visible_conditions(actor: Actor) -> list:
    """SQL conditions equivalent to `can_see`, for lists."""
    area = area_condition(actor)
    if area is None:
        return []
    return [or_(area, Case.reporter_id == actor.id)]


def sees_worker(actor: Actor, worker_user_id: int, worker_area: set[int]) -> bool:
    """A worker's patrols (where he walked, when): for himself, an admin, and the mediators and
    supervisors of a division above his grids (`worker_area`: those divisions' ids)."""
    if actor.role == ADMIN or actor.id == worker_user_id:
        return True
    return actor.role in (MEDIATOR, SUPERVISOR) and actor.division_id in worker_area


def may_see_personal(case, actor: Actor) -> bool:
    """Parties' personal data unmasked: only for those handling the case now."""
    if actor.id is not None and case.assignee_id == actor.id:
        return True
    if actor.role == MEDIATOR:
        return acts_at_level(case, actor)
    if actor.role == GRID_WORKER:
        return case.grid_id in actor.grid_ids
    return False


def require_admin(actor: Actor) -> None:
    """Administration: administrators, and the server's command line (the system)."""
    if actor.role not in (ADMIN, SYSTEM):
        raise Forbidden("only administrators may do this")


def mask(value: str | None, keep_start: int, keep_end: int) -> str | None:
    if not value or len(value) <= keep_start + keep_end:
        return value and "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**, John Smith → J*** *****: the family name (the first character,
    or a two-character one) stays, every other character is a star (spaces stay)."""
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    return name[:keep] + "".join(" " if c.isspace() else "*" for c in name[keep:])


def parties_as_seen(case, actor: Actor, revealed: bool = False) -> list[PartyView]:
    """The parties of a case as this actor may see them (`revealed`: unmasked after `cases.reveal`)."""
    personal = revealed or may_see_personal(case, actor)
    return [
        PartyView(
            name=p.name if personal else mask_name(p.name),
            role=p.role,
            phone=p.phone if personal else mask(p.phone, 3, 2),
            id_number=p.id_number if personal else mask(p.id_number, 6, 2),
        )
        for p in case.parties
    ]
