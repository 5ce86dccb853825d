"""The progress table's cells, made once in Python rather than by the template engine.

A cohort of 30 teachers with 12 modules placed has 360 cells, each with a link, a state, a
score and a lesson count, and a few more per row (the apps' columns, the last activity): rendered by Django's template engine they were about half of the
dashboard's CPU (bench/program_view.py, cProfile), and `format_html` per cell still a sixth.
The markup is the one the template had, byte for byte; every value that is not a number is
escaped with `html.escape` (what Django's `escape` does), the link carries the launch token
as `{% lurl %}` makes it.
"""

from __future__ import annotations

from html import escape

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from courses.templatetags.ignite_text import when
from pagesession.templatetags.launch_urls import lurl

from .queries import STATE_LABELS, Row

_CELL = (
    '<td class="state-{state}" data-testid="progress-cell" data-state="{state}">'
    '<a href="{href}" data-testid="progress-cell-link">{label}<span class="visually-hidden">'
    ": {name}'s attempts and responses</span></a>{score}<br>"
    '<span class="meta">{done}/{total} lessons{behind}</span></td>'
)
_OVERRIDDEN = ' <span class="meta" data-testid="cell-overridden">(set by a trainer)</span>'
_BEHIND = " · <strong>behind</strong>"
_STATES = {state: (escape(state), escape(label)) for state, label in STATE_LABELS.items()}


def row_cells_html(row: Row, *, launch) -> SafeString:
    """The row's cells after its heading: one per placed module, one per column the apps
    above add (`row.extra`), and the last activity."""
    name = escape(row.participant.display_name)
    context = {"launch": launch}
    parts = []
    for cell in row.cells:
        state, label = _STATES[cell.state]
        score = ""
        if cell.score:
            score = f" · {escape(str(cell.score))}%{_OVERRIDDEN if cell.overridden else ''}"
        href = lurl(context, "mastery:trainer-teacher", cell.placement_id, cell.participant_id)
        parts.append(
            _CELL.format(
                state=state,
                href=escape(href),
                label=label,
                name=name,
                score=score,
                done=int(cell.lessons_done),
                total=int(cell.lessons_total),
                behind=_BEHIND if cell.behind else "",
            )
        )
    for key, value in row.extra:
        parts.append(f'<td data-testid="{escape(key)}">{conditional_escape(value)}</td>')
    parts.append(f"<td>{when(row.last_activity) or 'never'}</td>")
    return mark_safe("".join(parts))  # noqa: S308 (every value above escaped or a number)
