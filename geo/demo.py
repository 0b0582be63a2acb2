"""The demo city: real city and county boundaries, everything below generated.

Streets tile their county, communities (1,000–3,000 households) tile their street, grids
(300–400 households, plus dedicated grids around one institution) tile their community — each level
a Voronoi tessellation of its parent, clipped to it, so coverage holds by construction.  Residences,
shops along generated roads, stationed units and roads are placed inside.  Deterministic for a seed.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box, mapping
from shapely.geometry.base import BaseGeometry

SCALES = {
    # households in the whole city; households per residence record
    "full": {"households": 1_250_000, "per_building": (24, 60)},
    "small": {"households": 95_000, "per_building": (80, 160), "one_community": True, "shop_spacing_m": 600},
}
STREET_WEIGHT = {"jiedao": 2.0, "town": 1.0, "township": 0.8}
GRID_HOUSEHOLDS = 300  # basic grids hold 300 to 400 households (n = households // 300)
M_PER_DEG_LAT = 111_320.0

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红春梅海燕凤俊晓东文斌波辉鹏飞雪琳"
COMMUNITY_WORDS = [
    "幸福",
    "和平",
    "建设",
    "光明",
    "东风",
    "新华",
    "人民",
    "胜利",
    "文化",
    "朝阳",
    "团结",
    "振兴",
    "长安",
    "锦绣",
    "花园",
    "兴华",
    "阳光",
    "绿城",
    "金堤",
    "濮水",
    "龙都",
    "昆吾",
    "帝丘",
    "开州",
    "油田",
    "中原",
    "石化",
    "绿洲",
    "湖滨",
    "杏林",
    "春晓",
    "安居",
    "颐和",
    "育才",
    "工农",
    "铁丘",
]
VILLAGE_SUFFIX = "庄寨楼屯营集店园湾口"
ROAD_WORDS = [
    "中原",
    "胜利",
    "建设",
    "人民",
    "大庆",
    "黄河",
    "任丘",
    "长庆",
    "京开",
    "开州",
    "濮上",
    "振兴",
    "历山",
    "昆吾",
    "龙乡",
    "绿城",
    "文化",
    "安康",
    "华龙",
    "卫河",
    "金堤",
    "马颊",
    "S101",
    "G106",
]
ROAD_KINDS = ["路", "大道", "街"]
INSTITUTIONS = [("school", "学校"), ("hospital", "医院"), ("park", "公园"), ("agency", "机关"), ("enterprise", "企业")]
SHOP_KINDS = ["超市", "餐馆", "药店", "理发店", "五金店", "便利店", "早餐店", "手机店", "服装店", "粮油店"]
UNIT_KINDS = ["派出所", "银行网点", "邮政所", "卫生室", "物流公司", "加油站"]


@dataclass
class DemoCity:
    divisions: list[dict[str, Any]] = field(default_factory=list)
    grids: list[dict[str, Any]] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    households: int = 0
    residents: int = 0

    def collection(self, what: str) -> dict[str, Any]:
        return {"type": "FeatureCollection", "features": getattr(self, what)}


def _feature(geom: BaseGeometry, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def _metres_to_deg(lat: float) -> tuple[float, float]:
    """Degrees of (lon, lat) per metre near latitude `lat`."""
    return 1 / (M_PER_DEG_LAT * math.cos(math.radians(lat))), 1 / M_PER_DEG_LAT


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    parts = [g for g in shapely.get_parts(shapely.get_parts(geom)) if g.geom_type == "Polygon" and g.area > 0]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else shapely.multipolygons(parts)


def random_points_in(poly: BaseGeometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """n uniformly random (x, y) rows inside `poly` (rejection sampling on its bounding box)."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        x = rng.uniform(minx, maxx, 4 * n + 16)
        y = rng.uniform(miny, maxy, 4 * n + 16)
        keep = shapely.contains_xy(poly, x, y)
        found.append(np.column_stack([x[keep], y[keep]]))
        total += int(keep.sum())
    return np.concatenate(found)[:n]


