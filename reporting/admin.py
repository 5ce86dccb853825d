from django.contrib import admin

from .models import LeadDeadline, ProgramLead, ProgramPlan, ProgramSnapshot
from .tenancy import platform_label


@admin.register(ProgramLead)
class ProgramLeadAdmin(admin.ModelAdmin):
    list_display = ("__str__", "platform", "program_list", "created_at")
    list_filter = ("platform_id",)
    search_fields = ("email", "sub", "note")
    filter_horizontal = ("programs",)
    fields = ("platform_id", "email", "sub", "programs", "note")

    @admin.display(description="platform")
    def platform(self, obj):
        return platform_label(obj.platform_id)

    @admin.display(description="programs")
    def program_list(self, obj):
        return ", ".join(p.slug for p in obj.programs.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("programs")


@admin.register(ProgramPlan)
class ProgramPlanAdmin(admin.ModelAdmin):
    list_display = ("program", "deadline", "reminders")


@admin.register(LeadDeadline)
class LeadDeadlineAdmin(admin.ModelAdmin):
    list_display = ("program", "platform_id", "deadline", "set_by", "updated_at")


@admin.register(ProgramSnapshot)
class ProgramSnapshotAdmin(admin.ModelAdmin):
    list_display = ("program", "platform_id", "day", "enrolled", "started", "mastered")
    list_filter = ("program",)
    date_hierarchy = "day"
