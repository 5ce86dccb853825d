"""State of the development platform: its signing key, and the gradebook it keeps."""

from django.db import models
from django.utils import timezone


class DevPlatformKey(models.Model):
    # Development only (the app refuses to load without DEBUG): stored as plain PEM.
    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.kid


class DevLineItem(models.Model):
    """A gradebook column, created by the tool through AGS or by a deep-linking response."""

    course_id = models.CharField(max_length=100)
    resource_link_id = models.CharField(max_length=100, blank=True)
    resource_id = models.CharField(max_length=255, blank=True)
    tag = models.CharField(max_length=255, blank=True)
    label = models.CharField(max_length=255)
    score_maximum = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.label


class DevScore(models.Model):
    """The latest score per user and line item, as a gradebook keeps it."""

    line_item = models.ForeignKey(DevLineItem, on_delete=models.CASCADE, related_name="scores")
    user_id = models.CharField(max_length=100)
    score_given = models.FloatField(null=True)
    score_maximum = models.FloatField(null=True)
    activity_progress = models.CharField(max_length=32)
    grading_progress = models.CharField(max_length=32)
    comment = models.TextField(blank=True)
    timestamp = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    times_received = models.PositiveIntegerField(default=1)
    stale_ignored = models.PositiveIntegerField(default=0)  # older scores that arrived late

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["line_item", "user_id"], name="dev_one_score_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.score_given}/{self.score_maximum}"


class DevAccessToken(models.Model):
    """An OAuth 2 bearer token the platform issued to the tool (only its digest is kept)."""

    digest = models.CharField(max_length=64, unique=True)
    scopes = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"token {self.digest[:8]} until {self.expires_at:%H:%M:%S}"


class DevLink(models.Model):
    """A link the tool added to a course through Deep Linking."""

    course_id = models.CharField(max_length=100)
    key = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=255)
    text = models.TextField(blank=True)
    custom = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.title