def tessellate(poly: BaseGeometry, n: int, rng: np.random.Generator, relax: int = 2) -> list[BaseGeometry]:
    """Split `poly` into n cells that tile it (Voronoi of random seeds, Lloyd-relaxed, clipped)."""
    if n <= 1:
        return [poly]
    seeds = random_points_in(poly, n, rng)
    for step in range(relax + 1):
        cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=poly, ordered=True)
        clipped = [_polygonal(c) for c in shapely.intersection(np.asarray(shapely.get_parts(cells)), poly)]
        if step == relax:
            return [c for c in clipped if not c.is_empty]
        moved = []
        for c, s in zip(clipped, seeds):
            p = shapely.centroid(c) if not c.is_empty else Point(s)
            if not shapely.contains_xy(poly, p.x, p.y):
                p = c.point_on_surface() if not c.is_empty else Point(s)
            moved.append((p.x, p.y))
        seeds = np.asarray(moved)
    return []  # unreachable


def number_west_east_north_south(cells: Sequence[BaseGeometry], rows: int) -> list[int]:
    """Order for serial numbers: rows from north to south, west to east within a row."""
    cy = np.array([c.centroid.y for c in cells])
    cx = np.array([c.centroid.x for c in cells])
    lo, hi = cy.min(), cy.max()
    band = (hi - lo) / max(rows, 1) or 1.0
    row = np.minimum(((hi - cy) / band).astype(int), rows - 1)
    return sorted(range(len(cells)), key=lambda i: (row[i], cx[i]))


