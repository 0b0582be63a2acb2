"""Map views (pure): the box, the detail a zoom can show, shapes made small enough for it."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import Polygon, box

from geo.mapview import BBox, coordinate_digits, degrees_per_pixel, simplified


def test_a_box_is_read_as_west_south_east_north_and_clamped_to_the_world():
    assert BBox.parse("114.9,35.7,115.3,35.9") == BBox(114.9, 35.7, 115.3, 35.9)
    assert BBox.parse("-200,-95,200,95") == BBox(-180, -90, 180, 90)  # a map zoomed far out


@pytest.mark.parametrize("text", ["", "1,2,3", "a,b,c,d", "1,2,3,4,5", "115,35,114,36", "115,36,115.1,35", "nan,1,2,3"])
def test_a_box_that_is_not_one_says_why(text):
    with pytest.raises(ValueError):
        BBox.parse(text)


def test_the_detail_follows_the_zoom():
    assert degrees_per_pixel(0) == 360 / 256 and degrees_per_pixel(10) == 360 / 256 / 1024
    assert coordinate_digits(5) < coordinate_digits(12) < coordinate_digits(18) <= 7


def test_simplified_neighbours_keep_their_shared_edge():
    """Two cells sharing a wiggly edge: simplified as a coverage, the edge is simplified once and
    both keep it, so no gap or overlap opens between them."""
    wiggle = [(0.5 + 0.0004 * (i % 2), i / 100) for i in range(101)]
    left = Polygon([(0, 0), *wiggle, (0, 1)])
    right = Polygon([(1, 0), (1, 1), *reversed(wiggle)])
    assert left.union(right).area == pytest.approx(1.0)
    a, b = simplified([left, right], zoom=8, coverage=True)
    assert len(a.exterior.coords) < len(left.exterior.coords)  # the wiggles a pixel cannot show are gone
    assert a.intersection(b).area == pytest.approx(0, abs=1e-9)
    assert a.union(b).area == pytest.approx(1.0, rel=1e-6)


def test_coordinates_are_rounded_to_a_tenth_of_a_pixel():
    (shape,) = simplified([box(115.123456789, 35.1, 115.2, 35.2)], zoom=12)
    digits = coordinate_digits(12)
    assert all(round(x, digits) == x for x, _ in shape.exterior.coords)
    assert shapely.equals_exact(shape, box(115.123456789, 35.1, 115.2, 35.2), tolerance=degrees_per_pixel(12))
