from django.contrib import admin

from .models import Notification, OptOut


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "participant", "subject", "state", "created_at", "sent_at", "attempts")
    list_filter = ("state", "kind", "digest")
    search_fields = ("participant__email", "subject", "key")
    readonly_fields = [f.name for f in Notification._meta.fields]


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ("participant", "kind", "created_at")
    search_fields = ("participant__email",)
