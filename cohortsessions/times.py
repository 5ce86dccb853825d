"""How a session's time reads on pages, in emails, calendar files and credentials."""

from __future__ import annotations

from .models import CohortSession


def when_local(session: CohortSession) -> str:
    """ "Thu Dec 10, 2026, 16:00–17:30 (America/Chicago, CST)": in the session's own zone."""
    start, end = session.local_start, session.local_end
    day = f"{start:%a} {start:%b} {start.day}, {start.year}"
    end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%b} {end.day}, {end:%H:%M}"
    return f"{day}, {start:%H:%M}–{end_text} ({session.time_zone}, {start:%Z})"
