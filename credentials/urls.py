"""Credential URLs: public verification (`/credentials/`, `/achievements/`) and the teacher's
and trainer's pages (`/app/credentials/`, `/app/trainer/credentials/`). Every path and name is
a contract: issued credentials carry these URLs for years."""

from django.urls import path

from . import views

urlpatterns = [
    path("app/credentials/", views.my_credentials, name="my-credentials"),
    path(
        "app/credentials/<int:credential_id>/sharing/",
        views.credential_sharing,
        name="credential-sharing",
    ),
    path(
        "app/trainer/credentials/<int:credential_id>/revoke/",
        views.credential_revoke_view,
        name="credential-revoke",
    ),
    path(
        "app/trainer/credentials/<int:credential_id>/reissue/",
        views.credential_reissue_view,
        name="credential-reissue",
    ),
    path("credentials/issuer.json", views.issuer_json, name="credential-issuer"),
    path("credentials/keys/<str:kid>.json", views.credential_key, name="credential-key"),
    path(
        "credentials/status/<int:list_no>",
        views.credential_status,
        name="credential-status",
    ),
    path(
        "credentials/<uuid:public_id>/evidence/<int:evidence_id>",
        views.credential_evidence_file,
        name="credential-evidence-file",
    ),
    path("credentials/<uuid:public_id>/", views.credential_page, name="credential"),
    path(
        "credentials/<uuid:public_id>.json",
        views.credential_json,
        name="credential-json",
    ),
    path("credentials/<uuid:public_id>.jwt", views.credential_jwt, name="credential-jwt"),
    path(
        "credentials/<uuid:public_id>.svg",
        views.credential_badge,
        name="credential-badge",
    ),
    path("achievements/<slug:slug>/", views.achievement_page, name="achievement"),
    path(
        "achievements/<slug:slug>/image.svg",
        views.achievement_image,
        name="achievement-image",
    ),
]
