"""Platform registrations and the map from LTI identifiers to participants, cohorts, placements."""

from __future__ import annotations

from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from courses.models import Cohort, Participant, Placement


def validate_platform_url(value: str) -> None:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise ValidationError("Enter a full URL, such as https://lms.example.org/path.")
    if parts.scheme != "https" and not settings.IGNITE_ALLOW_HTTP_PLATFORMS:
        raise ValidationError("Platform URLs must use https (http is allowed only in DEBUG).")


def validate_time_zone(value: str) -> None:
    """An IANA zone name zoneinfo knows ("America/Chicago"); blank is allowed by the field."""
    if not value:
        return
    # ZoneInfo alone accepts some paths that are not zone names; the list of known zones
    # is the contract an admin reads in the error message.
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        known = False
    else:
        known = value in available_timezones()
    if not known:
        raise ValidationError(
            f"“{value}” is not a known IANA time zone; use a name such as Europe/Berlin "
            "or America/Chicago, or leave it blank for the server's zone."
        )


# Cloud LMSs whose one issuer serves every customer: the frame that holds the tool is on the
# customer's own subdomain, which the registration does not name.
CLOUD_FRAME_ORIGINS = {
    "https://canvas.instructure.com": ["https://*.instructure.com"],
    "https://canvas.beta.instructure.com": ["https://*.instructure.com"],
    "https://canvas.test.instructure.com": ["https://*.instructure.com"],
    "https://schoology.schoology.com": ["https://*.schoology.com"],
}


class Platform(models.Model):
    """One registration of the tool in an LMS: unique per (issuer, client id)."""

    name = models.CharField(max_length=200, blank=True)
    issuer = models.CharField(max_length=255, validators=[validate_platform_url])
    client_id = models.CharField(max_length=255)
    auth_login_url = models.CharField(
        "authorization (OIDC auth) URL", max_length=500, validators=[validate_platform_url]
    )
    auth_token_url = models.CharField(
        "access token URL", max_length=500, validators=[validate_platform_url]
    )
    auth_audience = models.CharField(
        "token audience",
        max_length=500,
        blank=True,
        help_text="Audience for client assertions if the platform wants one other than the token URL.",
    )
    keyset_url = models.CharField(
        "platform JWKS URL", max_length=500, validators=[validate_platform_url]
    )
    frame_origins = models.TextField(
        blank=True,
        help_text="Extra origins allowed to frame the tool, one per line (e.g. https://district.instructure.com).",
    )
    auto_admit_deployments = models.BooleanField(
        default=False,
        help_text="Accept launches from deployment ids not yet listed (each is logged and recorded).",
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=(
            "IANA time zone in which pages, CSV exports and credentials show times to this "
            "platform's users (e.g. America/Chicago). Blank: the server's TIME_ZONE."
        ),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "client_id"], name="unique_platform_registration"
            )
        ]
        ordering = ["name", "issuer", "client_id"]

    def __str__(self) -> str:
        return self.name or f"{self.issuer} ({self.client_id})"

    def frame_ancestor_origins(self) -> list[str]:
        origins = []
        for url in (self.issuer, self.auth_login_url):
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                origins.append(f"{parts.scheme}://{parts.netloc}")
        origins += CLOUD_FRAME_ORIGINS.get(self.issuer.rstrip("/"), [])
        origins += [line.strip() for line in self.frame_origins.splitlines() if line.strip()]
        return list(dict.fromkeys(origins))


class Deployment(models.Model):
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="deployments")
    deployment_id = models.CharField(max_length=255)
    name = models.CharField(max_length=200, blank=True)
    auto_admitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["platform", "deployment_id"], name="unique_deployment")
        ]

    def __str__(self) -> str:
        return f"{self.deployment_id} on {self.platform}"


class LtiUser(models.Model):
    """A platform's user (`sub`) as a participant. `sub` is unique only within its platform."""

    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="users")
    sub = models.CharField(max_length=255)
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="lti_user"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["platform", "sub"], name="unique_lti_user")]

    def __str__(self) -> str:
        return f"{self.sub} on {self.platform_id}"


class LtiContext(models.Model):
    """An LMS course (context claim) in one deployment, as a cohort.

    Launches without a context claim map to one cohort per deployment (context_id "").
    """

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="contexts")
    context_id = models.CharField(max_length=255, blank=True)
    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="lti_context")
    memberships_url = models.URLField(max_length=1000, blank=True)
    # The course's AGS line items container and the scopes offered with it (any launch's
    # endpoint claim): the line items tell the links in the course before they are opened.
    lineitems_url = models.URLField(max_length=1000, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)
    lineitems_read_at = models.DateTimeField(null=True, blank=True)  # the last reading of them
    # The last roster sync from the LMS (NRPS) that succeeded, and the last failure since.
    roster_synced_at = models.DateTimeField(null=True, blank=True)
    roster_error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deployment", "context_id"], name="unique_lti_context")
        ]

    def __str__(self) -> str:
        return self.context_id or "(no context)"


class LtiResourceLink(models.Model):
    """An LMS link (resource_link claim) in a context, as a placement."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="resource_links")
    resource_link_id = models.CharField(max_length=255)
    placement = models.OneToOneField(Placement, on_delete=models.CASCADE, related_name="lti_link")
    lineitem_url = models.URLField(max_length=1000, blank=True)
    lineitems_url = models.URLField(max_length=1000, blank=True)
    ags_scopes = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "resource_link_id"], name="unique_lti_resource_link"
            )
        ]

    def __str__(self) -> str:
        return self.resource_link_id


class LtiLineItem(models.Model):
    """A gradebook column Ignite found or created for a link, by tag (mastery, evidence)."""

    resource_link = models.ForeignKey(
        LtiResourceLink, on_delete=models.CASCADE, related_name="line_items"
    )
    tag = models.CharField(max_length=64)
    url = models.URLField(max_length=1000)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resource_link", "tag"], name="unique_line_item_per_tag"
            )
        ]

    def __str__(self) -> str:
        return self.url


class LtiPlannedLink(models.Model):
    """A link the LMS course has but nobody opened yet, learned from one of the course's AGS
    line items (resourceId "<module>:mastery", the id Ignite gives in deep linking): its
    placement shows as placed, not opened yet. The first launch of the link with this
    resourceLinkId adopts the placement (lti_tool/services.py)."""

    context = models.ForeignKey(LtiContext, on_delete=models.CASCADE, related_name="planned_links")
    placement = models.OneToOneField(
        Placement, on_delete=models.CASCADE, related_name="planned_link"
    )
    lineitem_url = models.URLField(max_length=1000)
    resource_link_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["context", "lineitem_url"], name="unique_planned_link_lineitem"
            )
        ]

    def __str__(self) -> str:
        return self.lineitem_url


# A registration link dies after this many failed registrations (lti_tool/dynamic_registration).
REGISTRATION_LINK_MAX_FAILURES = 3


class RegistrationLink(models.Model):
    """A one-time link an Ignite admin gives an LMS admin for LTI Dynamic Registration.
    Only a digest of its secret is kept."""

    digest = models.CharField(max_length=64, unique=True)
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # Failed registrations with this link; at MAX_LINK_FAILURES it never opens again.
    failures = models.PositiveSmallIntegerField(default=0)
    platform = models.ForeignKey(
        "Platform", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return self.note or f"registration link {self.pk}"

    @property
    def state(self) -> str:
        if self.platform_id is None and self.failures >= REGISTRATION_LINK_MAX_FAILURES:
            return "failed"
        if self.used_at:
            return "used"
        return "expired" if self.expires_at <= timezone.now() else "open"
