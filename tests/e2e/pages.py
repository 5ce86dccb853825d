"""The registry of Ignite's pages: every teacher and trainer page (and the public pages a
credential links to), with how to reach it from a development-platform launch.

`tests/e2e/test_narrow_pages.py` opens every entry in the LMS frame at 320 px and 1280 px
(no sideways scroll of the page, axe-core clean, HEAD answered like GET), and
`tests/config/test_every_page_is_checked.py` fails when a URL under /app/ is neither here nor in
EXCLUDED with a reason: a page added later must join.

This module is plain data (no browser, no database) so that the config test can import it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote


@dataclass
class World:
    """What the browser test set up through dev launches (see test_narrow_pages.build_world):
    launch tokens (`lt`) and the ids the pages' URLs need."""

    trainer: str = ""  # Dr. Priya Raman, course navigation of bl-fall (no placement)
    teacher: str = ""  # Maya Alvarez on bl-fall:bl-models, her check submitted
    teacher_in_check: str = ""  # Jordan O'Neil on bl-fall:bl-models, a check open
    deep_link: str = ""  # Priya on bl-fall:add-content (a deep-linking request)
    placement: int = 0  # bl-models in bl-fall
    lesson: str = ""  # the module's first lesson
    template: str = ""  # one of the module's classroom templates
    maya: int = 0  # participant ids
    attempt: int = 0  # Maya's submitted attempt's number
    open_attempt: int = 0  # Jordan's open attempt's number
    evidence: int = 0  # Maya's evidence submission
    calibration: int = 0  # Priya's calibration round
    session: int = 0  # a cohort session of bl-fall, scheduled by Priya
    post: int = 0  # a post Maya shared in the practice exchange of bl-models
    cycle: int = 0  # a coaching cycle Priya opened with Maya on bl-models
    program: str = ""  # bl-models' program; Priya is named its program lead
    cohort: int = 0  # bl-fall's cohort
    credential: int = 0  # an IssuedCredential of Maya's
    credential_public_id: str = ""
    achievement: str = ""  # its achievement's slug
    extra: dict = field(default_factory=dict)  # "dl": the sealed deep-linking request


@dataclass(frozen=True)
class Page:
    name: str  # unique, used in messages and screenshots
    url_name: str  # the Django URL name (namespace:name) the page is served by
    role: str  # "teacher", "trainer" or "public" (whose token opens it; public: none)
    path: Callable[[World], str]  # the path, without the launch token
    how: str  # how a person reaches it from a dev launch
    token: Callable[[World], str] | None = None  # default: the role's token
    phase: str = "full"  # "empty": seen before any teacher opened anything
    ready: str = ""  # a data-testid the page shows once it is the right page

    def lt(self, world: World) -> str:
        if self.token is not None:
            return self.token(world)
        return {"teacher": world.teacher, "trainer": world.trainer}.get(self.role, "")


def _p(world: World) -> str:
    return f"/app/p/{world.placement}"


