"""The district admin's side: find a teacher, see what Ignite holds, export or erase it; and the
audit log, read-only."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from courses.models import Participant

from .holdings import participant_holdings
from .models import AuditEntry
from .services import participant_erase, participant_export


def _zip_response(participant: Participant, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = (
        f'attachment; filename="participant-{participant.pk}-export.zip"'
    )
    return response


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    """Read-only: participants come from launches. Deleting one would take their scores out of
    the cohort's statistics, so removal is the erase action, which keeps them anonymous."""

    list_display = ("id", "__str__", "email", "lms_ids", "created_at", "data_link")
    search_fields = ("name", "given_name", "family_name", "email", "lti_user__sub")
    fields = ("name", "given_name", "family_name", "email", "created_at", "data_link")
    readonly_fields = fields
    actions = ["export_data", "erase_data"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lti_user")

    @admin.display(description="LMS user id")
    def lms_ids(self, obj):
        user = getattr(obj, "lti_user", None)
        return user.sub if user else ""

    @admin.display(description="Data held")
    def data_link(self, obj):
        url = reverse("admin:privacy_participant_data", args=[obj.pk])
        return format_html('<a href="{}">What Ignite holds</a>', url)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_erase_permission(self, request) -> bool:
        return request.user.has_perm("courses.delete_participant")

    def get_urls(self):
        own = [
            path(
                "<int:participant_id>/data/",
                self.admin_site.admin_view(self.data_view),
                name="privacy_participant_data",
            )
        ]
        return own + super().get_urls()

    def data_view(self, request, participant_id: int):
        if not self.has_view_permission(request):
            return HttpResponse("You may not see participants' data.", status=403)
        participant = get_object_or_404(Participant, pk=participant_id)
        return TemplateResponse(
            request,
            "privacy/participant_data.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"What Ignite holds about participant {participant.pk}",
                "participant": participant,
                "sections": participant_holdings(participant=participant),
            },
        )

    @admin.action(description="Export the selected participant's data (zip)")
    def export_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one participant to export.", messages.ERROR)
            return None
        participant = queryset.get()
        return _zip_response(
            participant, participant_export(participant=participant, user=request.user)
        )

    @admin.action(
        description="Erase the selected participants' personal data…", permissions=["erase"]
    )
    def erase_data(self, request, queryset):
        participants = list(queryset.order_by("pk"))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "privacy/erase_confirm.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": "Erase personal data?",
                    "reports": [
                        participant_erase(participant=p, dry_run=True) for p in participants
                    ],
                    "participants": participants,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for participant in participants:
            participant_erase(participant=participant, user=request.user)
        self.message_user(
            request,
            f"Erased the personal data of {len(participants)} participant(s).",
            messages.SUCCESS,
        )
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Who did what, when: written by the application only, never edited here."""

    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action",)
    search_fields = ("actor", "object_id", "object_type")
    date_hierarchy = "at"
    fields = (
        "at",
        "actor",
        "actor_user",
        "actor_participant",
        "action",
        "object_type",
        "object_id",
        "details",
    )
    readonly_fields = fields
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
