"""`{% lurl %}` keeps reversed URLs per process: the links must be what reverse + add_query give,
under any script prefix."""

from __future__ import annotations

from types import SimpleNamespace

from django.urls import clear_script_prefix, reverse, set_script_prefix

from pagesession.launch_token import PARAM
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import add_query

TOKEN = "eyJwIjoxfQ:1vXy-z_abc:Sig+with/odd=chars"


def test_links_are_what_reverse_and_add_query_give():
    context = {"launch": SimpleNamespace(token=TOKEN)}
    for name, args in (
        ("courses:cohort", ()),
        ("courses:module", (7,)),
        ("courses:lesson", (7, "station-basics")),
        ("courses:lesson", (8, "station-basics")),
    ):
        expected = add_query(reverse(name, args=args), {PARAM: TOKEN})
        assert lurl(context, name, *args) == expected
        assert lurl(context, name, *args) == expected  # and again, from the kept copy
    assert lurl({}, "courses:module", 7) == reverse("courses:module", args=(7,))


def test_each_launch_gets_its_own_token():
    one = lurl({"launch": SimpleNamespace(token="one")}, "courses:module", 3)
    two = lurl({"launch": SimpleNamespace(token="two")}, "courses:module", 3)
    assert one.endswith(f"?{PARAM}=one") and two.endswith(f"?{PARAM}=two")


def test_a_script_prefix_is_honoured():
    try:
        set_script_prefix("/ignite/")
        assert lurl({}, "courses:module", 5) == "/ignite/app/p/5/"
    finally:
        clear_script_prefix()
    assert lurl({}, "courses:module", 5) == "/app/p/5/"
