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


def platform_time_zone(platform_id: int) -> str:
    """The IANA zone a platform's pages show times in ("" for the server's TIME_ZONE), from
    the same per-worker copy as its framing origins: the page's CSP reads that row anyway."""
    platform = platform_get(platform_id)
    return platform.time_zone if platform else ""
