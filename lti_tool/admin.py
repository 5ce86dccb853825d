from django.contrib import admin, messages

from pagesession.urls_util import tool_origin

from .errors import PlatformUnavailable
from .models import Deployment, LtiContext, LtiResourceLink, LtiUser, Platform, RegistrationLink
from .platform_keys import fetch_key_set


class DeploymentInline(admin.TabularInline):
    model = Deployment
    extra = 1
    fields = ("deployment_id", "name", "auto_admitted", "created_at")
    readonly_fields = ("auto_admitted", "created_at")


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("__str__", "issuer", "client_id", "is_active", "auto_admit_deployments")
    list_filter = ("is_active",)
    search_fields = ("name", "issuer", "client_id")
    inlines = [DeploymentInline]
    actions = ["check_jwks"]
    fieldsets = (
        (None, {"fields": ("name", "issuer", "client_id", "is_active")}),
        (
            "Platform endpoints",
            {"fields": ("auth_login_url", "auth_token_url", "auth_audience", "keyset_url")},
        ),
        ("Framing and deployments", {"fields": ("frame_origins", "auto_admit_deployments")}),
        ("Display", {"fields": ("time_zone",)}),
    )

    @admin.action(description="Check that the platform's JWKS URL answers with keys")
    def check_jwks(self, request, queryset):
        for platform in queryset:
            try:
                key_set = fetch_key_set(platform.keyset_url)
            except PlatformUnavailable as exc:
                self.message_user(request, f"{platform}: {exc.detail}", messages.ERROR)
                continue
            kids = ", ".join(str(k.get("kid")) for k in key_set["keys"]) or "none"
            self.message_user(
                request,
                f"{platform}: {len(key_set['keys'])} key(s) published (kid: {kids})",
                messages.SUCCESS,
            )


@admin.register(Deployment)
class DeploymentAdmin(admin.ModelAdmin):
    list_display = ("deployment_id", "platform", "auto_admitted", "created_at")
    list_filter = ("auto_admitted",)
    search_fields = ("deployment_id", "platform__issuer", "platform__client_id")


@admin.register(LtiUser)
class LtiUserAdmin(admin.ModelAdmin):
    list_display = ("sub", "platform", "participant")
    search_fields = ("sub", "participant__name", "participant__email")
    raw_id_fields = ("participant",)


@admin.register(LtiContext)
class LtiContextAdmin(admin.ModelAdmin):
    list_display = ("context_id", "deployment", "cohort")
    raw_id_fields = ("cohort",)


@admin.register(LtiResourceLink)
class LtiResourceLinkAdmin(admin.ModelAdmin):
    list_display = ("resource_link_id", "context", "placement")
    raw_id_fields = ("placement",)


@admin.register(RegistrationLink)
class RegistrationLinkAdmin(admin.ModelAdmin):
    """One-time links for LTI Dynamic Registration; "Add" makes one and shows it once."""

    list_display = ("__str__", "state", "created_at", "expires_at", "used_at", "platform")
    readonly_fields = ("note", "created_at", "expires_at", "used_at", "platform")
    exclude = ("digest",)

    def has_change_permission(self, request, obj=None):
        return False

    def add_view(self, request, form_url="", extra_context=None):
        from django.conf import settings
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse

        from .dynamic_registration import registration_link_create

        if request.method == "POST":
            url, link = registration_link_create(
                base_url=settings.IGNITE_BASE_URL or tool_origin(request),
                note=request.POST.get("note", "")[:255],
            )
            expires = link.expires_at.strftime("%Y-%m-%d %H:%M UTC")
            self.message_user(
                request,
                f"One-time registration link, valid until {expires} (shown only now): {url}",
            )
            return redirect("admin:lti_tool_registrationlink_changelist")
        return TemplateResponse(
            request,
            "admin/lti_tool/registrationlink/add.html",
            {**self.admin_site.each_context(request), "title": "New registration link"},
        )
