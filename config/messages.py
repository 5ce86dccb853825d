"""Django's message middleware, with the storage made only for the requests that use it.

`django.contrib.messages.middleware.MessageMiddleware` builds its storage (a cookie storage and
a session storage behind a fallback) on every request, although only the admin's pages read or
add messages; on a launch or a module page that was ~2-3% of the request's CPU (bench/launch.py,
py-spy). Here `request._messages` is a lazy object that builds the same storage on first use,
and a response whose request never touched it has nothing to store, as with Django's (an
unused storage's `update()` stores nothing).
"""

from __future__ import annotations

from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.utils.functional import SimpleLazyObject, empty


class LazyMessageMiddleware(MessageMiddleware):
    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
