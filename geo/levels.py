"""The four levels of divisions, named once in each order (never a bare `LEVELS`: the two orders
are both natural, and confusing them is silent)."""

from __future__ import annotations

# The hierarchy: each division lies under one of the level before it.
LEVELS_TOP_DOWN: tuple[str, ...] = ("city", "county", "street", "community")
# Escalation: a case starts at the community and goes up one level at a time.
LEVELS_BOTTOM_UP: tuple[str, ...] = LEVELS_TOP_DOWN[::-1]
