from django.urls import path, register_converter

from . import trainer_views, views


class DatabaseId:
    """A row id in ASCII digits that fits a 64-bit column: `<int:>` takes any length, and a
    26-digit id then overflows SQLite's integer (a 500) instead of being a 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(DatabaseId, "dbid")

app_name = "mastery"

urlpatterns = [
    path("app/p/<int:placement_id>/mastery/", views.start, name="start"),
    path("app/p/<int:placement_id>/mastery/<int:number>/", views.attempt_page, name="attempt"),
    path(
        "app/p/<int:placement_id>/mastery/<int:number>/answers/",
        views.answers_view,
        name="answers",
    ),
    path("app/p/<int:placement_id>/evidence/", views.evidence_submit_view, name="evidence-submit"),
    path("app/evidence/<int:evidence_id>/file/", views.evidence_file, name="evidence-file"),
    path(
        "app/trainer/evidence/<int:evidence_id>/",
        views.evidence_review_view,
        name="evidence-review",
    ),
    path(
        "app/trainer/p/<dbid:placement_id>/teachers/<dbid:participant_id>/",
        trainer_views.trainer_teacher_view,
        name="trainer-teacher",
    ),
    path(
        "app/trainer/p/<dbid:placement_id>/teachers/<dbid:participant_id>/extra-attempt/",
        trainer_views.trainer_extra_attempt,
        name="trainer-extra-attempt",
    ),
    path(
        "app/trainer/p/<dbid:placement_id>/teachers/<dbid:participant_id>/override/",
        trainer_views.trainer_score_override,
        name="trainer-score-override",
    ),
]
