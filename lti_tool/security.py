"""Content-Security-Policy for pages that live in an LMS frame."""

from __future__ import annotations

from .registry import frame_ancestors_all


def all_frame_ancestors() -> list[str]:
    """Origins of every active registered platform: asked on every framed page without a
    launch, so kept per worker with the registrations (invalidated when one changes)."""
    return frame_ancestors_all()


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
