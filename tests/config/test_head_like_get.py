"""HEAD is answered wherever GET is (issue 19): every URL of the tool, walked from Django's URL
resolver, asked both ways without a launch. A view that takes GET but refuses HEAD (a bare
`require_GET`, a `require_http_methods(["GET", "POST"])`) fails here. The browser test over the
page registry (tests/e2e/test_narrow_pages.py) compares the two with a real launch."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import get_resolver

from tests.config.test_every_page_is_checked import _patterns

pytestmark = pytest.mark.django_db

SAMPLE = {"int": "1", "dbid": "1", "slug": "x", "str": "x", "path": "x", "uuid": str(uuid.uuid4())}
PARAM = re.compile(r"<(?:(\w+):)?\w+>")


def sample_path(route: str) -> str:
    return "/" + PARAM.sub(lambda m: SAMPLE[m.group(1) or "str"], route.lstrip("^"))


ROUTES = sorted(
    {
        route
        for route, _name in _patterns(get_resolver())
        if not route.startswith("admin/") and "(?P" not in route
    }
)


def test_the_walk_covers_the_tool():
    assert {"app/trainer/", "lti/launch/", "credentials/<uuid:public_id>.jwt"} <= set(ROUTES)


@pytest.mark.parametrize("route", ROUTES)
def test_head_is_allowed_wherever_get_is(client, route):
    path = sample_path(route)
    get = client.get(path)
    head = client.head(path)
    if get.status_code == 405:
        return  # not a GET URL (POST only): HEAD need not be either
    assert head.status_code != 405, f"{path}: GET {get.status_code}, HEAD 405"
    assert head.status_code == get.status_code, path
    assert head.content == b""