PAGES: list[Page] = [
    # The trainer before any teacher: the empty states (no all-zero chart).
    Page(
        "trainer-dashboard-empty",
        "dashboards:trainer-dashboard",
        "trainer",
        lambda w: "/app/trainer/",
        "priya on bl-fall: (course navigation), 'Trainer dashboard', before any teacher",
        phase="empty",
        ready="trainer-empty",
    ),
    Page(
        "home-no-modules",
        "lti:home",
        "trainer",
        lambda w: "/app/",
        "priya on bl-fall: before any module is placed: how a trainer adds one",
        phase="empty",
        ready="no-modules-trainer",
    ),
    # Teachers.
    Page(
        "home-course-navigation",
        "lti:home",
        "trainer",
        lambda w: "/app/",
        "any launch from course navigation (bl-fall:) lands here: the cohort's modules",
    ),
    Page(
        "module",
        "courses:module",
        "teacher",
        lambda w: f"{_p(w)}/",
        "maya on bl-fall:bl-models",
        ready="module-title",
    ),
    Page(
        "lesson",
        "courses:lesson",
        "teacher",
        lambda w: f"{_p(w)}/lessons/{w.lesson}/",
        "module page, 'Resume' or a lesson in the list",
        ready="lesson-title",
    ),
    Page(
        "cohort",
        "courses:cohort",
        "teacher",
        lambda w: "/app/modules/",
        "module page, 'All modules'",
    ),
    Page(
        "catalog",
        "courses:catalog",
        "teacher",
        lambda w: "/app/catalog/",
        "cohort page, 'Catalog'",
    ),
    Page(
        "mastery-start-closed",
        "mastery:start",
        "teacher",
        lambda w: f"{_p(w)}/mastery/",
        "GET on the check's start URL (after a passed check: why it is closed, or the module)",
    ),
    Page(
        "mastery-attempt",
        "mastery:attempt",
        "teacher",
        lambda w: f"{_p(w)}/mastery/{w.open_attempt}/",
        "jordan on bl-fall:bl-models, 'Start the mastery check'",
        token=lambda w: w.teacher_in_check,
        ready="mastery-submit",
    ),
    Page(
        "mastery-result",
        "mastery:attempt",
        "teacher",
        lambda w: f"{_p(w)}/mastery/{w.attempt}/",
        "maya answers the check and presses 'Submit'",
        ready="mastery-score",
    ),
    Page(
        "template",
        "facilitation:template",
        "teacher",
        lambda w: f"{_p(w)}/templates/{w.template}/",
        "module page, a classroom template",
    ),
    Page(
        "my-credentials",
        "my-credentials",
        "teacher",
        lambda w: "/app/credentials/",
        "any page's 'My credentials' link",
    ),
    Page(
        "sessions",
        "cohortsessions:sessions",
        "teacher",
        lambda w: "/app/sessions/",
        "module page, 'Sessions' (the cohort's meetings)",
    ),
    Page(
        "notification-settings",
        "notifications:settings",
        "teacher",
        lambda w: "/app/notifications/",
        "any page's notification settings link",
    ),
    # Trainers.
    Page(
        "trainer-sessions",
        "cohortsessions:trainer-list",
        "trainer",
        lambda w: "/app/trainer/sessions/",
        "dashboard, 'Sessions'",
    ),
    Page(
        "trainer-session-new",
        "cohortsessions:trainer-new",
        "trainer",
        lambda w: "/app/trainer/sessions/new/",
        "trainer sessions, 'Schedule a session'",
    ),
    Page(
        "trainer-session-edit",
        "cohortsessions:trainer-edit",
        "trainer",
        lambda w: f"/app/trainer/sessions/{w.session}/edit/",
        "trainer sessions, a session's 'Edit'",
    ),
    Page(
        "trainer-attendance",
        "cohortsessions:trainer-attendance",
        "trainer",
        lambda w: f"/app/trainer/sessions/{w.session}/attendance/",
        "trainer sessions, a session's 'Attendance'",
    ),
    Page(
        "trainer-dashboard",
        "dashboards:trainer-dashboard",
        "trainer",
        lambda w: "/app/trainer/",
        "priya on bl-fall:, 'Trainer dashboard'",
        ready="progress-grid",
    ),
    Page(
        "trainer-teacher",
        "mastery:trainer-teacher",
        "trainer",
        lambda w: f"/app/trainer/p/{w.placement}/teachers/{w.maya}/",
        "dashboard, a teacher's progress cell",
    ),
    Page(
        "evidence-review",
        "mastery:evidence-review",
        "trainer",
        lambda w: f"/app/trainer/evidence/{w.evidence}/",
        "dashboard, 'Review evidence'",
        ready="rubric-criterion",
    ),
    Page(
        "facilitation-guide",
        "facilitation:guide",
        "trainer",
        lambda w: f"/app/trainer/p/{w.placement}/guide/",
        "dashboard, a module's 'Facilitator guide'",
    ),
    Page(
        "calibration",
        "facilitation:calibration",
        "trainer",
        lambda w: f"/app/trainer/p/{w.placement}/calibration/",
        "dashboard, a module's 'Calibration'",
        ready="calibration-form",
    ),
    Page(
        "calibration-result",
        "facilitation:calibration-result",
        "trainer",
        lambda w: f"/app/trainer/p/{w.placement}/calibration/{w.calibration}/",
        "calibration page, after scoring every example",
        ready="calibration-summary",
    ),
    Page(
        "credential-revoke",
        "credential-revoke",
        "trainer",
        lambda w: f"/app/trainer/credentials/{w.credential}/revoke/",
        "dashboard, issued credentials, 'Revoke'",
    ),
    Page(
        "deep-link-picker",
        "lti:deep-link",
        "trainer",
        lambda w: f"/app/deep-link/?dl={quote(w.extra.get('dl', ''))}",
        "priya on bl-fall:add-content (the LMS's 'add content')",
        token=lambda w: w.deep_link,
        ready="deep-link-item",
    ),
    Page(
        "exchange",
        "exchange:list",
        "teacher",
        lambda w: f"{_p(w)}/exchange/",
        "module page, 'Shared practice' panel: the cohort's posts and the share form",
        ready="exchange-form",
    ),
    Page(
        "exchange-post",
        "exchange:post",
        "teacher",
        lambda w: f"{_p(w)}/exchange/{w.post}/",
        "the exchange, a post (its author's view: responses, consent, use as evidence)",
    ),
    Page(
        "exchange-post-trainer",
        "exchange:post",
        "trainer",
        lambda w: f"{_p(w)}/exchange/{w.post}/",
        "the exchange as a trainer, a post (exemplar and hide)",
        ready="trainer-actions",
    ),
    Page(
        "coaching",
        "coaching:coach",
        "trainer",
        lambda w: "/app/trainer/coaching/",
        "dashboard, 'Coaching': cycles per teacher and the form to open one",
    ),
    Page(
        "coaching-cycle",
        "coaching:cycle",
        "trainer",
        lambda w: f"/app/trainer/coaching/{w.cycle}/",
        "coaching, a teacher's cycle (steps, growth chart)",
    ),
    Page(
        "coaching-observe",
        "coaching:observe",
        "trainer",
        lambda w: f"/app/trainer/coaching/{w.cycle}/observe/",
        "a cycle, 'Observe': the look-for tool",
    ),
    Page(
        "coaching-teacher-cycle",
        "coaching:teacher-cycle",
        "teacher",
        lambda w: f"/app/coaching/{w.cycle}/",
        "My modules, 'Coaching' panel: the teacher's cycle",
    ),
    Page(
        "program",
        "reporting:program",
        "trainer",
        lambda w: "/app/program/",
        "a program lead (named by `manage.py program_leads add`), My modules, 'Program view'",
    ),
    Page(
        "program-detail",
        "reporting:program-detail",
        "trainer",
        lambda w: f"/app/program/{w.program}/",
        "the program view, a program: funnel, pace, breakdowns, at risk, trend",
    ),
    Page(
        "program-cohort",
        "reporting:program-cohort",
        "trainer",
        lambda w: f"/app/program/{w.program}/cohorts/{w.cohort}/",
        "the program view, a cohort's row: its trainer's dashboard, read-only",
    ),
    # Public pages a credential links to (opened in a tab of their own, not in the frame).
    Page(
        "credential-public",
        "credential",
        "public",
        lambda w: f"/credentials/{w.credential_public_id}/",
        "my-credentials, 'Verification page'",
    ),
    Page(
        "achievement-public",
        "achievement",
        "public",
        lambda w: f"/achievements/{w.achievement}/",
        "a credential's verification page, the achievement",
    ),
]

