"""Parsing and validation of GeoJSON FeatureCollections for the imports.

Every problem is reported with the index of the feature it is in; a file with any problem is
rejected whole (the caller stores nothing).  Records come out in WGS-84.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import shapely
from shapely.geometry import MultiLineString, MultiPolygon, shape
from shapely.geometry.base import BaseGeometry

from geo.crs import CRS_NAMES, to_wgs84
from geo.levels import LEVELS_TOP_DOWN

CODE_LENGTH = {"city": 6, "county": 6, "street": 9, "community": 12}
GRID_CODE_LENGTH = 15
GRID_KINDS = ("basic", "dedicated")
ENTITY_KINDS = {
    "residence": ("Point", "Polygon", "MultiPolygon"),
    "shop": ("Point",),
    "unit": ("Polygon", "MultiPolygon"),
    "road": ("LineString", "MultiLineString"),
}
POLYGONAL = ("Polygon", "MultiPolygon")
MAX_ERRORS = 50


def N_(message: str) -> str:
    """Marks an English template for the pages' catalogue (`pybabel extract -k N_`), as
    gridflow.errors.N_ does: geo/ stays free of the web package, so it has its own."""
    return message


class Wrong(ValueError):
    """What is wrong with a feature or the file: an English template (marked with `N_`) and its
    parameters.  `str()` is the template filled in (commands and the API); pages translate it."""

    def __init__(self, template: str, **params: Any) -> None:
        super().__init__(template % params if params else template)
        self.template = template
        self.params = params


@dataclass
class Problem:
    index: int | None  # feature index, None for the file as a whole
    message: str  # in English
    template: str | None = None  # the message's catalogued template, for pages (None: the message is one)
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, index: int | None, wrong: Wrong | str) -> Problem:
        if isinstance(wrong, Wrong):
            return cls(index, str(wrong), wrong.template, wrong.params)
        return cls(index, wrong)

    def __str__(self) -> str:
        where = "file" if self.index is None else f"feature {self.index}"
        return f"{where}: {self.message}"


class InvalidFeatures(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems[:5]))


@dataclass
class DivisionRecord:
    index: int
    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: MultiPolygon


@dataclass
class GridRecord:
    index: int
    code: str
    name: str
    kind: str
    worker: dict[str, Any] | None  # {staff_no, name?, phone?}
    geometry: MultiPolygon

    @property
    def community_code(self) -> str:
        return self.code[:12]


@dataclass
class EntityRecord:
    index: int
    kind: str
    ref: str
    name: str
    geometry: BaseGeometry
    address: str | None = None
    households: int | None = None
    residents: int | None = None


@dataclass
class _Collector:
    problems: list[Problem] = field(default_factory=list)

    def add(self, index: int | None, problem: Wrong | str) -> None:
        self.problems.append(Problem.of(index, problem))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InvalidFeatures(self.problems[:MAX_ERRORS])


def feature_list(data: Any) -> list[Any]:
    """The features of a FeatureCollection, or InvalidFeatures saying why it is not one."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise InvalidFeatures([Problem(None, N_("not a GeoJSON FeatureCollection"))])
    features = data.get("features")
    if not isinstance(features, list):
        raise InvalidFeatures([Problem(None, N_("'features' must be a list"))])
    return features


def _coords_ok(geom: BaseGeometry) -> Wrong | None:
    xy = shapely.get_coordinates(geom)
    if not np.isfinite(xy).all():
        return Wrong(N_("coordinates must be finite numbers"))
    if xy.size and (np.abs(xy[:, 0]).max() > 180 or np.abs(xy[:, 1]).max() > 90):
        return Wrong(N_("coordinates out of range (longitude -180..180, latitude -90..90)"))
    return None


def _geometry(feature: dict[str, Any], allowed: Iterable[str], crs: str) -> BaseGeometry:
    """The feature's geometry in WGS-84, or ValueError naming the problem."""
    raw = feature.get("geometry")
    if not isinstance(raw, dict):
        raise Wrong(N_("missing geometry"))
    allowed = tuple(allowed)
    if raw.get("type") not in allowed:
        raise Wrong(
            N_("geometry type %(type)r not allowed here (expected %(allowed)s)"),
            type=raw.get("type"),
            allowed=" or ".join(allowed),
        )
    try:
        geom = shape(raw)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise Wrong(N_("malformed geometry: %(reason)s"), reason=str(exc)) from None
    if geom.is_empty:
        raise Wrong(N_("empty geometry"))
    problem = _coords_ok(geom)
    if problem:
        raise problem
    if not geom.is_valid:
        raise Wrong(N_("invalid geometry: %(reason)s"), reason=shapely.is_valid_reason(geom))
    return to_wgs84(geom, crs)


def _as_multi(geom: BaseGeometry) -> BaseGeometry:
    if geom.geom_type == "Polygon":
        return MultiPolygon([geom])
    if geom.geom_type == "LineString":
        return MultiLineString([geom])
    return geom


def _text(props: dict[str, Any], key: str, *, required: bool = True, max_len: int = 200) -> str | None:
    value = props.get(key)
    if value is None or value == "":
        if required:
            raise Wrong(N_("missing property '%(key)s'"), key=key)
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise Wrong(N_("property '%(key)s' must be a string"), key=key)
    value = str(value).strip()
    if len(value) > max_len:
        raise Wrong(N_("property '%(key)s' longer than %(max)d characters"), key=key, max=max_len)
    return value


def _required(props: dict[str, Any], key: str, *, max_len: int = 200) -> str:
    value = _text(props, key, max_len=max_len)
    assert value is not None  # _text raises for a missing required property
    return value


