"""Names and Role Provisioning Services 2.0: keep a cohort's membership current.

The roster comes from the context's `context_memberships_url` (from the launch's NRPS claim),
page by page (`Link: rel="next"`). Every member becomes a participant and a membership, also
those who never launched Ignite; members the platform marks inactive or deleted, and members no
longer on the roster, are kept as inactive (their work stays).

A synced roster counts as fresh for IGNITE_ROSTER_TTL seconds. The trainer dashboard syncs in
the request only the first time (so the roster is there at once); after that it shows what
Ignite has. A stale roster is refreshed by the worker, asked by a trainer's launch or by the
dashboard, so a slow or unreachable LMS never holds up a page.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from courses.models import Membership, Participant
from dashboards.roster import RosterPanel

from .events import roster_synced
from .models import LtiContext, LtiUser
from .person_names import person_fields, roster_name_changes
from .roles import role_from_claims
from .services_http import SCOPE_NRPS, PlatformClient, ServiceError

logger = logging.getLogger("ignite.lti")
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_MEMBERS = 20_000


@dataclass
class RosterSync:
    members: int = 0  # on the roster
    added: int = 0  # participants seen for the first time
    inactive: int = 0  # marked inactive (by the platform, or gone from the roster)
    cached: bool = False
    error: str = ""


def roster_is_fresh(context: LtiContext) -> bool:
    synced = context.roster_synced_at
    return synced is not None and timezone.now() - synced < timedelta(
        seconds=settings.IGNITE_ROSTER_TTL
    )


def _text(value, limit=255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def roster_fetch(context: LtiContext, client: PlatformClient | None = None) -> list[dict]:
    platform = context.deployment.platform
    client = client or PlatformClient(platform)
    members: list[dict] = []
    for page in client.get_pages(
        context.memberships_url, (SCOPE_NRPS,), accept=NRPS_MEDIA_TYPE, what="roster"
    ):
        batch = page.get("members") if isinstance(page, dict) else None
        if not isinstance(batch, list):
            raise ServiceError("roster: a page has no members list", permanent=True)
        members += [m for m in batch if isinstance(m, dict) and isinstance(m.get("user_id"), str)]
        if len(members) > MAX_MEMBERS:
            raise ServiceError(f"roster: more than {MAX_MEMBERS} members", permanent=True)
    return members


def roster_sync(context: LtiContext, *, force: bool = False) -> RosterSync:
    """Bring the cohort's memberships in line with the platform's roster."""
    if not context.memberships_url:
        return RosterSync(error="This course's LMS did not offer its roster (no NRPS).")
    if not force and roster_is_fresh(context):
        return RosterSync(cached=True)
    try:
        members = roster_fetch(context)
    except ServiceError as exc:
        logger.warning("roster sync failed for context %s: %s", context.pk, exc)
        context.roster_error = str(exc)[:500]
        LtiContext.objects.filter(pk=context.pk).update(roster_error=context.roster_error)
        roster_synced.send(sender=LtiContext, outcome="error")
        return RosterSync(error=str(exc))
    result = _roster_apply(context, members)
    context.roster_synced_at, context.roster_error = timezone.now(), ""
    LtiContext.objects.filter(pk=context.pk).update(
        roster_synced_at=context.roster_synced_at, roster_error=""
    )
    roster_synced.send(sender=LtiContext, outcome="ok")
    return result


def roster_refresh_later(context: LtiContext) -> bool:
    """Ask the worker to sync a stale roster (at most one request a minute per course)."""
    if not context.memberships_url or roster_is_fresh(context):
        return False
    if not cache.add(f"lti:roster:queued:{context.pk}", 1, 60):
        return False
    from .tasks import sync_roster

    try:
        sync_roster.enqueue(context.pk)
    except Exception:  # noqa: BLE001 - the page still shows the roster Ignite has
        logger.warning("could not enqueue a roster sync", exc_info=True)
        return False
    return True


@transaction.atomic
def _roster_apply(context: LtiContext, members: list[dict]) -> RosterSync:
    platform = context.deployment.platform
    cohort = context.cohort
    result = RosterSync(members=len(members))
    seen: set[int] = set()
    known = {
        user.sub: user
        for user in LtiUser.objects.filter(
            platform=platform, sub__in=[m["user_id"] for m in members]
        ).select_related("participant")
    }
    # People who have launched Ignite keep the name their launches sent (person_names.py).
    launched = set(
        Membership.objects.filter(
            participant_id__in=[user.participant_id for user in known.values()],
            last_launch_at__isnull=False,
        ).values_list("participant_id", flat=True)
    )
    for member in members:
        sub = _text(member["user_id"])
        person = person_fields(member)
        user = known.get(sub)
        if user is None:
            try:
                with transaction.atomic():
                    participant = Participant.objects.create(**person)
                    user = LtiUser.objects.create(
                        platform=platform, sub=sub, participant=participant
                    )
                result.added += 1
            except IntegrityError:  # a launch created it meanwhile
                user = LtiUser.objects.select_related("participant").get(platform=platform, sub=sub)
        participant = user.participant
        changed = roster_name_changes(
            current={k: getattr(participant, k) for k in person},
            roster=person,
            launched=participant.pk in launched,
        )
        if changed:
            Participant.objects.filter(pk=participant.pk).update(**changed)
        active = member.get("status", "Active") == "Active"
        status = Membership.Status.ACTIVE if active else Membership.Status.INACTIVE
        role = role_from_claims(member.get("roles"))
        membership, created = Membership.objects.get_or_create(
            participant=participant, cohort=cohort, defaults={"role": role, "status": status}
        )
        if not created and (membership.role, membership.status) != (role, status):
            Membership.objects.filter(pk=membership.pk).update(role=role, status=status)
        if not active:
            result.inactive += 1
        seen.add(participant.pk)
    gone = (
        Membership.objects.filter(cohort=cohort, status=Membership.Status.ACTIVE)
        .exclude(participant_id__in=seen)
        .update(status=Membership.Status.INACTIVE)
    )
    result.inactive += gone
    return result


def roster_panel_for_cohort(*, cohort_id: int, refresh: bool) -> RosterPanel:
    """The dashboard's roster (registered with dashboards/roster.py in LtiToolConfig.ready):
    synced now on a trainer's request or the first time, else refreshed by the worker."""
    context = (
        LtiContext.objects.select_related("deployment__platform", "cohort")
        .filter(cohort_id=cohort_id)
        .first()
    )
    panel = RosterPanel(context=context)
    if context is not None:
        first_time = context.roster_synced_at is None and not context.roster_error
        if refresh or first_time:
            panel.result = roster_sync(context, force=refresh)
        else:  # show what Ignite has; a stale roster is refreshed by the worker
            panel.refreshing = roster_refresh_later(context)
    return panel
