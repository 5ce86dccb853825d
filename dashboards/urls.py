from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("app/trainer/", views.trainer_dashboard, name="trainer-dashboard"),
    path("app/trainer/grades/retry/", views.trainer_grades_retry, name="trainer-grades-retry"),
    path("app/trainer/export.csv", views.trainer_export, name="trainer-export"),
    path("app/trainer/due/", views.trainer_due_date, name="trainer-due-date"),
]
