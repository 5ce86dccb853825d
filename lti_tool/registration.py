"""Services for platform registrations, shared by the admin command and Dynamic Registration."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Deployment, Platform


@transaction.atomic
def platform_register(
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    keyset_url: str,
    deployment_ids: list[str],
    name: str = "",
    auth_audience: str = "",
    time_zone: str | None = None,
) -> tuple[Platform, bool]:
    """Create or update the registration for (issuer, client id) and add its deployments."""
    platform = Platform.objects.filter(issuer=issuer, client_id=client_id).first()
    created = platform is None
    platform = platform or Platform(issuer=issuer, client_id=client_id)
    platform.auth_login_url = auth_login_url
    platform.auth_token_url = auth_token_url
    platform.keyset_url = keyset_url
    platform.auth_audience = auth_audience or platform.auth_audience
    platform.name = name or platform.name
    if time_zone is not None:  # None: keep the zone an update does not mention
        platform.time_zone = time_zone.strip()
    platform.full_clean(validate_unique=False)
    platform.save()
    for deployment_id in deployment_ids:
        if not deployment_id:
            raise ValidationError("A deployment id cannot be empty.")
        Deployment.objects.get_or_create(platform=platform, deployment_id=deployment_id)
    return platform, created
