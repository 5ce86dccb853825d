"""`{% module_templates %}` on the module page and `{% trainer_module_links placement module %}` on the
trainer dashboard: this app's links, so the pages that show them need not know this app."""

from __future__ import annotations

from django import template

from pagesession.access import launch_is_trainer

from ..services import material_links

register = template.Library()


@register.inclusion_tag("facilitation/_module_templates.html", takes_context=True)
def module_templates(context):
    placement, version = context.get("placement"), context.get("version")
    links = material_links(version=version)  # kept per worker: no query on most pages
    launch = context.get("launch")
    return {
        "launch": launch,
        "placement": placement,
        "templates": links.templates,
        "guide": links.guide and launch_is_trainer(launch),
    }


@register.inclusion_tag("facilitation/_trainer_links.html", takes_context=True)
def trainer_module_links(context, placement, module):
    links = material_links(version=module.current if module else None)
    return {
        "launch": context.get("launch"),
        "placement": placement,
        "guide": links.guide,
        "calibration": links.calibration,
    }
