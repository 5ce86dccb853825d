from django.contrib import admin

from .models import ToolKey


@admin.register(ToolKey)
class ToolKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are made and rotated by `manage.py keys`, never typed in.

    The encrypted private key is not a field here at all, so it never reaches the admin's HTML.
    """

    list_display = ("kid", "status", "created_at", "retire_after")
    list_filter = ("status",)
    fields = ("kid", "status", "created_at", "retire_after", "public_jwk")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
