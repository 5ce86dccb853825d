"""Which time zone a launch's pages show times in: an interface the page session owns.

Each platform registration may name an IANA zone (`lti_tool.models.Platform.time_zone`). That
app sits above this one, so it registers its lookup here when it starts
(`LtiToolConfig.ready`), as it does for framing origins (frames.py); the page session never
imports it. The lookup answers from the registrations each worker already keeps for the
frame-ancestors header, so choosing a zone costs no query. Until something registers, and for
a platform without a zone, pages use the server's TIME_ZONE.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

logger = logging.getLogger("ignite.lti")


def _none_for(_platform_id: int) -> str:
    return ""


_sources: dict[str, Callable[[int], str]] = {"for": _none_for}


def time_zone_source_register(*, for_platform: Callable[[int], str]) -> None:
    """Set the lookup: the IANA zone name of one platform (by id), "" for the server's."""
    _sources["for"] = for_platform


def time_zone_for(platform_id: int) -> ZoneInfo | None:
    """The zone a launch from this platform reads times in; None means the server's."""
    name = _sources["for"](platform_id)
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # Saved before validation existed, or the zone left the system's tz database: show
        # the server's zone (labelled) rather than fail the page.
        logger.warning("platform %s names an unknown time zone; using the server's", platform_id)
        return None
