"""Credentials: the teacher's list, public verification pages and JSON, trainer revocation."""

from __future__ import annotations

import textwrap

from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import escape
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from keys.services import public_jwk
from mastery.evidence import evidence_file_response
from pagesession.access import launch_required, trainer_required
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import see_other, tool_origin

from .issuing import (
    credential_reissue,
    credential_revoke,
    credentials_award,
    evidence_entries,
    shared_evidence,
)
from .models import Achievement, IssuedCredential
from .signing import credential_verify, issuer_profile
from .status_lists import (
    STATUS_CACHE_SECONDS,
    status_list_credential,
    status_list_token,
    status_lists,
)


def _issued(public_id) -> IssuedCredential:
    issued = (
        IssuedCredential.objects.select_related("achievement", "participant")
        .filter(public_id=public_id)
        .first()
    )
    if issued is None:
        raise Http404("No such credential")
    return issued


@require_safe
@launch_required
def my_credentials(request):
    credentials_award(
        participant=request.launch.participant,
        cohort_id=request.launch.claims.cohort_id,
        origin=tool_origin(request),
    )
    issued = IssuedCredential.objects.filter(participant=request.launch.participant).select_related(
        "achievement"
    )
    achievements = Achievement.objects.exclude(issued__participant=request.launch.participant)
    return render(
        request,
        "credentials/credentials.html",
        {"issued": issued, "achievements": achievements},
    )


