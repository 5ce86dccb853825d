"""Keep the cached frame-ancestors list in step with the registered platforms."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Platform
from .security import forget_frame_ancestors


@receiver(post_save, sender=Platform)
@receiver(post_delete, sender=Platform)
def _platform_changed(**kwargs):
    forget_frame_ancestors()
