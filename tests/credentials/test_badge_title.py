"""The badge image shows its whole title, wrapped and shrunk to fit inside the ring."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from credentials.views import achievement_svg, badge_title_lines

TITLES = [
    "Blended Learning Practitioner",
    "CS Integration Specialist",
    "Teacher Leadership: Coaching, Feedback and Professional Learning Communities",
    "Supercalifragilisticexpialidociousnessmanship",
    "Short",
]


def shown_text(svg: str) -> str:
    return " ".join(re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg))


@pytest.mark.parametrize("title", TITLES)
def test_the_whole_title_is_in_the_image(title):
    svg = achievement_svg(SimpleNamespace(name=title))
    # Long words may be split across lines; every character is shown, none cut.
    assert shown_text(svg).replace(" ", "") == title.replace(" ", "")
    assert f'aria-label="{title}"' in svg or "&" in title


def test_an_absurdly_long_title_still_fits_and_ends_with_an_ellipsis():
    size, lines = badge_title_lines("word " * 60)
    assert size >= 6 and len(lines) <= 4 and lines[-1].endswith("\u2026")


def test_markup_in_a_title_is_escaped():
    svg = achievement_svg(SimpleNamespace(name='<script>x</script> & "q"'))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
