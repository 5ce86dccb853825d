"""`{% lurl 'name' arg ... %}`: a URL of the tool that carries this page's launch token, and
`{% launch_field %}`: the hidden form field that carries it in a POST.

Links and forms inside the LMS frame cannot rely on cookies (browsers block third-party
cookies), so every in-tool link names the launch explicitly.
"""

from functools import lru_cache
from urllib.parse import urlencode

from django import template
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from pagesession.launch_token import PARAM
from pagesession.urls_util import add_query

register = template.Library()

# A page makes a link per lesson, attempt and template: reversing each name and re-parsing
# each URL to add the token was a fifth of the module page's CPU (bench/launch.py, py-spy).
# The URL patterns never change while a process runs, so a reversed URL is kept per script
# prefix and URL conf; ids and slugs only (other arguments are reversed every time).
_PLAIN = (int, str, SafeString)


@lru_cache(maxsize=4096)
def _reversed(prefix: str, urlconf, name: str, args: tuple) -> str:
    return reverse(name, args=args, urlconf=urlconf)


@lru_cache(maxsize=256)
def _token_query(token: str) -> str:
    return urlencode({PARAM: token})


def _reverse(name: str, args: tuple) -> str:
    if all(type(arg) in _PLAIN for arg in args):
        return _reversed(get_script_prefix(), get_urlconf(), name, args)
    return reverse(name, args=args)


@register.simple_tag(takes_context=True)
def lurl(context, name, *args):
    url = _reverse(name, args)
    launch = context.get("launch")
    if not launch:
        return url
    if "?" in url or "#" in url:
        return add_query(url, {PARAM: launch.token})
    return f"{url}?{_token_query(launch.token)}"


@register.simple_tag(takes_context=True)
def launch_field(context):
    launch = context.get("launch")
    token = launch.token if launch else ""
    return format_html('<input type="hidden" name="{}" value="{}">', PARAM, token)
