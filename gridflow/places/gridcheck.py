"""Checking grids before they are stored: do they still tile their communities?

The same check serves `import-grids` (which refuses overlaps unless told otherwise) and any page that
previews an upload: it only reads.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo.coverage import GridImportCheck, GridShape, check_grid_import
from geo.features import GridRecord
from gridflow.errors import Invalid
from gridflow.models import Division, Grid
from gridflow.spatial import shapes


class OverlappingGrids(Invalid):
    """The grids would overlap each other, or reach outside their community."""

    def __init__(self, check: GridImportCheck):
        super().__init__(
            f"{len(check.problems())} overlap(s): nothing imported", field="features", problems=check.problems()
        )
        self.check = check


def check_grids(session: Session, records: list[GridRecord], tolerance_m2: float) -> GridImportCheck:
    """Overlaps of the grids in `records` with each other and with the stored grids they leave in
    place (a stored grid with an imported code is replaced), parts outside their community, and the
    gaps their communities would be left with; findings under `tolerance_m2` are slivers."""
    community_codes = sorted({r.community_code for r in records})
    if not community_codes:
        return GridImportCheck(tolerance_m2)
    rows = session.execute(
        select(Division.code, Division.boundary).where(
            Division.code.in_(community_codes), Division.level == "community"
        )
    ).all()
    communities = dict(zip([r.code for r in rows], shapes([r.boundary for r in rows])))
    replaced = {r.code for r in records}
    stored_rows = [
        r
        for r in session.execute(
            select(Grid.code, Division.code, Grid.boundary).join(Division, Grid.community_id == Division.id)
        )
        if r[0] not in replaced
    ]
    stored = [
        GridShape(code, community, geom)
        for (code, community, _), geom in zip(stored_rows, shapes([r[2] for r in stored_rows]))
    ]
    imported = [GridShape(r.code, r.community_code, r.geometry) for r in records]
    return check_grid_import(communities, imported, stored, tolerance_m2)
