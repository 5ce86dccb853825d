from django.urls import path

from . import views

app_name = "devplatform"

urlpatterns = [
    path("", views.index, name="index"),
    path("authorize/", views.authorize, name="authorize"),
    path("jwks/", views.jwks, name="jwks"),
    path("gradebook/", views.gradebook, name="gradebook"),
]
