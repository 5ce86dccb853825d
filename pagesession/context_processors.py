from .launch_token import PARAM


def launch(request):
    current = getattr(request, "launch", None)
    return {"launch": current, "lt_param": PARAM, "lt": current.token if current else ""}
