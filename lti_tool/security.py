"""Content-Security-Policy for pages that live in an LMS frame."""

from __future__ import annotations

from django.core.cache import cache

FRAME_ANCESTORS_CACHE_KEY = "lti:frame-ancestors:v1"
FRAME_ANCESTORS_TTL = 300


def forget_frame_ancestors() -> None:
    cache.delete(FRAME_ANCESTORS_CACHE_KEY)


def all_frame_ancestors() -> list[str]:
    """Origins of every active registered platform, cached: asked on every framed page."""
    origins = cache.get(FRAME_ANCESTORS_CACHE_KEY)
    if origins is None:
        from .models import Platform

        origins = []
        for platform in Platform.objects.filter(is_active=True):
            origins += platform.frame_ancestor_origins()
        origins = list(dict.fromkeys(origins))
        cache.set(FRAME_ANCESTORS_CACHE_KEY, origins, FRAME_ANCESTORS_TTL)
    return origins


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
