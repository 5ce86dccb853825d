"""`{{ text|markdown }}` and `{{ text|markdown_inline }}`: authored text (prompts, choices,
explanations) rendered as Markdown through the lessons' sanitizer.

Question text is written in YAML blocks wrapped at about 95 columns; `linebreaksbr` kept those
wraps and broke sentences in the middle. Markdown joins a paragraph's lines and turns blank
lines into paragraphs, and `*word*` becomes emphasis instead of showing its asterisks.
"""

import re
from functools import lru_cache

from django import template
from django.utils import dateformat, timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from courses.content import inline_html, lesson_html

register = template.Library()


# Questions, choices and feedback are rendered on every question and result page, from
# content that is the same for everyone: rendering and sanitizing them again each time was an
# eighth of a mastery check's CPU (bench/launch.py, py-spy). Both are pure functions of the
# text, so each process keeps the results for short texts (at most ~8 MB in all, text and
# HTML; a question's prompt or a choice is a few hundred bytes).
_KEPT_TEXT = 1000


@lru_cache(maxsize=512)
def _markdown_kept(text: str) -> str:
    return table_regions(lesson_html(text))


@lru_cache(maxsize=2048)
def _markdown_inline_kept(text: str) -> str:
    return mark_safe(inline_html(text))  # noqa: S308 (nh3 removed everything unsafe)


@register.filter
def markdown(text) -> str:
    """Block Markdown (paragraphs, lists, code), sanitized like a lesson."""
    if not text:
        return ""
    text = str(text)
    return _markdown_kept(text) if len(text) <= _KEPT_TEXT else table_regions(lesson_html(text))


@register.filter
def markdown_inline(text) -> str:
    """Inline Markdown (emphasis, code, links) for text inside a label or a sentence."""
    if text is None or text == "":
        return ""
    text = str(text)
    if len(text) <= _KEPT_TEXT:
        return _markdown_inline_kept(text)
    return mark_safe(inline_html(text))  # noqa: S308 (nh3 removed everything unsafe)


_TABLE = re.compile(r"<table(\s[^>]*)?>(.*?)</table>", re.S)


@register.filter
def table_regions(html) -> str:
    """Each table of sanitized HTML (a lesson, a guide) inside its own scrolling region: a wide
    table scrolls sideways there, not the page, and the region takes keyboard focus so it can
    be scrolled without a mouse. Only for HTML that was already sanitized."""

    def wrap(match: re.Match) -> str:
        return (
            '<div class="table-scroll" role="region" tabindex="0" '
            'aria-label="Table (scrolls sideways on a narrow screen)">'
            f"{match.group(0)}</div>"
        )

    return mark_safe(_TABLE.sub(wrap, str(html)))  # noqa: S308 (input was sanitized HTML)


def when_text(value) -> str:
    """A moment as every page and export shows it: one format, in the current time zone (the
    launch's platform zone, activated by pagesession's LaunchMiddleware, else the server's
    TIME_ZONE), with the zone named ("Dec 2, 2026, 07:45 CST"). Mixed formats with no zone
    left readers guessing which clock a time was on."""
    if not value:
        return ""
    return dateformat.format(timezone.localtime(value), "M j, Y, H:i T")


@register.filter
def when(value) -> str:
    """`{{ moment|when }}`: when_text inside a <time> element carrying the exact instant."""
    if not value:
        return ""
    return format_html(
        '<time datetime="{}" data-when>{}</time>',
        value.isoformat(timespec="seconds"),
        when_text(value),
    )


@register.filter
def day(value, length: str = "") -> str:
    """`{{ date|day }}`: a calendar date (a deadline, a planned visit) in the pages' one format,
    "Dec 2, 2026" (`|day:"short"`: "Dec 2", for chart axes). A date has no zone: it is a day
    on the platform's calendar. A moment (datetime) is shown as the day it is in that zone."""
    if not value:
        return ""
    if hasattr(value, "tzinfo") and hasattr(value, "hour"):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return dateformat.format(value, "M j" if length == "short" else "M j, Y")
