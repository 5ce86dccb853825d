from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from courses import credential_views
from keys.views import jwks_view
from lti_tool import errors_views

urlpatterns = [
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("admin/", admin.site.urls),
    path("", include("lti_tool.urls")),
    path("", include("courses.urls")),
    path("", include("mastery.urls")),
    path("app/credentials/", credential_views.my_credentials, name="my-credentials"),
    path(
        "app/credentials/<int:credential_id>/sharing/",
        credential_views.credential_sharing,
        name="credential-sharing",
    ),
    path(
        "app/trainer/credentials/<int:credential_id>/revoke/",
        credential_views.credential_revoke_view,
        name="credential-revoke",
    ),
    path(
        "app/trainer/credentials/<int:credential_id>/reissue/",
        credential_views.credential_reissue_view,
        name="credential-reissue",
    ),
    path("credentials/issuer.json", credential_views.issuer_json, name="credential-issuer"),
    path("credentials/keys/<str:kid>.json", credential_views.credential_key, name="credential-key"),
    path(
        "credentials/status/<int:list_no>",
        credential_views.credential_status,
        name="credential-status",
    ),
    path(
        "credentials/<uuid:public_id>/evidence/<int:evidence_id>",
        credential_views.credential_evidence_file,
        name="credential-evidence-file",
    ),
    path("credentials/<uuid:public_id>/", credential_views.credential_page, name="credential"),
    path(
        "credentials/<uuid:public_id>.json",
        credential_views.credential_json,
        name="credential-json",
    ),
    path(
        "credentials/<uuid:public_id>.jwt", credential_views.credential_jwt, name="credential-jwt"
    ),
    path(
        "credentials/<uuid:public_id>.svg",
        credential_views.credential_badge,
        name="credential-badge",
    ),
    path("achievements/<slug:slug>/", credential_views.achievement_page, name="achievement"),
    path(
        "achievements/<slug:slug>/image.svg",
        credential_views.achievement_image,
        name="achievement-image",
    ),
]

if settings.IGNITE_DEV_PLATFORM:
    urlpatterns.append(path("dev/platform/", include("devplatform.urls")))

handler400 = errors_views.bad_request
handler403 = errors_views.permission_denied
handler404 = errors_views.page_not_found
handler500 = errors_views.server_error
