"""The LMS origins that may frame tool pages, from the registrations (the policy itself is
pagesession/frames.py, which these lookups are registered with in `LtiToolConfig.ready`)."""

from __future__ import annotations

from pagesession.frames import content_security_policy  # noqa: F401 - one import path for callers

from .registry import frame_ancestors_all, platform_get


def all_frame_ancestors() -> list[str]:
    """Origins of every active registered platform: asked on every framed page without a
    launch, so kept per worker with the registrations (invalidated when one changes)."""
    return frame_ancestors_all()


def platform_frame_ancestors(platform_id: int) -> list[str]:
    # Kept per worker, dropped when any registration changes (lti_tool/registry.py).
    platform = platform_get(platform_id)
    return platform.frame_ancestor_origins() if platform else []
