"""A tiny synthetic city for tests, on dyadic coordinates so edge points are exact in floats.

City 410900 = two counties side by side; each county one street, each street one community.
West community: four square grids (001 NW, 002 NE, 003 SW, 004 SE).
East community: split by its diagonal into two triangles (001 upper-left, 002 lower-right).
"""

from __future__ import annotations

from shapely.geometry import LineString, Point, Polygon, box, mapping

X0, Y0 = 115.0, 35.75
W = 0.125  # county width in degrees (about 11 km); height is W too
CITY = box(X0, Y0, X0 + 2 * W, Y0 + W)
WEST = box(X0, Y0, X0 + W, Y0 + W)
EAST = box(X0 + W, Y0, X0 + 2 * W, Y0 + W)
H = W / 2
WEST_GRIDS = {
    "410902001001001": box(X0, Y0 + H, X0 + H, Y0 + W),
    "410902001001002": box(X0 + H, Y0 + H, X0 + W, Y0 + W),
    "410902001001003": box(X0, Y0, X0 + H, Y0 + H),
    "410902001001004": box(X0 + H, Y0, X0 + W, Y0 + H),
}
EAST_GRIDS = {
    "410922100201001": Polygon([(X0 + W, Y0), (X0 + 2 * W, Y0 + W), (X0 + W, Y0 + W)]),
    "410922100201002": Polygon([(X0 + W, Y0), (X0 + 2 * W, Y0), (X0 + 2 * W, Y0 + W)]),
}
GRIDS = WEST_GRIDS | EAST_GRIDS


def fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def feature(geom, **props) -> dict:
    return {"type": "Feature", "geometry": mapping(geom), "properties": props}


def divisions() -> dict:
    return fc(
        [
            feature(CITY, code="410900", name="濮阳市", level="city", parent_code=None),
            feature(WEST, code="410902", name="华龙区", level="county", parent_code="410900"),
            feature(EAST, code="410922", name="清丰县", level="county", parent_code="410900"),
            feature(WEST, code="410902001", name="中原路街道", level="street", parent_code="410902"),
            feature(EAST, code="410922100", name="城关镇", level="street", parent_code="410922"),
            feature(WEST, code="410902001001", name="幸福社区", level="community", parent_code="410902001"),
            feature(EAST, code="410922100201", name="王庄村", level="community", parent_code="410922100"),
        ]
    )


def grids(geoms: dict | None = None) -> dict:
    geoms = geoms or GRIDS
    return fc(
        [
            feature(
                g,
                code=code,
                name=f"网格{code[-3:]}",
                kind="basic",
                worker={"staff_no": f"W{code[-6:]}", "name": f"网格员{code[-3:]}", "phone": "13800000000"},
            )
            for code, g in geoms.items()
        ]
    )


ROAD = LineString([(X0 + 0.01, Y0 + 0.1), (X0 + 2 * W - 0.01, Y0 + 0.1)])


def entities() -> dict:
    return fc(
        [
            feature(Point(X0 + 0.02, Y0 + 0.1), kind="residence", ref="H1", name="1号楼", households=40, residents=100),
            feature(Point(X0 + 0.1, Y0 + 0.02), kind="shop", ref="S1", name="便利店", address="中原路1号"),
            # A block straddling the vertical edge between grids 003 and 004: 75 % in 004.
            feature(box(X0 + H - 0.001, Y0 + 0.01, X0 + H + 0.003, Y0 + 0.012), kind="unit", ref="U1", name="派出所"),
            feature(ROAD, kind="road", ref="R1", name="中原路"),
            feature(Point(X0 - 0.5, Y0), kind="shop", ref="S-out", name="城外小店"),
        ]
    )
