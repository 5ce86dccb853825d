from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("app/program/", views.program_home, name="program"),
    path("app/program/<slug:slug>/", views.program_detail, name="program-detail"),
    path(
        "app/program/<slug:slug>/export/<slug:table>.csv",
        views.program_export,
        name="program-export",
    ),
    path("app/program/<slug:slug>/deadline/", views.program_deadline_set, name="program-deadline"),
    path(
        "app/program/<slug:slug>/cohorts/<int:cohort_id>/",
        views.program_cohort,
        name="program-cohort",
    ),
]
