"""Links in the LMS course that nobody opened yet, learned from the course's AGS line items.

Ignite hears of an LMS link at its first launch. The LMS knows it earlier: every link Ignite
returned in deep linking carries a line item with `resourceId` "<module>:mastery" (and
`tag` "mastery"), which the course's line items container lists with the link's
`resourceLinkId` (lti_tool/deep_linking.py). For each such line item whose link Ignite does not
know, it makes a placement, "placed, not opened yet"; a placement deep linking already made for
the module is adopted rather than doubled. The first launch of the link takes that placement
(services._placement_for_new_link).

When: a trainer opening the dashboard (registered with dashboards/placements.py in
LtiToolConfig.ready). The first time for a course the line items are read in the request, so
the dashboard shows them at once; after that, once LINEITEMS_TTL has passed, the background
worker reads them (as the roster), so a slow or failing LMS never holds up the page.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from courses.models import Module, Placement
from dashboards.placements import PlacementsLearned

from .models import LtiContext, LtiLineItem, LtiPlannedLink, LtiResourceLink
from .services_http import (
    MEDIA_LINEITEMS,
    SCOPE_LINEITEM,
    SCOPE_LINEITEM_READONLY,
    PlatformClient,
    ServiceError,
)
from .tasks import learn_placements

logger = logging.getLogger("ignite.lti")
LINEITEMS_TTL = 300  # seconds between two readings of one course's line items
MAX_ITEMS = 2_000
TAG = "mastery"


def _scopes(context: LtiContext) -> tuple[str, ...]:
    """The narrowest scope the platform offered that lets Ignite list line items."""
    offered = set(context.ags_scopes or [])
    if SCOPE_LINEITEM_READONLY in offered and SCOPE_LINEITEM not in offered:
        return (SCOPE_LINEITEM_READONLY,)
    return (SCOPE_LINEITEM,)


def module_of(item: dict) -> str:
    """The module slug of one of Ignite's mastery line items ("" for any other item)."""
    resource_id = item.get("resourceId")
    if not isinstance(resource_id, str) or ":" not in resource_id:
        return ""
    slug, _, kind = resource_id.rpartition(":")
    tag = item.get("tag")
    if kind != TAG or (isinstance(tag, str) and tag and tag != TAG):
        return ""
    return slug[:100]


def lineitems_fetch(context: LtiContext, client: PlatformClient | None = None) -> list[dict]:
    client = client or PlatformClient(context.deployment.platform)
    items: list[dict] = []
    for page in client.get_pages(
        context.lineitems_url, _scopes(context), accept=MEDIA_LINEITEMS, what="listing line items"
    ):
        if not isinstance(page, list):
            raise ServiceError("line items: a page is not a list", permanent=True)
        items += [i for i in page if isinstance(i, dict) and isinstance(i.get("id"), str)]
        if len(items) > MAX_ITEMS:
            raise ServiceError(f"line items: more than {MAX_ITEMS}", permanent=True)
    return items


def placements_from_lineitems(context: LtiContext, items: list[dict]) -> int:
    """Make a not-yet-opened placement for each of Ignite's line items whose link Ignite does
    not know; return how many were made."""
    wanted = [(item, module_of(item)) for item in items]
    wanted = [(item, slug) for item, slug in wanted if slug]
    if not wanted:
        return 0
    ready = set(
        Module.objects.filter(
            slug__in={slug for _, slug in wanted}, current__isnull=False
        ).values_list("slug", flat=True)
    )
    links = set(
        LtiResourceLink.objects.filter(context=context).values_list("resource_link_id", flat=True)
    )
    known_urls = set(
        LtiPlannedLink.objects.filter(context=context).values_list("lineitem_url", flat=True)
    )
    known_urls |= set(
        LtiResourceLink.objects.filter(context=context)
        .exclude(lineitem_url="")
        .values_list("lineitem_url", flat=True)
    )
    known_urls |= set(
        LtiLineItem.objects.filter(resource_link__context=context).values_list("url", flat=True)
    )
    added = 0
    for item, slug in wanted:
        link_id = item.get("resourceLinkId") if isinstance(item.get("resourceLinkId"), str) else ""
        url = item["id"][:1000]
        if slug not in ready or url in known_urls or (link_id and link_id in links):
            continue
        try:
            with transaction.atomic():
                # A placement deep linking made for this module and nobody has claimed yet.
                placement = (
                    Placement.objects.select_for_update(skip_locked=True, of=("self",))
                    .filter(
                        Q(planned_link__isnull=True),
                        cohort_id=context.cohort_id,
                        module_slug=slug,
                        lti_link__isnull=True,
                    )
                    .order_by("pk")
                    .first()
                )
                if placement is None:
                    title = Module.objects.get(slug=slug).current.title
                    placement = Placement.objects.create(
                        cohort_id=context.cohort_id, module_slug=slug, title=title[:255]
                    )
                LtiPlannedLink.objects.create(
                    context=context,
                    placement=placement,
                    lineitem_url=url,
                    resource_link_id=link_id[:255],
                )
        except IntegrityError:  # another request learned it meanwhile
            continue
        known_urls.add(url)
        added += 1
    return added


def placements_learn(context: LtiContext) -> PlacementsLearned:
    """Read the course's line items now and make the placements they tell of."""
    context.lineitems_read_at = timezone.now()
    LtiContext.objects.filter(pk=context.pk).update(lineitems_read_at=context.lineitems_read_at)
    try:
        items = lineitems_fetch(context)
    except ServiceError as exc:
        logger.warning("line items of context %s not read: %s", context.pk, exc)
        return PlacementsLearned(error=str(exc))
    return PlacementsLearned(added=placements_from_lineitems(context, items))


def placements_learn_for_cohort(
    *, cohort_id: int, context: LtiContext | None = None
) -> PlacementsLearned:
    """The dashboard's reader (dashboards/placements.py): in the request the first time, then
    by the worker once the last reading is older than LINEITEMS_TTL (one request a minute).
    `context`: the cohort's context (one per cohort) with its deployment and platform, when the
    dashboard has it from the roster; read here otherwise."""
    if context is None or context.cohort_id != cohort_id:
        context = (
            LtiContext.objects.select_related("deployment__platform")
            .filter(cohort_id=cohort_id)
            .first()
        )
    if context is None or not context.lineitems_url:
        return PlacementsLearned()
    read_at = context.lineitems_read_at
    if read_at is not None and timezone.now() - read_at < timedelta(seconds=LINEITEMS_TTL):
        return PlacementsLearned()
    if read_at is None:  # two trainers at once: one reads, the other shows what there is
        if not cache.add(f"lti:lineitems:reading:{context.pk}", 1, 60):
            return PlacementsLearned()
        return placements_learn(context)
    if not cache.add(f"lti:lineitems:queued:{context.pk}", 1, 60):
        return PlacementsLearned()
    try:
        learn_placements.enqueue(context.pk)
    except Exception:  # noqa: BLE001 - the page still shows the placements Ignite has
        logger.warning("could not enqueue a reading of line items", exc_info=True)
    return PlacementsLearned()
