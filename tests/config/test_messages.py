"""config/messages.py: messages still travel from one request to the next; a request that
never uses them builds no storage and changes no cookie."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from config.messages import LazyMessageMiddleware


def _through(view, cookies=None):
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies or {})
    middleware = SessionMiddleware(LazyMessageMiddleware(view))
    return request, middleware(request)


def test_an_untouched_request_builds_no_storage():
    request, response = _through(lambda request: HttpResponse("ok"))
    assert request._messages._wrapped is empty  # never built
    assert "messages" not in response.cookies


def test_a_message_added_is_read_on_the_next_request(db):
    def add(request):
        messages.success(request, "Platform saved.")
        return HttpResponse("ok")

    _, response = _through(add)
    cookie = response.cookies["messages"].value
    seen = []

    def read(request):
        seen.extend(str(m) for m in messages.get_messages(request))
        return HttpResponse("ok")

    _, after = _through(read, {"messages": cookie})
    assert seen == ["Platform saved."]
    assert after.cookies["messages"].value == ""  # read once: cleared
