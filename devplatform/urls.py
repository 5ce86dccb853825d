from django.urls import path

from . import views

app_name = "devplatform"

urlpatterns = [
    path("", views.index, name="index"),
    path("authorize/", views.authorize, name="authorize"),
    path("jwks/", views.jwks, name="jwks"),
    path("gradebook/", views.gradebook, name="gradebook"),
    path("token/", views.token, name="token"),
    path(
        ".well-known/openid-configuration",
        views.openid_configuration,
        name="openid-configuration",
    ),
    path("register/", views.register_client, name="register"),
    path("register-tool/", views.register_tool, name="register-tool"),
    path("deep-link/<str:course_key>/return/", views.deep_link_return, name="deep-link-return"),
    path("ags/<str:course_key>/lineitems/", views.lineitems, name="lineitems"),
    path("ags/<str:course_key>/lineitems/<int:item_id>/", views.lineitem, name="lineitem"),
    path("ags/<str:course_key>/lineitems/<int:item_id>/scores", views.scores, name="scores"),
    path("ags/<str:course_key>/lineitems/<int:item_id>/results", views.results, name="results"),
    path("nrps/<str:course_key>/memberships/", views.memberships, name="memberships"),
]
