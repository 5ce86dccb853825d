from __future__ import annotations

from django.urls import path

from . import views

urlpatterns = [
    path("lti/login/", views.login, name="login"),
    path("lti/launch/", views.launch, name="launch"),
]
