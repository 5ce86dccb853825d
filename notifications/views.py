"""The person's email settings (from a launch) and the unsubscribe link (from an email, no
login: the signed token in the link is the only key)."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from courses.models import Participant
from pagesession.access import launch_is_trainer, launch_required

from .models import OptOut
from .services import (
    TEACHER,
    TRAINER,
    kind_label,
    kinds,
    opt_out,
    preferences_set,
    unsubscribe_read,
)


def _mask(email: str) -> str:
    """m•••@district.org: enough for the person to recognise, little for anyone else."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "your address"


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def notification_settings(request):
    participant = request.launch.participant
    audiences = (TEACHER, TRAINER) if launch_is_trainer(request.launch) else (TEACHER,)
    offered = kinds(audiences=audiences)
    saved = False
    if request.method == "POST":
        preferences_set(
            participant=participant,
            kinds_on={k.name for k in offered if request.POST.get(f"kind-{k.name}") == "on"},
            all_on=request.POST.get("all") == "on",
            kinds_offered=[k.name for k in offered],
        )
        saved = True
    current = set(OptOut.objects.filter(participant=participant).values_list("kind", flat=True))
    return render(
        request,
        "notifications/settings.html",
        {
            "email": participant.email,
            "all_on": OptOut.ALL not in current,
            "kinds": [(k, k.name not in current) for k in offered],
            "saved": saved,
        },
    )


@csrf_exempt  # the signed token is the credential; mail clients' one-click POST has no cookie
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token: str):
    found = unsubscribe_read(token)
    participant = (
        Participant.objects.filter(pk=found[0]).only("pk", "email").first() if found else None
    )
    if participant is None:
        return render(
            request,
            "notifications/unsubscribe.html",
            {"invalid": True},
            status=400 if found is None else 404,
        )
    kind = found[1]
    done = None
    if request.method == "POST":
        # One-click from a mail client (RFC 8058) or the button on this page: this kind; the
        # page's second button turns off everything.
        chosen = OptOut.ALL if request.POST.get("scope") == "all" else kind
        opt_out(participant=participant, kind=chosen)
        done = kind_label(chosen)
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "what": kind_label(kind),
            "is_all": kind == OptOut.ALL,
            "email": _mask(participant.email),
            "done": done,
        },
    )
