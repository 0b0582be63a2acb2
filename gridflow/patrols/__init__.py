"""Patrols (巡查): a grid worker's walks through his grids.

- `walks`: start and end a patrol, take its positions and visits in batches (exactly once per batch);
- `log`: a worker's day (distance, duration, grids covered, cases reported), for himself and for the
  supervisors and mediators of his area.

Nothing is kept outside a patrol: positions are taken only for a patrol of the sender's own, and only
those whose time lies between its start and its end.
"""