# URLs under /app/ that are not pages, each with the reason.
EXCLUDED: dict[str, str] = {
    "courses:lesson-complete": "POST only (the lesson page's 'Mark complete')",
    "credential-sharing": "POST only (my-credentials' sharing switch)",
    "credential-reissue": "POST only (the dashboard's 'Reissue')",
    "dashboards:trainer-grades-retry": "POST only (the dashboard's 'Send again')",
    "dashboards:trainer-due-date": "POST only (the dashboard's due date form)",
    "dashboards:trainer-export": "a CSV download, not a page",
    "mastery:answers": "JSON for the attempt page's script (saved answers), not a page",
    "mastery:evidence-submit": "POST only (the module page's evidence form)",
    "mastery:evidence-file": "the uploaded file itself, not a page",
    "mastery:trainer-extra-attempt": "POST only (the trainer's teacher page)",
    "mastery:trainer-score-override": "POST only (the trainer's teacher page)",
    "facilitation:template-download": "a file download, not a page",
    "cohortsessions:trainer-cancel": "POST only (the session edit page's 'Cancel the session')",
    "cohortsessions:cohort-ics": "a calendar file (.ics), not a page",
    "cohortsessions:session-ics": "a calendar file (.ics), not a page",
    "exchange:file": "the shared file itself, not a page",
    "exchange:respond": "POST only (a post's response form)",
    "exchange:reply": "POST only (the author's reply to a response)",
    "exchange:report": "POST only (a post's 'Report')",
    "exchange:withdraw": "POST only (the author's 'Withdraw')",
    "exchange:consent": "POST only (the author's consent for later cohorts)",
    "exchange:evidence": "POST only ('Use as my evidence')",
    "exchange:exemplar": "POST only (the trainer's 'Mark as exemplar')",
    "exchange:hide": "POST only (the trainer's 'Hide')",
    "coaching:new": "POST only (the coaching page's 'Open a cycle')",
    "coaching:export": "a CSV download, not a page",
    "coaching:gradebook": "POST only (the gradebook column switch)",
    "coaching:close": "POST only (a cycle's 'Close')",
    "coaching:draft": "JSON for the observation form's autosave, not a page",
    "coaching:reflect": "POST only (the teacher's reflection form)",
    "reporting:program-export": "a CSV download, not a page",
    "reporting:program-deadline": "POST only (the lead's deadline form)",
}


def registered_url_names() -> set[str]:
    return {page.url_name for page in PAGES}
