from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect


def see_other(url: str) -> HttpResponseRedirect:
    """A 303 redirect: after a form post, the browser GETs `url` (a reload re-posts nothing).

    `url` is a URL, never a view name: `django.shortcuts.redirect` would first try it as a
    view name (`reverse`, whose failure costs a launch measurable CPU: bench/launch.py)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def add_query(url: str, params: dict[str, str]) -> str:
    """Add parameters to a URL that may already carry a query string (login URLs often do)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def tool_origin(request: HttpRequest) -> str:
    if settings.IGNITE_BASE_URL:
        parts = urlsplit(settings.IGNITE_BASE_URL)
        return f"{parts.scheme}://{parts.netloc}"
    return f"{request.scheme}://{request.get_host()}"


def absolute(request: HttpRequest, path: str) -> str:
    return tool_origin(request) + path


def same_host(url: str, request: HttpRequest) -> bool:
    parts = urlsplit(url)
    return (
        bool(parts.netloc) and parts.netloc.lower() == urlsplit(tool_origin(request)).netloc.lower()
    )


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
