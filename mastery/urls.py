from django.urls import path

from . import views

app_name = "mastery"

urlpatterns = [
    path("app/p/<int:placement_id>/mastery/", views.start, name="start"),
    path("app/p/<int:placement_id>/mastery/<int:number>/", views.attempt_page, name="attempt"),
]
