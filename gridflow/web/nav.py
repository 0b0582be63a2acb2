"""Navigation by role, and where each role lands after logging in.

A page module registers itself once, at import:

    nav.add("queue.index", _l("My queue"), roles=(MEDIATOR, SUPERVISOR), order=10,
            description=_l("Cases waiting at my level"), landing_for=(MEDIATOR,))

Items whose endpoint is not registered (a page not built yet) are left out, so the header, the start
page and the landing never link to nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from gridflow.workflow.rules import ADMIN, GRID_WORKER, ROLES, Actor

START = "web.start"


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: str
    roles: frozenset[str]
    description: str | None = None
    order: int = 100

    @property
    def url(self) -> str:
        return url_for(self.endpoint)


NAV: list[NavItem] = []
LANDING: dict[str, str] = {}  # role -> endpoint; default START


def add(
    endpoint: str,
    label: str,
    roles: Iterable[str] = ROLES,
    description: str | None = None,
    order: int = 100,
    landing_for: Iterable[str] = (),
) -> None:
    """Show `endpoint` in the menu and on the start page to these roles (lower `order` first); the
    roles in `landing_for` land on it after logging in.  Adding an endpoint again replaces it."""
    NAV[:] = [item for item in NAV if item.endpoint != endpoint]
    NAV.append(NavItem(endpoint, label, frozenset(roles), description, order))
    NAV.sort(key=lambda item: item.order)
    for role in landing_for:
        LANDING[role] = endpoint


def items_for(actor: Actor | None) -> list[NavItem]:
    if actor is None:
        return []
    return [i for i in NAV if actor.role in i.roles and i.endpoint in current_app.view_functions]


def landing_url(actor: Actor) -> str:
    endpoint = LANDING.get(actor.role, START)
    return url_for(endpoint if endpoint in current_app.view_functions else START)


def area_label(actor: Actor) -> str:
    """The area a user acts for, as the header shows it."""
    if actor.division_name:
        return actor.division_name
    if actor.role == GRID_WORKER:
        return ngettext("%(num)d grid", "%(num)d grids", len(actor.grid_ids))
    return str(_l("All areas")) if actor.role == ADMIN else ""
