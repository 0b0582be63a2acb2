"""Cases as a map layer: the open cases (reported, waiting or being handled) in a map view, inside
the caller's area only (gridflow.people.access).  Close in, one point per case; a little wider, one
point per grid with how many there are and how many are overdue; wider still, nothing (`hidden`).

The box is found through the duplicate look-up's index (category, lat, lon over exactly these
states): one range scan per category, never the whole table.  Counting reads every case in view
(its grid is in the table, not the index): at 1 M stored cases a county-wide view holds a few hundred
thousand, too many to count per request — area-wide shading is the figures' job (issue 10), kept up
to date as cases change.
"""

from __future__ import annotations

from sqlalchemy import and_, case, func, select

from geo.mapview import BBox, point_feature
from gridflow.categories import store as categories
from gridflow.clock import utcnow
from gridflow.db import Database
from gridflow.models import Case, Grid
from gridflow.models.cases import ACTIVE_SQL, DUPLICATE_CANDIDATES_SQL
from gridflow.people.access import visible_conditions
from gridflow.places.mapdata import MAX_FEATURES, collection, hidden
from gridflow.schemas.places import FeatureCollection
from gridflow.workflow.rules import Actor

CASE_DETAIL_ZOOM = 14  # from here on one point per case; below, counts per grid
CASE_MIN_ZOOM = 13  # below this, nothing (a view of ~25 × 15 km holds ~1/20 of a city's cases)


def in_view(actor: Actor, bbox: BBox, codes: list[str]) -> list:
    """The open cases in the box that the caller may see, stated as ix_case_duplicates states its
    rows (every category code: a range scan on lat in each; a test EXPLAINs it on both back ends)."""
    return [
        DUPLICATE_CANDIDATES_SQL,
        Case.category.in_(codes),
        Case.lat.between(bbox.south, bbox.north),
        Case.lon.between(bbox.west, bbox.east),
        *visible_conditions(actor),
    ]


def cases(db: Database, actor: Actor, bbox: BBox, zoom: int) -> FeatureCollection:
    if zoom < CASE_MIN_ZOOM:
        return hidden(CASE_MIN_ZOOM)
    now = utcnow()
    overdue = and_(ACTIVE_SQL, Case.deadline < now)
    with db.session() as s:
        where = in_view(actor, bbox, categories.codes(s))
        if zoom >= CASE_DETAIL_ZOOM:
            rows = s.execute(
                select(
                    Case.id,
                    Case.number,
                    Case.kind,
                    Case.category,
                    Case.category_version,
                    Case.state,
                    Case.level,
                    Case.risk,
                    Case.lon,
                    Case.lat,
                    overdue.label("overdue"),
                )
                .where(*where)
                .order_by(Case.id.desc())
                .limit(MAX_FEATURES + 1)
            ).all()
            names = categories.versions(s, db, {(r.category, r.category_version) for r in rows[:MAX_FEATURES]})
            return collection(
                [
                    point_feature(
                        r.lon,
                        r.lat,
                        {
                            "id": r.id,
                            "number": r.number,
                            "kind": r.kind,
                            "category": r.category,
                            "category_name": names[(r.category, r.category_version)].name,
                            "state": r.state,
                            "level": r.level,
                            "risk": r.risk,
                            "overdue": bool(r.overdue),
                        },
                        zoom,
                    )
                    for r in rows[:MAX_FEATURES]
                ],
                truncated=len(rows) > MAX_FEATURES,
            )
        counted = {
            grid_id: (n, late)
            for grid_id, n, late in s.execute(
                select(Case.grid_id, func.count(), func.sum(case((overdue, 1), else_=0)))
                .where(*where)
                .group_by(Case.grid_id)
            )
        }
        if not counted:
            return collection([], "grid_counts")
        inside = func.ST_PointOnSurface(Grid.boundary)
        places = s.execute(
            select(Grid.id, Grid.code, Grid.name, func.ST_X(inside), func.ST_Y(inside))
            .where(Grid.id.in_(list(counted)))
            .order_by(Grid.code)
            .limit(MAX_FEATURES + 1)
        ).all()
    return collection(
        [
            point_feature(
                lon, lat, {"code": code, "name": name, "count": counted[i][0], "overdue": int(counted[i][1] or 0)}, zoom
            )
            for i, code, name, lon, lat in places[:MAX_FEATURES]
        ],
        "grid_counts",
        len(places) > MAX_FEATURES,
    )
