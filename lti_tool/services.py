"""Map a validated launch onto participant, cohort, placement and membership."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, connection, connections, models, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from courses.content import REVIEW_ITEMS, REVIEW_WHEN
from courses.models import Cohort, Membership, Module, Participant, Placement, Role
from pagesession.launch_token import LaunchClaims
from prepared import Prepared, insert_columns, insert_params, run_together_after

from .constants import (
    CLAIM_AGS_ENDPOINT,
    CLAIM_CONTEXT,
    CLAIM_CUSTOM,
    CLAIM_NRPS,
    CLAIM_RESOURCE_LINK,
    CLAIM_ROLES,
    MESSAGE_RESOURCE_LINK,
)
from .launch import ValidLaunch
from .models import LtiContext, LtiResourceLink, LtiUser
from .person_names import person_fields
from .roles import role_from_claims

logger = logging.getLogger("ignite.lti")
LAST_LAUNCH_RESOLUTION = timedelta(seconds=60)


# Custom parameters an LMS admin can set on a link to override the module's mastery policy.
_POLICY_PARAMS = {
    "mastery_threshold": ("threshold", 1, 100),
    "mastery_max_attempts": ("max_attempts", 0, 100),
    "mastery_wait_minutes": ("wait_minutes", 0, 60 * 24 * 30),
    "mastery_questions": ("questions_per_attempt", 1, 50),
}


# What a result page reveals and when (mastery/review.py), and lessons before the check.
_REVIEW_PARAMS = {f"mastery_review_{item}": item for item in REVIEW_ITEMS}
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def mastery_policy_from_custom(custom: dict) -> dict | None:
    """The placement's policy overrides from the link's custom parameters; None if the link
    names none (leave what is stored). Values out of range are ignored, and logged."""
    named = (*_POLICY_PARAMS, "mastery_score_policy", "mastery_require_lessons", *_REVIEW_PARAMS)
    if not any(k in custom for k in named):
        return None
    policy = {}
    for param, (key, low, high) in _POLICY_PARAMS.items():
        raw = custom.get(param)
        if raw is None or raw == "":
            continue
        try:
            value = int(str(raw).strip())
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            logger.warning("ignored custom %s=%r (expected %s to %s)", param, raw, low, high)
            continue
        policy[key] = value
    score_policy = custom.get("mastery_score_policy")
    if score_policy in ("highest", "latest"):
        policy["score_policy"] = score_policy
    elif score_policy not in (None, ""):
        logger.warning("ignored custom mastery_score_policy=%r", score_policy)
    require = custom.get("mastery_require_lessons")
    if str(require).strip().lower() in _BOOLEANS:
        policy["require_lessons"] = _BOOLEANS[str(require).strip().lower()]
    elif require not in (None, ""):
        logger.warning("ignored custom mastery_require_lessons=%r", require)
    review = {}
    for param, item in _REVIEW_PARAMS.items():
        when = custom.get(param)
        if when in REVIEW_WHEN:
            review[item] = when
        elif when not in (None, ""):
            logger.warning("ignored custom %s=%r", param, when)
    if review:
        policy["review"] = review
    return policy


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _mapped(model: type[models.Model], lookup: dict, target: str, make_target: Callable[[], dict]):
    """get_or_create for a mapping row whose creation also creates its one-to-one target.

    Two first launches of the same person can race; the loser's insert fails on the unique
    constraint inside a savepoint (rolling back its orphan target) and reads the winner's row.
    """
    try:
        return model.objects.select_related(target).get(**lookup), False
    except model.DoesNotExist:
        pass
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, **make_target()), True
    except IntegrityError:
        return model.objects.get(**lookup), False


def placements_plan(*, cohort_id: int, modules: list[tuple[str, str]]) -> list[Placement]:
    """Placements for the modules Ignite just returned to the LMS in a deep-linking response
    (slug, title): the links are in the course now, although the LMS tells their ids only at
    their first launch. Until then they are "placed, not opened yet" (no resource link); the
    first launch of a link to the module adopts one (_placement_for_new_link)."""
    return [
        Placement.objects.create(cohort_id=cohort_id, module_slug=slug[:100], title=title[:255])
        for slug, title in modules
    ]


def _placement_for_new_link(cohort: Cohort, values: dict, *, resource_link_id: str) -> Placement:
    """The placement for a link launched for the first time: the one learned from this link's
    line item (LtiPlannedLink with its resourceLinkId), else one placed by deep linking for the
    same module and not yet opened (its due date and settings carry over), else a new one.
    A placement learned for another link id is never taken. skip_locked: two new links racing
    never adopt the same placement; `of=self` locks the placement row only (PostgreSQL refuses
    FOR UPDATE on the nullable side of the outer join that `lti_link__isnull` makes)."""
    waiting = Placement.objects.select_for_update(skip_locked=True, of=("self",)).filter(
        cohort=cohort, lti_link__isnull=True
    )
    if resource_link_id:
        planned = (
            waiting.filter(planned_link__resource_link_id=resource_link_id).order_by("pk").first()
        )
        if planned is not None:
            return planned
    slug = values.get("module_slug")
    if slug:
        unclaimed = Q(planned_link__isnull=True) | Q(planned_link__resource_link_id="")
        adopted = waiting.filter(unclaimed, module_slug=slug).order_by("pk").first()
        if adopted is not None:
            return adopted
    return Placement.objects.create(cohort=cohort, **values)


def _update(obj: models.Model, **values) -> None:
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    for name in changed:
        setattr(obj, name, values[name])
    if changed:
        obj.save(update_fields=[*changed, "updated_at"])


@dataclass(frozen=True)
class Landing:
    """A recorded launch and where it lands: the placed module's page when the link places a
    module that was imported, else /app/ (the cohort's modules)."""

    claims: LaunchClaims
    module_placed: bool


def launch_land(*, launch: ValidLaunch) -> Landing:
    """Record the launch (as `launch_record`) and say whether it lands on a module page, so the
    launch redirects there at once instead of through /app/ (one request fewer per landing,
    and no second lookup of the placement and module)."""
    claims, module_placed = _launch_landing(launch)
    return Landing(claims=claims, module_placed=module_placed)


def launch_record(*, launch: ValidLaunch) -> LaunchClaims:
    """Create or update the people and places a launch names; return the launch token claims.

    Every launch reads the rows it names, so what an admin or a roster sync changed since
    (a membership made inactive, a person erased) is seen at once. A teacher back on another
    day costs three reads and one update; a relaunch within the minute writes nothing ("last
    opened" is kept to the minute); unchanged rows are never rewritten.
    """
    return _launch_landing(launch)[0]


def _first(queryset):
    # `.first()` would add ORDER BY id: a lookup by a unique key needs no order.
    return next(iter(queryset[:1]), None)


# The returning launch's statements, compiled once per connection (prepared/).
_USER = Prepared(
    "launch-user",
    lambda platform_id, sub: LtiUser.objects.select_related("participant").filter(
        platform_id=platform_id, sub=sub
    )[:1],
    {"platform_id": LtiUser._meta.get_field("platform"), "sub": LtiUser._meta.get_field("sub")},
)
_LINK = Prepared(
    "launch-link",
    # A returning link: context, cohort, link, placement and whether its module was imported.
    lambda deployment_id, context_id, link_id: (
        LtiResourceLink.objects.select_related("context__cohort", "placement")
        .annotate(
            module_ready=Exists(
                Module.objects.filter(
                    slug=OuterRef("placement__module_slug"), current__isnull=False
                )
            )
        )
        .filter(
            context__deployment_id=deployment_id,
            context__context_id=context_id,
            resource_link_id=link_id,
        )[:1]
    ),
    {
        "deployment_id": LtiContext._meta.get_field("deployment"),
        "context_id": LtiContext._meta.get_field("context_id"),
        "link_id": LtiResourceLink._meta.get_field("resource_link_id"),
    },
)
_MEMBERSHIP_FIELDS = {
    "participant_id": Membership._meta.get_field("participant"),
    "cohort_id": Membership._meta.get_field("cohort"),
}
# "Seen" for a membership: unless already current ("last opened" is kept to the minute), it is
# made active with this role, opened now. Named by ids, or (below) by the launch's keys.
_SEEN_FIELDS = {
    "role": Membership._meta.get_field("role"),
    "since": Membership._meta.get_field("last_launch_at"),
    "now": Membership._meta.get_field("last_launch_at"),
}


def _stale(memberships, role, since):
    return memberships.exclude(
        role=role, status=Membership.Status.ACTIVE, last_launch_at__gte=since
    )


def _seen(*, role, now, **_names):
    return {"role": role, "status": Membership.Status.ACTIVE, "last_launch_at": now}


_MEMBERSHIP_SEEN = Prepared(
    "launch-membership-seen",
    lambda participant_id, cohort_id, role, since, now: _stale(
        Membership.objects.filter(participant_id=participant_id, cohort_id=cohort_id), role, since
    ),
    {**_MEMBERSHIP_FIELDS, **_SEEN_FIELDS},
    kind="update",
    update=_seen,
)
# The same for a returning link, run before the launch's read in one statement on PostgreSQL
# (prepared.run_together_after), so its membership is named by the launch's keys.
_MEMBERSHIP_SEEN_BY_KEYS = Prepared(
    "launch-membership-seen-by-keys",
    lambda platform_id, sub, deployment_id, context_id, role, since, now: _stale(
        Membership.objects.filter(
            participant_id=Subquery(
                LtiUser.objects.filter(platform_id=platform_id, sub=sub).values("participant_id")[
                    :1
                ]
            ),
            cohort_id=Subquery(
                LtiContext.objects.filter(
                    deployment_id=deployment_id, context_id=context_id
                ).values("cohort_id")[:1]
            ),
        ),
        role,
        since,
    ),
    {
        "platform_id": LtiUser._meta.get_field("platform"),
        "sub": LtiUser._meta.get_field("sub"),
        "deployment_id": LtiContext._meta.get_field("deployment"),
        "context_id": LtiContext._meta.get_field("context_id"),
        **_SEEN_FIELDS,
    },
    kind="update",
    update=_seen,
)
_MEMBERSHIP_EXISTS = Prepared(
    "launch-membership-exists",
    lambda participant_id, cohort_id: Membership.objects.filter(
        participant_id=participant_id, cohort_id=cohort_id
    ),
    _MEMBERSHIP_FIELDS,
    kind="exists",
)


def _launch_landing(launch: ValidLaunch) -> tuple[LaunchClaims, bool]:
    """Create or update the people and places a launch names; return the launch token claims
    and whether the placement names an imported module.

    Not one transaction on purpose: a returning launch reads without locks and writes one
    row (the membership), so launches don't queue behind each other's write locks. Each
    creation is atomic with its mapping row, and a launch interrupted half-way is completed
    by the next one.
    """
    claims = launch.claims
    person = person_fields(claims)  # plain-text names (lti_tool/person_names.py)
    custom_claim = claims.get(CLAIM_CUSTOM) if isinstance(claims.get(CLAIM_CUSTOM), dict) else {}
    # The school, where the LMS names one in a custom parameter (`school=$Canvas...`, or a
    # roster field an admin maps): the program view's breakdown by school.
    person["school"] = _text(custom_claim.get("school"), 255)
    user_lookup = {"platform": launch.platform, "sub": _text(claims.get("sub"))}
    user_values = {"platform_id": launch.platform.pk, "sub": user_lookup["sub"]}
    context = claims.get(CLAIM_CONTEXT) if isinstance(claims.get(CLAIM_CONTEXT), dict) else {}
    nrps = claims.get(CLAIM_NRPS) if isinstance(claims.get(CLAIM_NRPS), dict) else {}
    link_claim = (
        claims.get(CLAIM_RESOURCE_LINK) if isinstance(claims.get(CLAIM_RESOURCE_LINK), dict) else {}
    )
    known_link = None
    role = role_from_claims(claims.get(CLAIM_ROLES))
    now = timezone.now()
    seen_values = {"role": role, "since": now - LAST_LAUNCH_RESOLUTION, "now": now}
    updated = None  # the membership's update not run yet
    if launch.message_type == MESSAGE_RESOURCE_LINK:
        # A returning teacher's membership made current ("last opened" now, this role, active:
        # nothing when already current), and the person and a returning link (context,
        # cohort, link, placement and whether its module was imported): on PostgreSQL one
        # statement, one round trip. A person or course seen for the first time updates
        # nothing here; they are created below. On SQLite only the read runs here
        # (`updated` None): the membership is updated below by ids, as for other messages.
        updated, (user, known_link) = run_together_after(
            (
                _MEMBERSHIP_SEEN_BY_KEYS,
                {
                    **user_values,
                    "deployment_id": launch.deployment.pk,
                    "context_id": _text(context.get("id")),
                    **seen_values,
                },
            ),
            (_USER, user_values),
            (
                _LINK,
                {
                    "deployment_id": launch.deployment.pk,
                    "context_id": _text(context.get("id")),
                    "link_id": _text(link_claim.get("id")),
                },
            ),
        )
    else:
        user = next(iter(_USER.run(**user_values)), None)
    if user is not None:
        # Platforms may omit personal data on some launches: never erase what we know.
        _update(user.participant, **{k: v for k, v in person.items() if v})
    cohort_values = {
        k: v
        for k, v in {
            "title": _text(context.get("title")),
            "label": _text(context.get("label")),
        }.items()
        if v
    }
    # The course's line items (AGS): what the trainer dashboard learns placed links from.
    ags = claims.get(CLAIM_AGS_ENDPOINT) if isinstance(claims.get(CLAIM_AGS_ENDPOINT), dict) else {}
    context_ags = {}
    if _text(ags.get("lineitems"), 1000):
        context_ags = {
            "lineitems_url": _text(ags.get("lineitems"), 1000),
            "ags_scopes": [s for s in ags.get("scope", []) if isinstance(s, str)][:10]
            if isinstance(ags.get("scope"), list)
            else [],
        }
    if known_link is not None:
        lti_context = known_link.context
    else:
        # A new course is created with its title: one insert, not an insert and an update.
        lti_context, _ = _mapped(
            LtiContext,
            {"deployment": launch.deployment, "context_id": _text(context.get("id"))},
            "cohort",
            lambda: {"cohort": Cohort.objects.create(**cohort_values), **context_ags},
        )
    cohort = lti_context.cohort
    _update(cohort, **cohort_values)
    memberships_url = _text(nrps.get("context_memberships_url"), 1000)
    if memberships_url and memberships_url != lti_context.memberships_url:
        lti_context.memberships_url = memberships_url
        lti_context.save(update_fields=["memberships_url"])
    changed = [k for k, v in context_ags.items() if getattr(lti_context, k) != v]
    if changed:
        for k in changed:
            setattr(lti_context, k, context_ags[k])
        lti_context.save(update_fields=changed)

    placement = None
    module_placed = False
    if launch.message_type == MESSAGE_RESOURCE_LINK:
        link = claims[CLAIM_RESOURCE_LINK]
        custom = claims.get(CLAIM_CUSTOM) if isinstance(claims.get(CLAIM_CUSTOM), dict) else {}
        values = {"title": _text(link.get("title"))}
        module = custom.get("module") or custom.get("ignite_module")
        if isinstance(module, str) and module:
            values["module_slug"] = module[:100]
        policy = mastery_policy_from_custom(custom)
        if policy is not None:
            values["mastery_policy"] = policy
        values = {k: v for k, v in values.items() if v or k == "mastery_policy"}
        ags_values = {
            "lineitem_url": _text(ags.get("lineitem"), 1000),
            "lineitems_url": _text(ags.get("lineitems"), 1000),
            "ags_scopes": [s for s in ags.get("scope", []) if isinstance(s, str)]
            if isinstance(ags.get("scope"), list)
            else [],
        }
        # A new link and its placement are created with what the launch says: one insert
        # each, no update right after.
        lti_link = (
            known_link
            or _mapped(
                LtiResourceLink,
                {"context": lti_context, "resource_link_id": _text(link.get("id"))},
                "placement",
                lambda: {
                    "placement": _placement_for_new_link(
                        cohort, values, resource_link_id=_text(link.get("id"))
                    ),
                    **ags_values,
                },
            )[0]
        )
        placement = lti_link.placement
        slug_read = "" if known_link is None else placement.module_slug
        _update(placement, **values)
        if known_link is not None and placement.module_slug == slug_read:
            module_placed = known_link.module_ready
        elif placement.module_slug:  # a new link, or the link now names another module
            module_placed = Module.objects.filter(
                slug=placement.module_slug, current__isnull=False
            ).exists()
        changed = [k for k, v in ags_values.items() if getattr(lti_link, k) != v]
        if changed:
            for k in changed:
                setattr(lti_link, k, ags_values[k])
            lti_link.save(update_fields=changed)

    if role == Role.TRAINER and lti_context.memberships_url:
        # Trainers open the dashboard next: have the worker bring a stale roster up to date.
        from .roster import roster_refresh_later

        roster_refresh_later(lti_context)
    seen = _seen(**seen_values)
    if user is None:
        # A first launch: the person, their LMS identity and their membership in one write
        # transaction (one lock on SQLite, one commit on PostgreSQL).
        try:
            participant = _first_launch_rows(
                person=person, user_lookup=user_lookup, cohort=cohort, seen=seen
            )
            return _claims(launch, participant, cohort, placement, role), module_placed
        except IntegrityError:  # the same person's other tab got there first
            user = LtiUser.objects.select_related("participant").get(**user_lookup)
            updated = None  # the read's update came before their membership: update it now
    participant = user.participant
    # One statement for a teacher back on another day: update the membership unless it is
    # already current ("last opened" is kept to the minute: a relaunch within it writes
    # nothing). Only when nothing was updated do we need to know whether it exists.
    ids = {"participant_id": participant.pk, "cohort_id": cohort.pk}
    if updated is None:
        updated = _MEMBERSHIP_SEEN.run(**ids, **seen_values)
    if not updated and not _MEMBERSHIP_EXISTS.run(**ids):
        try:
            with transaction.atomic():
                Membership.objects.create(participant=participant, cohort=cohort, **seen)
        except IntegrityError:  # the same person's other tab got there first
            Membership.objects.filter(participant=participant, cohort=cohort).update(**seen)
    return _claims(launch, participant, cohort, placement, role), module_placed


def _first_launch_rows(*, person: dict, user_lookup: dict, cohort: Cohort, seen: dict):
    """A person's first launch: the participant, their LMS identity and their membership,
    written together or not at all. On PostgreSQL one statement (three inserts in a WITH: one
    round trip, its own transaction); elsewhere one transaction of three inserts. Raises
    IntegrityError when the same person's other tab got there first (nothing written)."""
    participant = Participant(**person)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            participant.save(force_insert=True)
            LtiUser.objects.create(**user_lookup, participant=participant)
            Membership.objects.create(participant=participant, cohort=cohort, **seen)
        return participant
    params = insert_params(participant)
    for row in (LtiUser(**user_lookup), Membership(cohort=cohort, **seen)):
        params += insert_params(row, skip=("participant",))
    # In a caller's transaction, a savepoint: a refused insert then undoes only these rows.
    with transaction.atomic() if connection.in_atomic_block else nullcontext():
        with connection.cursor() as cursor:
            cursor.execute(_first_launch_sql(connection.alias), params)
            (participant.pk,) = cursor.fetchone()
    participant._state.adding, participant._state.db = False, connection.alias
    return participant


@lru_cache(maxsize=4)
def _first_launch_sql(using: str) -> str:
    """`_first_launch_rows`' statement on PostgreSQL: its shape is fixed, so built once."""
    quote = connections[using].ops.quote_name
    (p_names, p_values), (u_names, u_values), (m_names, m_values) = (
        insert_columns(Participant, using=using),
        insert_columns(LtiUser, skip=("participant",), using=using),
        insert_columns(Membership, skip=("participant",), using=using),
    )

    def table(model) -> str:
        return quote(model._meta.db_table)

    def column(model) -> str:
        return quote(model._meta.get_field("participant").column)

    # Only the models' quoted names are joined; every value is a parameter.
    return (
        f"WITH ignite_person AS (INSERT INTO {table(Participant)} ({', '.join(p_names)}) "  # noqa: S608
        f"VALUES ({', '.join(p_values)}) RETURNING {quote('id')} AS id), "
        f"ignite_identity AS (INSERT INTO {table(LtiUser)} "
        f"({', '.join(u_names)}, {column(LtiUser)}) "
        f"SELECT {', '.join(u_values)}, id FROM ignite_person), "
        f"ignite_membership AS (INSERT INTO {table(Membership)} "
        f"({', '.join(m_names)}, {column(Membership)}) "
        f"SELECT {', '.join(m_values)}, id FROM ignite_person) "
        "SELECT id FROM ignite_person"
    )


def _claims(launch: ValidLaunch, participant, cohort, placement, role: str) -> LaunchClaims:
    return LaunchClaims(
        platform_id=launch.platform.pk,
        deployment_id=launch.deployment.pk,
        participant_id=participant.pk,
        cohort_id=cohort.pk,
        placement_id=placement.pk if placement else None,
        role=role,
    )