def _split(total: int, n: int, rng: np.random.Generator) -> list[int]:
    """Split `total` into n near-equal positive integers."""
    base = [total // n] * n
    for i in rng.choice(n, total - sum(base), replace=False) if n else []:
        base[i] += 1
    return base


class _Names:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng

    def person(self) -> str:
        r = self.rng
        given = "".join(r.choice(list(GIVEN), r.integers(1, 3)))
        return str(r.choice(list(SURNAMES))) + given

    def phone(self) -> str:
        return (
            "1"
            + str(self.rng.choice(["35", "37", "38", "39", "58", "87"]))
            + "".join(map(str, self.rng.integers(0, 10, 8)))
        )

    def community(self, rural: bool, serial: int) -> str:
        r = self.rng
        if rural:
            return str(r.choice(list(SURNAMES))) + str(r.choice(list(VILLAGE_SUFFIX))) + "村"
        return str(r.choice(COMMUNITY_WORDS)) + ("社区" if serial % 3 else "里社区")

    def road(self) -> str:
        return str(self.rng.choice(ROAD_WORDS)) + str(self.rng.choice(ROAD_KINDS))


def _rect(x: float, y: float, w_m: float, h_m: float) -> Polygon:
    dx, dy = _metres_to_deg(y)
    return box(x - w_m / 2 * dx, y - h_m / 2 * dy, x + w_m / 2 * dx, y + h_m / 2 * dy)


def _street_kind(code: str) -> str:
    serial = int(code[6:9])
    return "jiedao" if serial < 100 else "town" if serial < 200 else "township"


@dataclass
class _Context:
    city: DemoCity
    rng: np.random.Generator
    names: _Names
    params: dict[str, Any]
    worker_no: int = 0
    entity_no: int = 0

    def next_worker(self) -> dict[str, Any]:
        self.worker_no += 1
        return {"staff_no": f"PY{self.worker_no:06d}", "name": self.names.person(), "phone": self.names.phone()}

    def next_ref(self, prefix: str) -> str:
        self.entity_no += 1
        return f"{prefix}{self.entity_no:07d}"


def generate(
    city: tuple[str, str, BaseGeometry],
    counties: Sequence[tuple[str, str, BaseGeometry]],
    streets: Sequence[tuple[str, str, str]],
    scale: str = "small",
    seed: int = 2026,
) -> DemoCity:
    """city/counties: (code, name, WGS-84 geometry); streets: (code, name, county_code)."""
    params = SCALES[scale]
    rng = np.random.default_rng(seed)
    ctx = _Context(DemoCity(), rng, _Names(rng), params)
    city_code, city_name, city_geom = city
    ctx.city.divisions.append(_feature(city_geom, code=city_code, name=city_name, level="city", parent_code=None))
    county_geoms = {code: geom for code, _, geom in counties}
    for code, name, geom in counties:
        ctx.city.divisions.append(_feature(geom, code=code, name=name, level="county", parent_code=city_code))
    streets = [s for s in streets if s[2] in county_geoms]
    weights = np.array([STREET_WEIGHT[_street_kind(s[0])] for s in streets])
    street_households = np.maximum(1000, (weights / weights.sum() * params["households"]).astype(int))
    for county_code, county_geom in county_geoms.items():
        mine = [i for i, s in enumerate(streets) if s[2] == county_code]
        cells = tessellate(county_geom, len(mine), rng)
        # The largest cells go to the townships, the smallest to the urban streets.
        by_area = sorted(range(len(cells)), key=lambda k: cells[k].area)
        by_kind = sorted(mine, key=lambda i: STREET_WEIGHT[_street_kind(streets[i][0])], reverse=True)
        for cell_i, street_i in zip(by_area, by_kind):
            code, name, _ = streets[street_i]
            _street(ctx, code, name, county_code, cells[cell_i], int(street_households[street_i]))
    return ctx.city


def _street(ctx: _Context, code: str, name: str, county_code: str, geom: BaseGeometry, households: int) -> None:
    ctx.city.divisions.append(_feature(geom, code=code, name=name, level="street", parent_code=county_code))
    rural = _street_kind(code) != "jiedao"
    n = 1 if ctx.params.get("one_community") else max(1, households // 2000)
    sizes = [min(3000, max(1000, h)) for h in _split(households, n, ctx.rng)]
    cells = tessellate(geom, n, ctx.rng)
    order = number_west_east_north_south(cells, max(1, round(math.sqrt(n))))
    for serial, i in enumerate(order, start=1):
        community_code = f"{code}{(200 + serial) if rural else serial:03d}"
        cname = ctx.names.community(rural, serial)
        ctx.city.divisions.append(
            _feature(cells[i], code=community_code, name=cname, level="community", parent_code=code)
        )
        _community(ctx, community_code, cname, cells[i], sizes[i])
    _roads_and_shops(ctx, code, geom)


def _institution(ctx: _Context, geom: BaseGeometry) -> tuple[BaseGeometry, str, str] | None:
    """A dedicated grid's institution: a block well inside the community, or None if none fits."""
    inner = geom.buffer(-0.002)
    if inner.is_empty:
        return None
    for _ in range(20):
        x, y = random_points_in(inner, 1, ctx.rng)[0]
        w, h = ctx.rng.uniform(150, 300), ctx.rng.uniform(120, 250)
        rect = _rect(x, y, w, h)
        if inner.contains(rect):
            kind, label = INSTITUTIONS[int(ctx.rng.integers(len(INSTITUTIONS)))]
            return rect, kind, label
    return None


def _community(ctx: _Context, code: str, name: str, geom: BaseGeometry, households: int) -> None:
    rng, city = ctx.rng, ctx.city
    institution = _institution(ctx, geom) if rng.random() < 0.75 else None
    basic_area = _polygonal(geom.difference(institution[0])) if institution else geom
    n = max(1, households // GRID_HOUSEHOLDS)
    cells = tessellate(basic_area, n, rng)
    order = number_west_east_north_south(cells, max(1, round(math.sqrt(n))))
    grid_households = _split(households, len(cells), rng)
    first_worker = None
    serial = 0
    for serial, i in enumerate(order, start=1):
        worker = ctx.next_worker()
        first_worker = first_worker or worker
        grid_code = f"{code}{serial:03d}"
        city.grids.append(_feature(cells[i], code=grid_code, name=f"{name}第{serial}网格", kind="basic", worker=worker))
        _residences(ctx, grid_code, cells[i], grid_households[i], name)
    if institution:
        rect, kind, label = institution
        grid_code = f"{code}{serial + 1:03d}"
        unit_name = f"{name}{label}"
        # One worker for two grids: the dedicated grid goes to the first basic grid's worker.
        city.grids.append(
            _feature(rect, code=grid_code, name=f"{unit_name}专属网格", kind="dedicated", worker=first_worker)
        )
        inset = _metres_to_deg(rect.centroid.y)[1] * 5
        city.entities.append(
            _feature(
                rect.buffer(-inset, join_style="mitre"),
                kind="unit",
                ref=ctx.next_ref("U"),
                name=unit_name,
                address=f"{name}{kind}",
            )
        )
    city.households += households


def _residences(ctx: _Context, grid_code: str, geom: BaseGeometry, households: int, community: str) -> None:
    rng = ctx.rng
    lo, hi = ctx.params["per_building"]
    n = max(1, households // int(rng.integers(lo, hi + 1)))
    points = random_points_in(geom, n + 1, rng)
    for k, hh in enumerate(_split(households, n, rng)):
        x, y = points[k]
        residents = int(round(hh * rng.uniform(2.3, 3.1)))
        ctx.city.residents += residents
        shape = _rect(x, y, rng.uniform(30, 60), rng.uniform(12, 20)) if rng.random() < 0.2 else Point(x, y)
        ctx.city.entities.append(
            _feature(
                shape,
                kind="residence",
                ref=ctx.next_ref("H"),
                name=f"{community}{k + 1}号楼",
                address=f"{community}{k + 1}号楼",
                households=hh,
                residents=residents,
            )
        )
    if rng.random() < 0.3:  # a stationed unit in some basic grids
        x, y = points[n]
        label = str(rng.choice(UNIT_KINDS))
        ctx.city.entities.append(
            _feature(
                _rect(x, y, rng.uniform(40, 90), rng.uniform(30, 70)),
                kind="unit",
                ref=ctx.next_ref("U"),
                name=f"{community}{label}",
                address=community,
            )
        )


def _roads_and_shops(ctx: _Context, street_code: str, geom: BaseGeometry) -> None:
    rng = ctx.rng
    minx, miny, maxx, maxy = geom.bounds
    span = max(maxx - minx, maxy - miny) * 2
    shapely.prepare(geom)
    for k in range(3 if ctx.params.get("one_community") else 6):
        x, y = random_points_in(geom, 1, rng)[0]
        angle = (0 if k % 2 == 0 else math.pi / 2) + rng.uniform(-0.3, 0.3)
        dx, dy = math.cos(angle) * span, math.sin(angle) * span
        line = LineString([(x - dx, y - dy), (x + dx, y + dy)]).intersection(geom)
        parts = [p for p in shapely.get_parts(line) if p.geom_type == "LineString"]
        if not parts:
            continue
        road = max(parts, key=lambda p: p.length)
        road_name = ctx.names.road()
        ctx.city.entities.append(
            _feature(road, kind="road", ref=f"R{street_code}{k:02d}", name=road_name, address=road_name)
        )
        _shops(ctx, road, road_name, geom)


def _shops(ctx: _Context, road: LineString, road_name: str, street: BaseGeometry) -> None:
    rng = ctx.rng
    dx, dy = _metres_to_deg(road.centroid.y)
    length_m = road.length / dy
    count = max(1, int(length_m / ctx.params.get("shop_spacing_m", 150)))
    coords = np.asarray(road.coords)
    direction = coords[-1] - coords[0]
    normal = np.array([-direction[1], direction[0]]) / (np.hypot(*direction) or 1)
    for t in rng.uniform(0, 1, count):
        p = road.interpolate(t, normalized=True)
        side = rng.choice([-1, 1]) * rng.uniform(12, 25)
        x, y = p.x + normal[0] * side * dx, p.y + normal[1] * side * dy
        if not shapely.contains_xy(street, x, y):
            continue
        number = int(rng.integers(1, 999))
        ctx.city.entities.append(
            _feature(
                Point(x, y),
                kind="shop",
                ref=ctx.next_ref("S"),
                name=f"{road_name}{number}号{rng.choice(SHOP_KINDS)}",
                address=f"{road_name}{number}号",
            )
        )
