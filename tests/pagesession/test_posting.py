"""The form-post helper: a refusal answers with the page the view gives; success is a 303."""

from __future__ import annotations

from django.http import HttpResponse

from pagesession.posting import post_answer


class Refused(Exception):
    pass


def _page(exc: Refused) -> HttpResponse:
    return HttpResponse(f"refused: {exc}", status=409)


def test_success_is_a_303_to_the_url_or_to_what_the_result_names():
    response = post_answer(lambda: 7, refused=Refused, page=_page, to="/next/")
    assert (response.status_code, response["Location"]) == (303, "/next/")
    response = post_answer(lambda: 7, refused=Refused, page=_page, to=lambda n: f"/item/{n}/")
    assert (response.status_code, response["Location"]) == (303, "/item/7/")


def test_a_refusal_is_answered_by_the_page():
    def run():
        raise Refused("no")

    response = post_answer(run, refused=Refused, page=_page, to="/next/")
    assert (response.status_code, response.content) == (409, b"refused: no")


def test_other_exceptions_are_not_swallowed():
    def run():
        raise ValueError("bug")

    try:
        post_answer(run, refused=Refused, page=_page, to="/next/")
    except ValueError:
        return
    raise AssertionError("a ValueError must propagate")
