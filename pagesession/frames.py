"""Which sites may frame a tool page: an interface the page session owns, filled in above it.

A page's Content-Security-Policy names the LMS origins allowed to frame it. Those origins come
from platform registrations, which live in `lti_tool`, above this app; `lti_tool` registers its
lookups here when it starts (`LtiToolConfig.ready`), so the page session never imports it.
Until something registers, no other site may frame a page ("'self'" only).
"""

from __future__ import annotations

from collections.abc import Callable


def _none_for(_platform_id: int) -> list[str]:
    return []


def _none() -> list[str]:
    return []


_sources: dict[str, Callable] = {"for": _none_for, "all": _none}


def frame_sources_register(
    *, for_platform: Callable[[int], list[str]], all_platforms: Callable[[], list[str]]
) -> None:
    """Set the lookups: origins of one platform (by id) and of every active platform."""
    _sources["for"] = for_platform
    _sources["all"] = all_platforms


def frame_ancestors_for(platform_id: int) -> list[str]:
    return _sources["for"](platform_id)


def frame_ancestors_all() -> list[str]:
    return _sources["all"]()


def content_security_policy(frame_ancestors: list[str] | None) -> str:
    """A strict CSP. `None` means the page may not be framed at all."""
    ancestors = "'none'" if frame_ancestors is None else " ".join(["'self'", *frame_ancestors])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "frame-src 'self' https://www.youtube-nocookie.com https://player.vimeo.com",
            "object-src 'none'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )
