from django.urls import path

from . import views

app_name = "facilitation"

urlpatterns = [
    path("app/trainer/p/<int:placement_id>/guide/", views.guide_page, name="guide"),
    path(
        "app/trainer/p/<int:placement_id>/calibration/",
        views.calibration_page,
        name="calibration",
    ),
    path(
        "app/trainer/p/<int:placement_id>/calibration/<int:attempt_id>/",
        views.calibration_result,
        name="calibration-result",
    ),
    path(
        "app/p/<int:placement_id>/templates/<slug:slug>/",
        views.template_page,
        name="template",
    ),
    path(
        "app/p/<int:placement_id>/templates/<slug:slug>/download/",
        views.template_download,
        name="template-download",
    ),
]
