"""The one shape of a page's form post: call a service; when it refuses, the page again with
why (on the status the refusal carries); otherwise a 303 to where the person goes next."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import HttpResponse

from .urls_util import see_other

T = TypeVar("T")
E = TypeVar("E", bound=Exception)


def post_answer(
    run: Callable[[], T],
    *,
    refused: type[E],
    page: Callable[[E], HttpResponse],
    to: str | Callable[[T], str],
) -> HttpResponse:
    """`run()` calls the service. A `refused` exception is answered by `page(exc)` (the form
    again, with the message, on its 4xx); else a 303 to `to`, or to `to(result)` when the
    next page depends on what the service returned."""
    try:
        result = run()
    except refused as exc:
        return page(exc)
    return see_other(to(result) if callable(to) else to)
