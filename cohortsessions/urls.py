from django.urls import path

from . import views

app_name = "cohortsessions"

urlpatterns = [
    path("app/trainer/sessions/", views.trainer_list, name="trainer-list"),
    path("app/trainer/sessions/new/", views.trainer_new, name="trainer-new"),
    path("app/trainer/sessions/<int:session_id>/edit/", views.trainer_edit, name="trainer-edit"),
    path(
        "app/trainer/sessions/<int:session_id>/cancel/",
        views.trainer_cancel,
        name="trainer-cancel",
    ),
    path(
        "app/trainer/sessions/<int:session_id>/attendance/",
        views.trainer_attendance,
        name="trainer-attendance",
    ),
    path("app/sessions/", views.sessions_page, name="sessions"),
    path("app/sessions/cohort.ics", views.cohort_ics, name="cohort-ics"),
    path("app/sessions/<int:session_id>.ics", views.session_ics, name="session-ics"),
]
