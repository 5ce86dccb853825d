"""`{% module_templates %}` on the module page and `{% trainer_module_links placement module %}` on the
trainer dashboard: this app's links, so the pages that show them need not know this app."""

from __future__ import annotations

from django import template
from django.db.models import Q

from pagesession.access import launch_is_trainer

from ..models import ModuleMaterials
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
    # The dashboard shows these links once per placed module: which versions have a guide or
    # a calibration round is read once per page (one small query), not once per module.
    found = context.render_context.get("facilitation_materials")
    if found is None:
        found = context.render_context["facilitation_materials"] = {
            row["module_version_id"]: row
            for row in ModuleMaterials.objects.annotate(
                has_guide=Q(guide__isnull=False), has_calibration=Q(calibration__isnull=False)
            ).values("module_version_id", "has_guide", "has_calibration")
        }
    row = found.get(module.current_id if module else None) or {}
    return {
        "launch": context.get("launch"),
        "placement": placement,
        "guide": bool(row.get("has_guide")),
        "calibration": bool(row.get("has_calibration")),
    }
