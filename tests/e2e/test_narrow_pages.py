"""Every page in the registry (tests/e2e/pages.py) fits the LMS frame at 320 px and at 1280 px:
the page itself never scrolls sideways (a wide table scrolls inside its own region), axe-core
finds no serious or critical issue, and HEAD is answered like GET. The trainer dashboard is
also seen empty, before any teacher. Every failing page is reported, not only the first."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from coaching.services import cycle_open
from cohortsessions.models import CohortSession
from courses.models import Participant, Placement
from courses.progress import placement_module
from credentials.issuing import Earned, _issue
from credentials.models import Achievement
from exchange.models import Post
from exchange.services import PostDraft, post_create
from facilitation.models import ClassroomTemplate
from facilitation.services import calibration_form, calibration_submit, field_name, materials_for
from lti_tool.models import LtiContext, LtiUser
from mastery.evidence import evidence_submit
from mastery.models import Attempt
from reporting.models import ProgramLead

from .conftest import tool_frame
from .pages import PAGES, Page, World
from .test_teacher_journey import answer_everything_right, launch

WIDTHS = [320, 1280]

# The outermost elements that reach past the page's right edge outside a scrolling region:
# named in the failure so that a page that scrolls sideways says why.
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth, found = [];
    const clipped = (el) => {
        // An absolutely placed element is clipped only by its containing block and above.
        const absolute = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
        const first = absolute ? el.offsetParent : el.parentElement;
        for (let p = first; p && p !== document.body; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible') return true;
        }
        return false;
    };
    for (const el of document.body.querySelectorAll('*')) {
        if (el.getBoundingClientRect().right <= width + 0.5 || (clipped(el))) continue;
        if (found.some((outer) => outer.contains(el))) continue;
        found.push(el);
    }
    return found.slice(0, 4).map((el) => el.tagName.toLowerCase()
        + (el.dataset.testid ? `[data-testid=${el.dataset.testid}]` : '')
        + (el.classList.length ? '.' + [...el.classList].join('.') : '')
        + ` (to ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


def at_width(page, width: int):
    page.set_viewport_size({"width": width + 60, "height": 900})
    page.evaluate(f"document.querySelector('[data-testid=tool-frame]').style.width = '{width}px'")


def token_of(tool) -> str:
    return parse_qs(urlparse(tool.url).query)["lt"][0]


def build_world(page, live_server, world: World) -> None:
    """Everything the "full" pages need, made as people make it (launches, a check taken)
    where the browser matters, and through the apps' services for the rest."""
    frame = launch(page, live_server, "priya", "bl-fall:add-content")
    frame.get_by_test_id("deep-link-item").first.wait_for()
    world.deep_link = token_of(tool_frame(page))
    world.extra["dl"] = parse_qs(urlparse(tool_frame(page).url).query)["dl"][0]

    frame = launch(page, live_server, "jordan", "bl-fall:bl-models")
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    world.teacher_in_check = token_of(tool_frame(page))
    world.open_attempt = Attempt.objects.get(participant__name="Jordan O'Neil").number

    frame = launch(page, live_server, "maya", "bl-fall:bl-models")
    frame.get_by_test_id("mastery-start").click()
    frame.get_by_test_id("mastery-submit").wait_for()
    world.teacher = token_of(tool_frame(page))
    attempt = Attempt.objects.get(participant__name="Maya Alvarez")
    answer_everything_right(frame, attempt)
    frame.get_by_test_id("mastery-submit").click()
    frame.get_by_test_id("mastery-score").wait_for()
    world.attempt = attempt.number

    placement = Placement.objects.get(lti_link__resource_link_id="bl-models")
    version = attempt.module_version
    maya = Participant.objects.get(name="Maya Alvarez")
    priya = Participant.objects.get(name="Dr. Priya Raman")
    world.placement, world.maya = placement.pk, maya.pk
    world.lesson = version.lessons.order_by("position").first().slug
    world.evidence = evidence_submit(
        participant=maya,
        placement=placement,
        version=version,
        reflection="Ran the rotation twice; the exit tickets showed who needed the small group.",
        upload=None,
    ).pk
    materials = materials_for(version=version)
    world.template = ClassroomTemplate.objects.filter(materials=materials).first().slug
    rubric = [c["criterion"] for c in version.evidence_task["rubric"]]
    reference = {
        field_name(e, c): next(lv["level"] for lv in ex["levels"] if lv["criterion"] == name)
        for e, ex in enumerate(materials.calibration)
        for c, name in enumerate(rubric)
    }
    form = calibration_form(materials=materials, data=reference)
    assert form.missing == []
    world.calibration = calibration_submit(
        participant=priya, placement=placement, materials=materials, form=form
    ).pk
    starts = timezone.now() + timedelta(days=2)
    world.session = CohortSession.objects.create(
        cohort_id=placement.cohort_id,
        placement=placement,
        title="Station rotation: planning the first week together",
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
        time_zone="America/Chicago",
        place="Room 204, district office",
        agenda="Bring one unit plan; we map it to three stations.",
        created_by=priya,
    ).pk
    world.post = post_create(
        author=maya,
        placement=placement,
        module=placement_module(placement),
        platform_id=LtiContext.objects.get(cohort_id=placement.cohort_id).deployment.platform_id,
        draft=PostDraft(
            kind=Post.Kind.LESSON_PLAN,
            title="Rotation chart for my third period, week one, with a long title to wrap",
            tried="Three stations with a timer. " * 4,
            happened="The small group met every day. " * 4,
            change="A shorter launch and a printed fallback at the online station. " * 2,
            link="https://example.org/a/very/long/path/" + "x" * 80,
            privacy_confirmed=True,
        ),
    ).pk
    world.cycle = cycle_open(
        cohort_id=placement.cohort_id,
        coach=priya,
        teacher_id=maya.pk,
        placement_id=placement.pk,
        goal="Meet every small group daily at the teacher-led station",
        planned_on=(timezone.localdate() + timedelta(days=7)).isoformat(),
    ).pk
    platform_id = LtiContext.objects.get(cohort_id=placement.cohort_id).deployment.platform_id
    program = placement_module(placement).program
    lead = ProgramLead.objects.create(
        platform_id=platform_id, sub=LtiUser.objects.get(participant=priya).sub
    )
    lead.programs.add(program)
    world.program, world.cohort = program.slug, placement.cohort_id
    achievement = next(
        a for a in Achievement.objects.all() if "blended-models" in a.required_modules
    )
    issued = _issue(achievement, maya, placement.cohort_id, Earned([], []), live_server.url)
    world.credential, world.credential_public_id = issued.pk, str(issued.public_id)
    world.achievement = achievement.slug


