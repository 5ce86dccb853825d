from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("app/notifications/", views.notification_settings, name="settings"),
    path("notifications/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
