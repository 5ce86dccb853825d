"""Partitioned cookies (CHIPS) for pages that live in an LMS frame.

Browsers that block third-party cookies (Chrome's setting and Incognito, Brave, Firefox's
partitioning) still keep a cookie in a cross-site frame when it says `Partitioned`: it is kept
for this LMS's site only, so it cannot track anyone across sites. Django 5.2 (and Python before
3.14) cannot write that attribute, so it is added here, in one place, and only to cookies that
are `Secure; SameSite=None` (browsers reject `Partitioned` without `Secure`).
"""

from __future__ import annotations

from http.cookies import Morsel

from django.http import HttpResponse


class _PartitionedMorsel(Morsel):
    def OutputString(self, attrs=None):  # noqa: N802 - the http.cookies name
        text = super().OutputString(attrs)
        return text if "; Partitioned" in text else text + "; Partitioned"


def _partition(response: HttpResponse, name: str) -> None:
    morsel = response.cookies[name]
    if not morsel["secure"] or str(morsel["samesite"]).lower() != "none":
        raise ValueError(f"cookie {name!r} must be Secure and SameSite=None to be Partitioned")
    partitioned = _PartitionedMorsel()
    partitioned.set(morsel.key, morsel.value, morsel.coded_value)
    partitioned.update(morsel)  # every attribute, Max-Age=0 of a deletion included
    dict.__setitem__(response.cookies, name, partitioned)


def partitioned_cookie_set(
    *, response: HttpResponse, name: str, value: str, max_age: int, path: str = "/"
) -> None:
    """Set `name` as `Secure; HttpOnly; SameSite=None; Partitioned`."""
    response.set_cookie(
        name, value, max_age=max_age, path=path, secure=True, httponly=True, samesite="None"
    )
    _partition(response, name)


def partitioned_cookie_delete(*, response: HttpResponse, name: str, path: str = "/") -> None:
    """Delete a partitioned cookie (the deletion must name the partition too, or it would
    address another, unpartitioned cookie of the same name)."""
    response.delete_cookie(name, path=path, samesite="None")
    response.cookies[name]["secure"] = True
    _partition(response, name)
