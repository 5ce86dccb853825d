"""`{% lurl 'name' arg ... %}`: a URL of the tool that carries this page's launch token, and
`{% launch_field %}`: the hidden form field that carries it in a POST.

Links and forms inside the LMS frame cannot rely on cookies (browsers block third-party
cookies), so every in-tool link names the launch explicitly.
"""

from django import template
from django.urls import reverse
from django.utils.html import format_html

from pagesession.launch_token import PARAM
from pagesession.urls_util import add_query

register = template.Library()


@register.simple_tag(takes_context=True)
def lurl(context, name, *args):
    url = reverse(name, args=args)
    launch = context.get("launch")
    return add_query(url, {PARAM: launch.token}) if launch else url


@register.simple_tag(takes_context=True)
def launch_field(context):
    launch = context.get("launch")
    token = launch.token if launch else ""
    return format_html('<input type="hidden" name="{}" value="{}">', PARAM, token)
