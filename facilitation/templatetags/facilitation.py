"""`{% module_templates %}` on the module page and `{% trainer_module_links placement module %}` on the
trainer dashboard: this app's links, so the pages that show them need not know this app."""

from __future__ import annotations

from django import template

from pagesession.access import launch_is_trainer

from ..services import materials_for

register = template.Library()


@register.inclusion_tag("facilitation/_module_templates.html", takes_context=True)
def module_templates(context):
    placement, version = context.get("placement"), context.get("version")
    materials = materials_for(version=version)
    launch = context.get("launch")
    return {
        "launch": launch,
        "placement": placement,
        "templates": list(materials.templates.all()) if materials else [],
        "guide": bool(materials and materials.guide) and launch_is_trainer(launch),
    }


@register.inclusion_tag("facilitation/_trainer_links.html", takes_context=True)
def trainer_module_links(context, placement, module):
    materials = materials_for(version=module.current if module else None)
    return {
        "launch": context.get("launch"),
        "placement": placement,
        "guide": bool(materials and materials.guide),
        "calibration": bool(materials and materials.calibration),
    }
