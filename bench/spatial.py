"""Figures for the spatial model (issue 2).  Run: .venv/bin/python -m bench.spatial [--points N]

1. Bulk assignment of ≥ 1 M points to ≥ 4 k grids: geo.GridIndex against the fastest raw Shapely
   STRtree query on the same arrays, in the same run.
2. A single `locate` through the database (full city loaded): median and p95 ms, SpatiaLite and PostGIS.
3. Coverage validation: one community with its grids, and all 4 k+ grids of the city at once.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import shapely
from shapely import STRtree

from bench.common import add_backend_options, backends, demo_city, disposing, percentiles
from geo.assign import GridIndex
from geo.demo import generate, random_points_in
from gridflow.db import get_db
from gridflow.demo import puyang
from gridflow.places import lookup as places


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def bench_bulk(n_points: int, scale: str = "full") -> None:
    city, counties, streets = puyang()
    demo = generate(city, counties, streets, scale=scale)
    codes = [g["properties"]["code"] for g in demo.grids]
    polys = [shapely.geometry.shape(g["geometry"]) for g in demo.grids]
    index = GridIndex(codes, polys)
    rng = np.random.default_rng(1)
    xy = random_points_in(city[2], n_points, rng)
    x, y = xy[:, 0].copy(), xy[:, 1].copy()
    print(f"bulk assignment: {n_points:,} points, {len(polys):,} grids")

    poly_arr = index.geoms
    poly_tree = STRtree(poly_arr)

    def raw_poly_tree_intersects():
        poly_tree.query(shapely.points(x, y), predicate="intersects")

    def raw_point_tree_covers():
        STRtree(shapely.points(x, y)).query(poly_arr, predicate="covers")

    def raw_point_tree_contains():
        STRtree(shapely.points(x, y)).query(poly_arr, predicate="contains")

    raws = {
        "STRtree(grids).query(points, intersects)": best_of(raw_poly_tree_intersects),
        "STRtree(points).query(grids, covers)": best_of(raw_point_tree_covers),
        "STRtree(points).query(grids, contains)": best_of(raw_point_tree_contains),
    }
    ours = best_of(lambda: index.assign_xy(x, y))
    for name, t in raws.items():
        print(f"  raw {name:<42} {n_points / t / 1e6:6.2f} M points/s")
    fastest = min(raws.values())
    print(f"  geo.GridIndex.assign_xy (with tie-break)        {n_points / ours / 1e6:6.2f} M points/s")
    print(f"  ratio to the fastest raw query: {fastest / ours:.2f}  (goal ≥ 0.8)")
    assigned = index.assign_xy(x, y)
    print(
        f"  assigned {np.count_nonzero(assigned >= 0):,} of {n_points:,} (the rest fall in slivers outside every grid: "
        f"{np.count_nonzero(assigned < 0)})"
    )


def bench_locate(name: str, url: str, n: int = 2000, scale: str = "full") -> None:
    with disposing(demo_city(url, scale=scale)) as app:
        measure_locate(name, app, n)


def measure_locate(name: str, app, n: int) -> None:
    """`locate` at n random points of the city, and coverage of a community and of the whole city."""
    db = get_db(app)
    rng = np.random.default_rng(2)
    city, _, _ = puyang()
    pts = random_points_in(city[2], n, rng)
    samples, found_grid = [], 0
    with db.lookup() as conn:
        for lon, lat in pts[:50]:  # warm caches
            places.locate(conn, float(lon), float(lat))
        for lon, lat in pts:
            started = time.perf_counter()
            found = places.locate(conn, float(lon), float(lat))
            samples.append((time.perf_counter() - started) * 1000)
            found_grid += found.grid is not None
    median, p95 = percentiles(samples)
    print(
        f"locate on {name}: {n} points ({found_grid} in a grid), median {median:.2f} ms, p95 {p95:.2f} ms  "
        f"(goal median ≤ 5 ms)"
    )
    started = time.perf_counter()
    with db.session() as s:
        community = places.coverage(s, "410902001001")
    t_comm = time.perf_counter() - started
    started = time.perf_counter()
    with db.session() as s:
        whole = places.coverage(s, "410900", children="grids")
    t_city = time.perf_counter() - started
    print(
        f"coverage on {name}: community 410902001001 ({community.children} grids) {t_comm:.2f} s, valid={community.valid}; "
        f"whole city ({whole.children} grids) {t_city:.2f} s, valid={whole.valid}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--points", type=int, default=1_000_000)
    add_backend_options(parser)
    parser.add_argument("--smoke", action="store_true", help="every step at toy size, on its own databases")
    args = parser.parse_args()
    scale, n, names = (
        ("small", 100, ("smoke.db", "gridflow_bench_smoke"))
        if args.smoke
        else ("full", 2000, ("full.db", "gridflow_bench"))
    )
    bench_bulk(min(args.points, 20_000) if args.smoke else args.points, scale)
    for name, url in backends(args, *names):
        bench_locate(name, url, n, scale)


if __name__ == "__main__":
    main()
