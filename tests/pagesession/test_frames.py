"""Framing origins come through the interface the page session owns (pagesession/frames.py);
lti_tool fills it in with the registered platforms' origins."""

from __future__ import annotations

import pytest

from lti_tool.security import all_frame_ancestors, platform_frame_ancestors
from pagesession import frames


def test_lti_tool_registers_its_lookups_at_start():
    assert frames._sources == {"for": platform_frame_ancestors, "all": all_frame_ancestors}


def test_without_a_registered_source_no_other_site_may_frame_a_page(monkeypatch):
    monkeypatch.setattr(frames, "_sources", {"for": frames._none_for, "all": frames._none})
    assert frames.frame_ancestors_for(1) == [] and frames.frame_ancestors_all() == []
    policy = frames.content_security_policy(frames.frame_ancestors_all())
    assert "frame-ancestors 'self'" in policy and policy.endswith("frame-ancestors 'self'")


@pytest.mark.django_db
def test_a_platforms_origins_reach_the_launch_policy(platform):
    origins = frames.frame_ancestors_for(platform.pk)
    assert origins and origins == platform.frame_ancestor_origins()
    assert frames.frame_ancestors_for(platform.pk + 1000) == []
