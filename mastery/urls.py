from django.urls import path

from . import views

app_name = "mastery"

urlpatterns = [
    path("app/p/<int:placement_id>/mastery/", views.start, name="start"),
    path("app/p/<int:placement_id>/mastery/<int:number>/", views.attempt_page, name="attempt"),
    path("app/p/<int:placement_id>/evidence/", views.evidence_submit_view, name="evidence-submit"),
    path("app/evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence-file"),
    path(
        "app/trainer/evidence/<int:evidence_id>/",
        views.evidence_review_view,
        name="evidence-review",
    ),
    path(
        "app/trainer/p/<int:placement_id>/teachers/<int:participant_id>/",
        views.trainer_teacher_view,
        name="trainer-teacher",
    ),
    path(
        "app/trainer/p/<int:placement_id>/teachers/<int:participant_id>/extra-attempt/",
        views.trainer_extra_attempt,
        name="trainer-extra-attempt",
    ),
    path(
        "app/trainer/p/<int:placement_id>/teachers/<int:participant_id>/override/",
        views.trainer_score_override,
        name="trainer-score-override",
    ),
]
