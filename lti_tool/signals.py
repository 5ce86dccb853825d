"""Keep each worker's copies of the registrations (lti_tool/registry.py) in step with the rows."""

from django.db.models.signals import post_delete, post_save

from .models import Deployment, Platform
from .registry import registry_changed

for _model in (Platform, Deployment):
    post_save.connect(registry_changed, sender=_model, dispatch_uid=f"registry-{_model.__name__}")
    post_delete.connect(
        registry_changed, sender=_model, dispatch_uid=f"registry-{_model.__name__}-deleted"
    )
