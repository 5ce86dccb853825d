"""The practice exchange: teachers share a lesson plan or a classroom artifact with their cohort,
colleagues respond with a protocol (glow, grow, question), the author replies once per
response, trainers moderate (exemplar, hide with a reason, reports).

A post belongs to a placement (a module in a cohort). With the author's consent an exemplar is
also shown to other cohorts of the same program on the same platform; `platform_id` is the
launch's platform when the post was made (the platform registry lives in lti_tool, above).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone

from courses.models import Participant, Placement, Program


def post_file_path(instance, filename: str) -> str:
    # Never the uploaded name: a random name under the placement, with the detected extension.
    return f"exchange/{instance.placement_id}/{secrets.token_hex(16)}.{instance.file_type}"


class Post(models.Model):
    class Kind(models.TextChoices):
        LESSON_PLAN = "lesson_plan", "Lesson plan"
        ARTIFACT = "artifact", "Classroom artifact"

    class Status(models.TextChoices):
        SHARED = "shared", "Shared"
        HIDDEN = "hidden", "Hidden by a trainer"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Consent(models.TextChoices):
        NO = "no", "No, only my cohort"
        NAMED = "named", "Yes, with my name"
        ANONYMOUS = "anonymous", "Yes, anonymously"

    placement = models.ForeignKey(
        Placement, on_delete=models.CASCADE, related_name="exchange_posts"
    )
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        Program, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    platform_id = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=200)
    tried = models.TextField()  # what I tried
    happened = models.TextField()  # what happened
    change = models.TextField()  # what I'd change
    link = models.URLField(max_length=1000, blank=True)
    file = models.FileField(upload_to=post_file_path, blank=True)
    file_type = models.CharField(max_length=10, blank=True)  # detected from the content
    file_mime = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)
    privacy_confirmed = models.BooleanField(default=False)  # "I removed student names and faces"
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SHARED)
    hidden_reason = models.TextField(blank=True)
    hidden_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_at = models.DateTimeField(null=True, blank=True)
    exemplar = models.BooleanField(default=False)
    exemplar_by = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    exemplar_at = models.DateTimeField(null=True, blank=True)
    consent = models.CharField(max_length=16, choices=Consent.choices, default=Consent.NO)
    created_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["placement", "status"], name="exchange_post_place_idx"),
            models.Index(
                fields=["program", "platform_id", "exemplar", "status"],
                name="exchange_exemplar_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="shared") | models.Q(privacy_confirmed=True),
                name="exchange_shared_post_privacy_confirmed",
            )
        ]

    def __str__(self) -> str:
        return self.title or f"Post {self.pk}"


class Response(models.Model):
    """A colleague's response by the protocol: what works, what to try, a question. The post's
    author may reply once."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="responses")
    author = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    glow = models.TextField()
    grow = models.TextField()
    question = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    reply = models.TextField(blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["post", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "author"], name="exchange_one_response_each")
        ]

    def __str__(self) -> str:
        return f"response {self.pk} to post {self.post_id}"


class Report(models.Model):
    """A teacher's report of a post to the cohort's trainers."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["post", "reporter"], name="exchange_one_report_each")
        ]

    def __str__(self) -> str:
        return f"report {self.pk} of post {self.post_id}"