def page_problems(page, tool, entry: Page, world: World, base: str, width: int, checks) -> list:
    """Open `entry` in the frame (`tool`), or in a tab of its own for a public page, and
    return what is wrong with it (empty when nothing is)."""
    axe_check, screenshot = checks
    url = base + entry.path(world)
    token = entry.lt(world)
    if token:
        url += ("&" if "?" in url else "?") + f"lt={token}"
    target = tool
    if entry.role == "public":
        target = page.context.new_page()
        target.set_viewport_size({"width": width, "height": 900})
    try:
        response = target.goto(url)
        if response is None or response.status != 200:
            return [f"{entry.name}: {url} answered {response and response.status}"]
        if entry.ready:
            target.locator(f'[data-testid="{entry.ready}"]').first.wait_for()
        problems = []
        client = target.evaluate("document.documentElement.clientWidth")
        scroll = target.evaluate("document.documentElement.scrollWidth")
        if client > width or scroll > client:
            wide = ", ".join(target.evaluate(OVERFLOWING))
            problems.append(f"{entry.name} at {width} px: the page is {scroll} px wide: {wide}")
        if entry.name == "trainer-dashboard-empty" and target.locator("svg").count():
            problems.append(f"{entry.name}: a chart with no data")
        statuses = target.evaluate(
            """async (u) => [
                (await fetch(u, {credentials: 'include'})).status,
                (await fetch(u, {method: 'HEAD', credentials: 'include'})).status,
            ]""",
            url,
        )
        if statuses[0] != statuses[1]:
            problems.append(f"{entry.name}: GET {statuses[0]} but HEAD {statuses[1]}")
        try:
            axe_check(target, f"{entry.name} at {width} px")
        except AssertionError as exc:
            problems.append(str(exc))
        screenshot(page if entry.role != "public" else target, f"narrow-{width}-{entry.name}")
        return problems
    finally:
        if target is not tool:
            target.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_registered_page_fits_without_sideways_scrolling(
    page, live_server, dev_platform, catalog, axe_check, screenshot, width
):
    base, world, problems = live_server.url, World(), []
    checks = (axe_check, screenshot)

    # The trainer first, before any teacher has opened anything: the empty states.
    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("cohort-title").wait_for()
    at_width(page, width)
    world.trainer = token_of(tool_frame(page))
    for entry in [p for p in PAGES if p.phase == "empty"]:
        problems += page_problems(page, tool_frame(page), entry, world, base, width, checks)

    build_world(page, live_server, world)
    frame = launch(page, live_server, "priya", "bl-fall:")
    frame.get_by_test_id("cohort-title").wait_for()
    at_width(page, width)
    checked = 0
    for entry in [p for p in PAGES if p.phase == "full"]:
        problems += page_problems(page, tool_frame(page), entry, world, base, width, checks)
        checked += 1
    assert checked == len([p for p in PAGES if p.phase == "full"]) >= 20
    assert problems == [], "\n".join(problems)
    assert page.js_errors == []
