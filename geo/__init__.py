"""Pure spatial model for GridFlow: Shapely 2 and numpy, no Flask and no database.

- `crs`: WGS-84 / GCJ-02 / BD-09 conversion and metric (metre) measures.
- `assign`: bulk assignment of points, polygons and roads to grids (`GridIndex`).
- `coverage`: does a set of children tile their parent?  Gaps, overlaps, parts outside.
- `features`: parsing and validation of GeoJSON FeatureCollections for imports.
- `demo`: generation of the demo city.
"""
