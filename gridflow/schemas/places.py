"""Places: locating a point."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from gridflow.schemas.common import Output, Query, Ref


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
