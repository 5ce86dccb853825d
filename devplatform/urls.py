from django.urls import path

from . import service_views, views

app_name = "devplatform"

urlpatterns = [
    path("", views.index, name="index"),
    path("authorize/", views.authorize, name="authorize"),
    path("jwks/", views.jwks, name="jwks"),
    path("gradebook/", views.gradebook, name="gradebook"),
    path("token/", service_views.token, name="token"),
    path(
        ".well-known/openid-configuration",
        views.openid_configuration,
        name="openid-configuration",
    ),
    path("register/", views.register_client, name="register"),
    path("register-tool/", views.register_tool, name="register-tool"),
    path(
        "deep-link/<str:course_key>/return/",
        service_views.deep_link_return,
        name="deep-link-return",
    ),
    path("ags/<str:course_key>/lineitems/", service_views.lineitems, name="lineitems"),
    path("ags/<str:course_key>/lineitems/<int:item_id>/", service_views.lineitem, name="lineitem"),
    path(
        "ags/<str:course_key>/lineitems/<int:item_id>/scores", service_views.scores, name="scores"
    ),
    path(
        "ags/<str:course_key>/lineitems/<int:item_id>/results",
        service_views.results,
        name="results",
    ),
    path("nrps/<str:course_key>/memberships/", service_views.memberships, name="memberships"),
]
