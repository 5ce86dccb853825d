"""The badge's title, measured by a browser, lies inside the badge's inner ring."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from credentials.views import achievement_svg
from tests.credentials.test_badge_title import TITLES


@pytest.mark.parametrize("title", TITLES)
def test_the_title_lies_inside_the_ring_in_a_browser(page, title):
    page.set_content(
        f'<div style="width:200px;height:200px">{achievement_svg(SimpleNamespace(name=title))}</div>'
    )
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('tspan')].map(t => {
            const b = t.getBBox(); return [b.x, b.y, b.width, b.height]; })"""
    )
    assert boxes
    for x, y, w, h in boxes:
        for cx, cy in ((x, y), (x + w, y), (x, y + h), (x + w, y + h)):
            assert ((cx - 100) ** 2 + (cy - 100) ** 2) ** 0.5 <= 84, (title, x, y, w, h)
