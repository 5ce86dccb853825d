from django.urls import path

from . import views

app_name = "courses"

urlpatterns = [
    path("app/modules/", views.cohort_page, name="cohort"),
    path("app/catalog/", views.catalog_page, name="catalog"),
    path("app/p/<int:placement_id>/", views.module_page, name="module"),
    path(
        "app/p/<int:placement_id>/lessons/<slug:lesson_slug>/",
        views.lesson_page,
        name="lesson",
    ),
    path(
        "app/p/<int:placement_id>/lessons/<slug:lesson_slug>/complete/",
        views.lesson_complete_view,
        name="lesson-complete",
    ),
]
