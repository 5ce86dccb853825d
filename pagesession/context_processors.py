from django.conf import settings

from .launch_token import PARAM


def launch(request):
    current = getattr(request, "launch", None)
    return {
        "launch": current,
        "lt_param": PARAM,
        "lt": current.token if current else "",
        "time_zone_source": time_zone_source(current),
    }


def time_zone_source(current) -> str:
    """Whose zone the page's times are in: the launch's platform's, the server's TIME_ZONE set
    by the operator, else the reader's browser (times.js rewrites the UTC text it is sent)."""
    if current and getattr(current, "time_zone", None) is not None:
        return "platform"
    return "server" if settings.IGNITE_TIME_ZONE_CHOSEN else "browser"
