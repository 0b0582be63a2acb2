"""Places: locating a point; map views (GeoJSON of divisions, grids, entities and cases)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from geo.levels import LEVELS_TOP_DOWN
from geo.mapview import MAX_ZOOM, MIN_ZOOM, BBox
from gridflow.errors import N_
from gridflow.schemas.cases import CaseSummary
from gridflow.schemas.common import GridCode, Output, Query, Ref, text
from gridflow.schemas.errors import FieldError


class LocateQuery(Query):
    """A point in WGS-84 (what GPS gives; GCJ-02 map coordinates must be converted first)."""

    lon: Annotated[float, Field(ge=-180, le=180)]
    lat: Annotated[float, Field(ge=-90, le=90)]


class Located(Output):
    """The division at every level, the grid and its worker (code = staff number); null where none."""

    city: Ref | None
    county: Ref | None
    street: Ref | None
    community: Ref | None
    grid: Ref | None
    worker: Ref | None


def _bbox(text: str) -> str:
    BBox.parse(text)  # ValueError in words: the 422 names the field
    return text


BBoxText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_bbox)]
Zoom = Annotated[int, Field(ge=MIN_ZOOM, le=MAX_ZOOM, description="the map's zoom (0: the world in one tile)")]


class MapQuery(Query):
    """A map view: the box it shows (`west,south,east,north`, WGS-84) and its zoom, which decides how
    much detail comes back (simplified shapes, or counts instead of features)."""

    bbox: BBoxText = Field(description="west,south,east,north in WGS-84 degrees")
    zoom: Zoom

    @property
    def box(self) -> BBox:
        return BBox.parse(self.bbox)


class DivisionsQuery(MapQuery):
    level: Literal[LEVELS_TOP_DOWN] | None = Field(None, description="default: what suits the zoom")


class GridsQuery(Query):
    """Grids in a map view, or one grid by its code (then no box is needed)."""

    bbox: BBoxText | None = Field(None, description="west,south,east,north in WGS-84 degrees")
    zoom: Zoom = 16
    code: Annotated[str, StringConstraints(pattern=r"^\d{15}$")] | None = Field(None, description="one grid")

    @model_validator(mode="after")
    def _where(self) -> GridsQuery:
        if self.bbox is None and self.code is None:
            raise FieldError("bbox", "give bbox (west,south,east,north) or code")
        return self

    @property
    def box(self) -> BBox | None:
        return BBox.parse(self.bbox) if self.bbox else None


class Feature(Output):
    type: Literal["Feature"] = "Feature"
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollection(Output):
    """GeoJSON (RFC 7946), and what its features are: `features` (the things themselves),
    `grid_counts` / `community_counts` (one point per grid or community with counts, when the view
    is too wide for every thing), or `hidden` (none: zoom in to `min_zoom`); `truncated` when more
    features lie in the box than one answer holds."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[Feature]
    detail: Literal["features", "grid_counts", "community_counts", "hidden"]
    truncated: bool
    min_zoom: int | None = None  # with `hidden`: the zoom from which this layer shows


class CoverageQuery(Query):
    """A coverage check (the administration page): which division, against which children."""

    code: text(12, r"^[0-9]{6,12}$", N_("must be a division code (6 to 12 digits)")) | None = None
    children: Literal["direct", "grids"] = "direct"


class EntityDetail(Output):
    """A residence, shop, unit or road with its case history: the cases reported at it, or located at
    it in its grids, most recent first (at most 100; `cases_total` counts them all)."""

    ref: str
    kind: str
    name: str
    address: str | None
    households: int | None
    residents: int | None
    grids: list[Ref]  # its grid (a road: the grids of its stretches)
    cases: list[CaseSummary]
    cases_total: int


class EntityDetails(Output):
    items: list[EntityDetail]  # a grid's entities by ref, each with its latest 20 cases


class GridEntitiesQuery(Query):
    grid: GridCode = Field(description="a grid code in the caller's area")
