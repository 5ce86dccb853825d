"""`{% version_fragment "template.html" %}`: a part of a page that depends on the module
version alone, rendered once per version per worker (courses/fragments.py)."""

from django import template

from courses.fragments import version_fragment as _version_fragment

register = template.Library()


@register.simple_tag(takes_context=True)
def version_fragment(context, template_name: str):
    version = context.get("version")
    if version is None or version.pk is None:
        return ""
    return _version_fragment(version, template_name)
