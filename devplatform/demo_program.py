"""A realistic program at district scale for the development database: one platform, its
courses (cohorts) with a trainer each, thousands of teachers across schools, twelve modules
placed in every course, and the traces teachers leave (lessons, attempts, evidence, reviews,
credentials) spread over the weeks since the program began.

Built with bulk inserts in batches (minutes, not hours, for 6,000 teachers); used by
`python manage.py demo_program` and by the program view's tests at small sizes. The signed
parts of credentials are placeholders: the demo's credentials are for counting, not verifying.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from courses.models import (
    Cohort,
    Lesson,
    LessonProgress,
    Membership,
    Module,
    ModuleVersion,
    Participant,
    Placement,
    Program,
    Role,
)
from credentials.models import Achievement, IssuedCredential
from lti_tool.models import Deployment, LtiContext, LtiResourceLink, LtiUser, Platform
from mastery.models import Attempt, EvidenceSubmission

BATCH = 5000
LESSONS_PER_MODULE = 4
SCHOOLS = [
    f"{name} {kind}"
    for name in ("Lincoln", "Roosevelt", "Jefferson", "Washington", "Franklin", "Adams",
                 "Madison", "Monroe", "Jackson", "Kennedy", "Hamilton", "Carver")
    for kind in ("Elementary", "Middle School", "High School")
]  # fmt: skip
FIRST = ["Maya", "Priya", "Sam", "Alex", "Jordan", "Taylor", "Chris", "Dana", "Lee", "Noor",
         "Ana", "Tomás", "Wei", "Fatima", "Olu", "Kim", "Ravi", "Sofia", "Ben", "Ines"]  # fmt: skip
LAST = ["Alvarez", "Raman", "Nguyen", "Smith", "Okafor", "Kowalski", "Haddad", "Chen",
        "Garcia", "Johnson", "Park", "Rossi", "Silva", "Müller", "Diallo", "Brown"]  # fmt: skip


@dataclass
class DemoReport:
    platform: Platform
    program: Program
    cohorts: int
    teachers: int
    modules: int
    rows: int


def _platform(name: str) -> Platform:
    platform, _ = Platform.objects.get_or_create(
        issuer=f"https://{name}.demo.example",
        client_id="demo-client",
        defaults={
            "name": f"Demo district ({name})",
            "auth_login_url": f"https://{name}.demo.example/auth",
            "auth_token_url": f"https://{name}.demo.example/token",
            "keyset_url": f"https://{name}.demo.example/jwks",
        },
    )
    return platform


def _program(slug: str, modules: int, now: datetime) -> tuple[Program, list[Module]]:
    program, _ = Program.objects.get_or_create(
        slug=slug, defaults={"title": "District plan: blended learning for every teacher"}
    )
    found = list(Module.objects.filter(program=program).select_related("current"))
    for index in range(len(found), modules):
        module = Module.objects.create(
            program=program, slug=f"{slug}-m{index + 1:02d}", position=index
        )
        version = ModuleVersion.objects.create(
            module=module,
            version=1,
            content_hash=uuid.uuid4().hex,
            title=f"Module {index + 1}: practice {index + 1}",
            estimated_minutes=60,
            objectives=["Try it in class"],
            evidence_task={"title": "Try it", "instructions": "Teach it.", "rubric": []}
            if index % 3 == 0
            else None,
            mastery={"questions_per_attempt": 5, "threshold": 80, "max_attempts": 3},
            questions=[],
            imported_at=now,
        )
        Lesson.objects.bulk_create(
            Lesson(
                module_version=version,
                slug=f"l{n}",
                position=n,
                title=f"Lesson {n}",
                html="<p>.</p>",
            )
            for n in range(1, LESSONS_PER_MODULE + 1)
        )
        module.current = version
        module.save(update_fields=["current"])
        found.append(module)
    found = sorted(found, key=lambda m: m.position)[:modules]
    Achievement.objects.get_or_create(
        slug=f"{slug}-practitioner",
        defaults={
            "program": program,
            "name": "Blended practitioner",
            "description": "Mastered every module of the district plan.",
            "criteria": "Mastery of every module and accepted evidence of practice.",
            "required_modules": [m.slug for m in found],
            "evidence_required": True,
        },
    )
    return program, found


def _bulk(model, rows) -> int:
    rows = list(rows)
    for start in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[start : start + BATCH])
    return len(rows)


@transaction.atomic
def demo_program_build(
    *,
    teachers: int,
    cohorts: int,
    modules: int,
    platform_name: str = "district",
    platform: Platform | None = None,
    program_slug: str = "district-plan",
    weeks: int = 10,
    seed: int = 17,
    now: datetime | None = None,
) -> DemoReport:
    """Add `cohorts` courses with `teachers` teachers in all to a demo platform's program."""
    rng = random.Random(seed)
    now = now or timezone.now()
    began = now - timedelta(weeks=weeks)
    platform = platform or _platform(platform_name)
    deployment, _ = Deployment.objects.get_or_create(platform=platform, deployment_id="demo-1")
    program, mods = _program(program_slug, modules, now)
    versions = [m.current for m in mods]
    lessons = {
        v.pk: list(Lesson.objects.filter(module_version=v).order_by("position")) for v in versions
    }
    achievement = Achievement.objects.get(slug=f"{program_slug}-practitioner")
    tag = uuid.uuid4().hex[:6]
    rows = 0

    made = Cohort.objects.bulk_create(
        Cohort(title=f"Cohort {i + 1:03d} ({tag})", label=f"C{i + 1:03d}", created_at=began)
        for i in range(cohorts)
    )
    rows += len(made)
    rows += _bulk(
        LtiContext,
        (LtiContext(deployment=deployment, context_id=f"{tag}-{c.pk}", cohort=c) for c in made),
    )
    placements = Placement.objects.bulk_create(
        Placement(cohort=c, module_slug=m.slug, title=m.current.title,
                  created_at=began + timedelta(days=rng.randint(0, 3)))
        for c in made
        for m in mods
    )  # fmt: skip
    contexts = {ctx.cohort_id: ctx for ctx in LtiContext.objects.filter(cohort__in=made)}
    rows += len(placements)
    rows += _bulk(
        LtiResourceLink,
        (LtiResourceLink(context=contexts[p.cohort_id], resource_link_id=f"{tag}-{p.pk}",
                         placement=p) for p in placements),
    )  # fmt: skip
    placed = {(p.cohort_id, p.module_slug): p for p in placements}

    def person(i: int, kind: str) -> Participant:
        first, last = rng.choice(FIRST), rng.choice(LAST)
        return Participant(
            name=f"{first} {last}",
            given_name=first,
            family_name=last,
            email=f"{kind}{i}.{tag}@district.example",
            school=rng.choice(SCHOOLS) if kind == "teacher" else "",
            created_at=began,
        )

    trainers = Participant.objects.bulk_create(person(i, "trainer") for i in range(cohorts))
    people = Participant.objects.bulk_create(
        (person(i, "teacher") for i in range(teachers)), batch_size=BATCH
    )
    rows += len(trainers) + len(people)
    rows += _bulk(
        LtiUser,
        (LtiUser(platform=platform, sub=f"{tag}-{p.pk}", participant=p) for p in trainers + people),
    )
    memberships = [
        Membership(participant=t, cohort=c, role=Role.TRAINER,
                   last_launch_at=now - timedelta(days=rng.choice([0, 1, 2, 3, 9, 15])))
        for t, c in zip(trainers, made, strict=True)
    ]  # fmt: skip
    where = {}
    for i, p in enumerate(people):
        cohort = made[i % cohorts]
        where[p.pk] = cohort
        memberships.append(
            Membership(participant=p, cohort=cohort, role=Role.TEACHER,
                       last_launch_at=now - timedelta(days=rng.randint(0, 20)))
        )  # fmt: skip
    rows += _bulk(Membership, memberships)

    progress, attempts, evidence, issued = [], [], [], []
    trainer_of = dict(zip([c.pk for c in made], trainers, strict=True))
    span = (now - began).total_seconds()
    for p in people:
        cohort = where[p.pk]
        # Each teacher moves at their own pace: modules mastered so far, then one under way.
        pace = rng.betavariate(2, 2.5)
        done_modules = min(int(pace * modules * 1.1), modules)
        for index, module in enumerate(mods):
            if index > done_modules:
                break
            placement = placed[(cohort.pk, module.slug)]
            version = module.current
            moment = began + timedelta(seconds=span * (index + 1) / (done_modules + 2))
            finished = index < done_modules
            done_lessons = (
                lessons[version.pk] if finished else lessons[version.pk][: rng.randint(0, 3)]
            )
            for n, lesson in enumerate(done_lessons or lessons[version.pk][:1]):
                progress.append(
                    LessonProgress(
                        participant=p, placement=placement, lesson=lesson, module_version=version,
                        lesson_slug=lesson.slug, first_viewed_at=moment, last_viewed_at=moment,
                        completed_at=moment + timedelta(minutes=n) if done_lessons else None,
                    )
                )  # fmt: skip
            if finished or rng.random() < 0.3:
                mastered = finished
                attempts.append(
                    Attempt(
                        participant=p, placement=placement, module_version=version, number=1,
                        status=Attempt.Status.SUBMITTED, question_ids=[], seed=rng.randint(1, 10**9),
                        policy={"threshold": 80}, answers={}, credits={},
                        score=rng.randint(80, 100) if mastered else rng.randint(30, 79),
                        mastered=mastered, started_at=moment, submitted_at=moment + timedelta(minutes=20),
                    )
                )  # fmt: skip
            if finished and version.evidence_task:
                accepted = rng.random() < 0.8
                evidence.append(
                    EvidenceSubmission(
                        participant=p, placement=placement, module_version=version,
                        reflection="Tried it with my class.",
                        status=EvidenceSubmission.Status.ACCEPTED if accepted
                        else EvidenceSubmission.Status.SUBMITTED,
                        submitted_at=moment + timedelta(hours=1),
                        reviewer=trainer_of[cohort.pk] if accepted else None,
                        reviewed_at=moment + timedelta(days=2) if accepted else None,
                    )
                )  # fmt: skip
        if done_modules >= modules:
            issued.append(
                IssuedCredential(
                    public_id=uuid.uuid4(), achievement=achievement, participant=p, cohort=cohort,
                    issued_at=now - timedelta(days=rng.randint(0, 14)),
                    credential={"demo": True}, jwt="",
                )
            )  # fmt: skip
    rows += _bulk(LessonProgress, progress)
    rows += _bulk(Attempt, attempts)
    rows += _bulk(EvidenceSubmission, evidence)
    rows += _bulk(IssuedCredential, issued)
    return DemoReport(
        platform=platform,
        program=program,
        cohorts=cohorts,
        teachers=teachers,
        modules=len(mods),
        rows=rows,
    )


def demo_deadline(now: datetime) -> date:
    """The demo's deadline: the July 31 ahead."""
    today = timezone.localtime(now).date()
    july = date(today.year, 7, 31)
    return july if july > today else date(today.year + 1, 7, 31)
