"""Places: divisions, grids, workers and entities; imports, assignment to grids, look-ups, coverage.

Spatial use cases take a session, so that a caller can compose several of them into one
all-or-nothing unit (the demo imports divisions, grids and entities in one transaction).
"""