@require_safe
def credential_page(request, public_id):
    issued = _issued(public_id)
    valid, message = credential_verify(issued)
    response = render(
        request,
        "credentials/credential_verify.html",
        {
            "issued": issued,
            "valid": valid,
            "message": message,
            "evidence": evidence_entries(issued),
        },
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def credential_evidence_file(request, public_id, evidence_id: int):
    """An evidence file named by a credential, only while its earner shows evidence publicly."""
    issued = _issued(public_id)
    submission = shared_evidence(issued).get(evidence_id)
    if submission is None or not submission.file:
        raise Http404("This evidence is not shared")
    response = evidence_file_response(
        submission, filename=f"evidence-{public_id}-{evidence_id}", cache="no-store"
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@require_POST
@launch_required
def credential_sharing(request, credential_id: int):
    """The earner shows or hides their evidence on the public verification page."""
    issued = IssuedCredential.objects.filter(
        pk=credential_id, participant=request.launch.participant
    ).first()
    if issued is None:
        raise Http404("No such credential of yours")
    share = request.POST.get("share") == "1"
    IssuedCredential.objects.filter(pk=issued.pk).update(evidence_public=share)
    return see_other(lurl({"launch": request.launch}, "my-credentials"))


@require_safe
def credential_json(request, public_id):
    issued = _issued(public_id)
    response = JsonResponse(issued.credential, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'inline; filename="credential-{public_id}.json"'
    return response


@require_safe
def credential_jwt(request, public_id):
    issued = _issued(public_id)
    response = HttpResponse(issued.jwt, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="credential-{public_id}.jwt"'
    return response


def _public(response, *, max_age: int = 300):
    """Public, machine-read documents (any origin may read them: CORS_URLS_REGEX)."""
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


@require_safe
def issuer_json(request):
    """The issuer's Open Badges Profile; the `issuer.id` of every credential points here."""
    return _public(
        JsonResponse(issuer_profile(tool_origin(request)), json_dumps_params={"indent": 2})
    )


@require_safe
def credential_key(request, kid: str):
    """A public key that signs (or signed) credentials, as a JWK: the `kid` of their header."""
    jwk = public_jwk(kid)
    if jwk is None:
        raise Http404("No such key")
    return _public(JsonResponse(jwk), max_age=3600)


@require_safe
def credential_status(request, list_no: int):
    """A signed revocation list (W3C Bitstring Status List, as a VC-JWT).

    `?format=json` gives the same credential unsigned, for people reading it."""
    if list_no not in range(1, status_lists() + 1):
        raise Http404("No such status list")
    origin = tool_origin(request)
    if request.GET.get("format") == "json":
        credential = status_list_credential(origin, list_no)
        return _public(JsonResponse(credential, json_dumps_params={"indent": 2}), max_age=60)
    token = status_list_token(origin, list_no)
    return _public(
        HttpResponse(token, content_type="application/vc+jwt"), max_age=STATUS_CACHE_SECONDS
    )


@require_safe
def achievement_page(request, slug):
    achievement = Achievement.objects.filter(slug=slug).first()
    if achievement is None:
        raise Http404("No such achievement")
    return render(request, "credentials/achievement.html", {"achievement": achievement})


# The title sits in the badge's lower half, below the flame: a band about 118 units wide
# (the inner ring's chord there). Average sans-serif glyphs are a little over half the font
# size wide, so a size gives a line length; the largest size whose wrapped lines fit is used.
_BADGE_TEXT_WIDTH = 118
_BADGE_SIZES = ((13, 2), (12, 2), (11, 3), (10, 3), (9, 3), (8, 4), (7, 4), (6, 4))


def badge_title_lines(name: str) -> tuple[int, list[str]]:
    """The font size and the lines that fit `name` inside the badge: wrapped at words and
    shrunk as needed; a name too long even at the smallest size ends with an ellipsis (the
    full name stays in the image's accessible name)."""
    name = " ".join(name.split())
    for size, most in _BADGE_SIZES:
        width = int(_BADGE_TEXT_WIDTH / (0.56 * size))
        lines = textwrap.wrap(name, width, break_long_words=True) or [""]
        if len(lines) <= most:
            return size, lines
    lines = lines[:most]
    lines[-1] = lines[-1][: width - 1].rstrip() + "\u2026"
    return size, lines


def achievement_svg(achievement: Achievement, *, baked_jwt: str = "") -> str:
    """The badge image. With `baked_jwt`, an Open Badges 3.0 baked SVG: the namespace on the
    <svg> element and, directly after it, <openbadges:credential verify="<compact JWS>">."""
    words = escape(achievement.name)
    namespace = ' xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' if baked_jwt else ""
    baked = (
        f'<openbadges:credential verify="{escape(baked_jwt)}"></openbadges:credential>'
        if baked_jwt
        else ""
    )
    size, lines = badge_title_lines(achievement.name)
    step = round(size * 1.2, 1)
    first = round(148 - step * (len(lines) - 1) / 2, 1)  # the block centred on y=148
    spans = "".join(
        f'<tspan x="100" y="{round(first + i * step, 1)}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg"{namespace} viewBox="0 0 200 200" role="img" '
        f'aria-label="{words}">{baked}<title>{words}</title>'
        '<circle cx="100" cy="100" r="96" fill="#0b5cad"/>'
        '<circle cx="100" cy="100" r="84" fill="none" stroke="#fff" stroke-width="3"/>'
        '<path d="M103 40c3 14-9 19-9 31 0 6 4 10 7 10-1-5 2-10 6-13 0 9 9 12 9 21 '
        '0 11-8 18-17 18s-18-8-18-20c0-20 22-27 22-47z" fill="#fff"/>'
        f'<text text-anchor="middle" font-family="sans-serif" font-size="{size}" '
        f'fill="#fff" data-testid="badge-title">{spans}</text></svg>'
    )


@require_safe
def achievement_image(request, slug):
    achievement = Achievement.objects.filter(slug=slug).first()
    if achievement is None:
        raise Http404("No such achievement")
    return HttpResponse(achievement_svg(achievement), content_type="image/svg+xml")


@require_safe
def credential_badge(request, public_id):
    """The badge image with the signed credential baked in (Open Badges 3.0 SVG baking)."""
    issued = _issued(public_id)
    response = HttpResponse(
        achievement_svg(issued.achievement, baked_jwt=issued.jwt), content_type="image/svg+xml"
    )
    response["Content-Disposition"] = f'attachment; filename="badge-{public_id}.svg"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@trainer_required
def credential_revoke_view(request, credential_id: int):
    """GET: what revoking does, and a required reason; POST with a reason: revoke. The public
    verification page shows the revocation at once, with this reason, so it is never one
    click and never without a reason."""
    issued = (
        IssuedCredential.objects.select_related("achievement", "participant")
        .filter(pk=credential_id, cohort_id=request.launch.claims.cohort_id)
        .first()
    )
    if issued is None:
        raise Http404("No such credential in this course")
    reason = request.POST.get("reason", "").strip() if request.method == "POST" else ""
    if request.method == "POST" and reason and issued.revoked_at is None:
        credential_revoke(issued, by=request.launch.participant, reason=reason)
    if request.method == "POST" and (reason or issued.revoked_at is not None):
        return see_other(
            lurl({"launch": request.launch}, "dashboards:trainer-dashboard") + "#credentials"
        )
    missing = request.method == "POST"
    return render(
        request,
        "credentials/revoke_confirm.html",
        {"issued": issued, "missing_reason": missing},
        status=400 if missing else 200,
    )


@require_POST
@trainer_required
def credential_reissue_view(request, credential_id: int):
    """Issue a revoked credential again (a new one: the revoked one stays revoked), if the
    teacher meets the criteria today."""
    issued = (
        IssuedCredential.objects.select_related("achievement", "participant")
        .filter(pk=credential_id, cohort_id=request.launch.claims.cohort_id)
        .first()
    )
    if issued is None:
        raise Http404("No such credential in this course")
    again = credential_reissue(issued, origin=tool_origin(request))
    outcome = "issued" if again else "not-qualified"
    url = lurl({"launch": request.launch}, "dashboards:trainer-dashboard")
    return see_other(f"{url}&reissue={outcome}#credentials")