def _count(props: dict[str, Any], key: str) -> int | None:
    value = props.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < 0:
        raise Wrong(N_("property '%(key)s' must be a whole number ≥ 0"), key=key)
    return int(value)


Parsed = TypeVar("Parsed", "DivisionRecord", "GridRecord", "EntityRecord")


def _parse(
    data: Any,
    crs: str,
    parse_one: Callable[[int, dict[str, Any], dict[str, Any], str], Parsed],
    key: Callable[[Parsed], str],
    what: str,
) -> list[Parsed]:
    if crs not in CRS_NAMES:
        wrong = Wrong(N_("unknown CRS %(crs)r; expected one of %(known)s"), crs=crs, known=", ".join(CRS_NAMES))
        raise InvalidFeatures([Problem.of(None, wrong)])
    found = _Collector()
    records: list[Parsed] = []
    seen: dict[str, int] = {}
    for i, feature in enumerate(feature_list(data)):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            found.add(i, N_("not a GeoJSON Feature"))
            continue
        props = feature.get("properties")
        if not isinstance(props, dict):
            found.add(i, N_("missing properties"))
            continue
        try:
            record = parse_one(i, feature, props, crs)
        except Wrong as wrong:
            found.add(i, wrong)
            continue
        except ValueError as exc:  # from the libraries: as they put it
            found.add(i, str(exc))
            continue
        k = key(record)
        if k in seen:
            found.add(
                i, Wrong(N_("duplicate %(what)s %(value)r (also feature %(other)d)"), what=what, value=k, other=seen[k])
            )
            continue
        seen[k] = i
        records.append(record)
        if len(found.problems) >= MAX_ERRORS:
            break
    found.raise_if_any()
    return records


def _division(i: int, feature: dict[str, Any], props: dict[str, Any], crs: str) -> DivisionRecord:
    code, name = _required(props, "code", max_len=12), _required(props, "name", max_len=100)
    level = _required(props, "level", max_len=20)
    if level not in LEVELS_TOP_DOWN:
        raise Wrong(N_("level %(level)r must be one of %(known)s"), level=level, known=", ".join(LEVELS_TOP_DOWN))
    if not (code.isdigit() and len(code) == CODE_LENGTH[level]):
        raise Wrong(
            N_("code %(code)r: a %(level)s code has %(digits)d digits"),
            code=code,
            level=level,
            digits=CODE_LENGTH[level],
        )
    parent = _text(props, "parent_code", required=level != "city", max_len=12)
    if parent is not None:
        if not parent.isdigit():
            raise Wrong(N_("parent_code %(parent)r must be digits"), parent=parent)
        expected_prefix = parent[:4] if level == "county" else parent
        if not code.startswith(expected_prefix):
            raise Wrong(N_("code %(code)s does not lie under parent_code %(parent)s"), code=code, parent=parent)
    geom = _geometry(feature, POLYGONAL, crs)
    return DivisionRecord(i, code, name, level, parent, _as_multi(geom))


def _grid(i: int, feature: dict[str, Any], props: dict[str, Any], crs: str) -> GridRecord:
    code, name = _required(props, "code", max_len=15), _required(props, "name", max_len=100)
    if not re.fullmatch(r"\d{15}", code):
        raise Wrong(N_("grid code %(code)r must be 15 digits (community code + 3-digit serial)"), code=code)
    kind = _text(props, "kind", required=False, max_len=20) or "basic"
    if kind not in GRID_KINDS:
        raise Wrong(N_("kind %(kind)r must be one of %(known)s"), kind=kind, known=", ".join(GRID_KINDS))
    worker = props.get("worker")
    if worker is not None:
        if isinstance(worker, str) and worker.strip():
            worker = {"staff_no": worker.strip()}
        elif isinstance(worker, dict):
            staff = _required(worker, "staff_no", max_len=32)
            worker = {
                "staff_no": staff,
                "name": _text(worker, "name", required=False, max_len=50),
                "phone": _text(worker, "phone", required=False, max_len=20),
            }
        else:
            raise Wrong(N_("worker must be a staff number or {staff_no, name, phone}"))
    geom = _geometry(feature, POLYGONAL, crs)
    return GridRecord(i, code, name, kind, worker, _as_multi(geom))


def _entity(i: int, feature: dict[str, Any], props: dict[str, Any], crs: str) -> EntityRecord:
    kind = _required(props, "kind", max_len=20)
    if kind not in ENTITY_KINDS:
        raise Wrong(N_("kind %(kind)r must be one of %(known)s"), kind=kind, known=", ".join(ENTITY_KINDS))
    geom = _geometry(feature, ENTITY_KINDS[kind], crs)
    if kind == "road":
        geom = _as_multi(geom)
    return EntityRecord(
        i,
        kind,
        _required(props, "ref", max_len=64),
        _required(props, "name"),
        geom,
        address=_text(props, "address", required=False, max_len=300),
        households=_count(props, "households"),
        residents=_count(props, "residents"),
    )


def parse_divisions(data: Any, crs: str = "wgs84") -> list[DivisionRecord]:
    return _parse(data, crs, _division, lambda r: r.code, "code")


def parse_grids(data: Any, crs: str = "wgs84") -> list[GridRecord]:
    return _parse(data, crs, _grid, lambda r: r.code, "code")


def parse_entities(data: Any, crs: str = "wgs84") -> list[EntityRecord]:
    return _parse(data, crs, _entity, lambda r: r.ref, "ref")
