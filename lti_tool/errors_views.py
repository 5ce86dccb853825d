"""Bare error pages: plain words, no stack trace, no template that could fail again."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def _page(request, status, title, message):
    return render(request, "error.html", {"title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _page(request, 400, "Bad request", "Ignite could not understand that request.")


def permission_denied(request, exception=None):
    return _page(request, 403, "Not allowed", "You do not have access to this page.")


def page_not_found(request, exception=None):
    return _page(
        request, 404, "Page not found", "There is nothing here. Open Ignite again from your course."
    )


def server_error(request):
    template = loader.get_template("error.html")
    body = template.render(
        {
            "title": "Something went wrong",
            "message": "Ignite hit an unexpected problem. It has been logged; please try again.",
        }
    )
    return HttpResponseServerError(body)
