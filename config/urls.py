from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from keys.views import jwks_view
from lti_tool import errors_views

urlpatterns = [
    path(".well-known/jwks.json", jwks_view, name="jwks"),
    path("admin/", admin.site.urls),
    path("", include("operations.urls")),
    path("", include("lti_tool.urls")),
    path("", include("courses.urls")),
    path("", include("notifications.urls")),
    path("", include("mastery.urls")),
    path("", include("facilitation.urls")),
    path("", include("exchange.urls")),
    path("", include("cohortsessions.urls")),
    path("", include("coaching.urls")),
    path("", include("credentials.urls")),
    path("", include("dashboards.urls")),
    path("", include("reporting.urls")),
]

if settings.IGNITE_DEV_PLATFORM:
    urlpatterns.append(path("dev/platform/", include("devplatform.urls")))

handler400 = errors_views.bad_request
handler403 = errors_views.permission_denied
handler404 = errors_views.page_not_found
handler500 = errors_views.server_error
