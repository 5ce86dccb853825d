from django.urls import path

from keys.views import jwks_view

from . import views

app_name = "lti"

urlpatterns = [
    path("lti/login/", views.login, name="login"),
    path("lti/login/check/", views.login_check, name="login-check"),
    path("lti/launch/", views.launch, name="launch"),
    path("lti/handoff/", views.handoff, name="handoff"),
    path("lti/jwks/", jwks_view, name="jwks"),
    path("lti/canvas.json", views.canvas_json, name="canvas-json"),
    path("lti/register/", views.register, name="register"),
    path("app/", views.home, name="home"),
    path("app/deep-link/", views.deep_link, name="deep-link"),
]
