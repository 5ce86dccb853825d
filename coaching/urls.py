from django.urls import path

from . import views

app_name = "coaching"

urlpatterns = [
    path("app/trainer/coaching/", views.coach_page, name="coach"),
    path("app/trainer/coaching/new/", views.cycle_new, name="new"),
    path("app/trainer/coaching/export.csv", views.coach_export, name="export"),
    path("app/trainer/coaching/gradebook/", views.gradebook_switch, name="gradebook"),
    path("app/trainer/coaching/<int:cycle_id>/", views.cycle_page, name="cycle"),
    path("app/trainer/coaching/<int:cycle_id>/close/", views.cycle_close_view, name="close"),
    path("app/trainer/coaching/<int:cycle_id>/observe/", views.observe_page, name="observe"),
    path("app/trainer/coaching/<int:cycle_id>/observe/draft/", views.observe_draft, name="draft"),
    path("app/coaching/<int:cycle_id>/", views.teacher_cycle, name="teacher-cycle"),
    path("app/coaching/<int:cycle_id>/reflect/", views.reflect, name="reflect"),
]
