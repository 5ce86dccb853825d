"""Mastery check attempts: start or resume, present, submit and grade, and the status a
teacher sees.

Over 400 lines on purpose: one attempt's life (start, draw, save, submit, grade, status) shares
its locks and invariants, and reads best in one place.

Rules:
- the policy is the module version's `mastery` block with the placement's overrides on top;
- at most one unfinished attempt per participant and placement (a partial unique index), and
  attempt numbers unique per participant and placement, so two tabs or a double click on
  "start" give the same attempt, on SQLite and on PostgreSQL;
- questions are drawn and shuffled once, at start, and never change;
- submission is a conditional update from in progress to submitted: a second submission
  (double click, back button, another tab) changes nothing and sees the first result;
- grading writes the grade record for the LMS in the same transaction as the attempt.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from courses.models import Lesson, ModuleVersion, Participant, Placement
from courses.page_queries import page_flag
from courses.progress import module_progress
from prepared import Prepared, update_statement

from . import questions as q
from .adjustments import mastery_score_counted, override_note, policy_with_grants
from .grades import grade_record_create_after, grades_latest
from .models import Attempt, GradeRecord, SavedAnswer
from .review import Review, review_policy_merge, review_visibility

DEFAULT_POLICY = {
    "questions_per_attempt": 8,
    "threshold": 80,
    "max_attempts": 0,
    "wait_minutes": 0,
    "score_policy": "highest",
    "require_lessons": False,
}
OVERRIDABLE = set(DEFAULT_POLICY)


class AttemptRefused(Exception):
    """Starting an attempt is not allowed now; the message says why, for the teacher."""


def policy_for(version: ModuleVersion, placement: Placement) -> dict:
    module_policy = version.mastery or {}
    overrides = placement.mastery_policy or {}
    policy = {**DEFAULT_POLICY, **module_policy}
    for key, value in overrides.items():
        if key in OVERRIDABLE:
            policy[key] = value
    # Item by item: a link that changes when answers show keeps the module's other choices.
    policy["review"] = review_policy_merge(module_policy.get("review"), overrides.get("review"))
    bank = len(version.questions)
    policy["questions_per_attempt"] = max(1, min(int(policy["questions_per_attempt"]), bank))
    return policy


# Read by every mastery page and the submit: compiled once per connection (prepared/).
_ATTEMPTS = Prepared(
    "mastery-attempts",
    lambda participant_id, placement_id: Attempt.objects.filter(
        participant_id=participant_id, placement_id=placement_id
    ).order_by("number"),
    {
        "participant_id": Attempt._meta.get_field("participant"),
        "placement_id": Attempt._meta.get_field("placement"),
    },
)
_DRAFTS = Prepared(
    "mastery-drafts",
    lambda attempt_id: SavedAnswer.objects.filter(attempt_id=attempt_id).only(
        "question_id", "fields"
    ),
    {"attempt_id": SavedAnswer._meta.get_field("attempt")},
)
_DRAFTS_DELETE = Prepared(
    "mastery-drafts-delete",
    lambda attempt_id: SavedAnswer.objects.filter(attempt_id=attempt_id),
    {"attempt_id": SavedAnswer._meta.get_field("attempt")},
    kind="delete",
)


def attempts_all(participant, placement) -> list[Attempt]:
    """Every attempt of the participant here, by number, in one query (none when the page's
    placement says there are none: courses/pages.py)."""
    if not page_flag(placement, participant, "attempts"):
        return []
    return _ATTEMPTS.run(participant_id=participant.pk, placement_id=placement.pk)


def _with_grants(policy: dict, *, participant, placement) -> dict:
    """policy_with_grants, from the count read with the page's placement when there is one."""
    extra = page_flag(placement, participant, "extra_attempts", None)
    if extra is None:
        return policy_with_grants(policy, participant=participant, placement=placement)
    if not policy.get("max_attempts") or not extra:
        return policy
    return {**policy, "max_attempts": int(policy["max_attempts"]) + extra}


def _open_attempt(participant, placement) -> Attempt | None:
    return Attempt.objects.filter(
        participant=participant, placement=placement, status=Attempt.Status.IN_PROGRESS
    ).first()


def _submitted(participant, placement):
    return Attempt.objects.filter(
        participant=participant, placement=placement, status=Attempt.Status.SUBMITTED
    ).order_by("number")


def start_refusal(
    *,
    participant: Participant,
    placement: Placement,
    policy: dict,
    now: datetime | None = None,
    done: list[Attempt] | None = None,
) -> str:
    """Why a new attempt cannot start now ('' if it can). `done`: the submitted attempts, in
    order, when the caller has read them already."""
    now = now or timezone.now()
    if done is None:
        done = list(_submitted(participant, placement))
    if policy["max_attempts"] and len(done) >= policy["max_attempts"]:
        return (
            f"You have used all {policy['max_attempts']} attempts for this check. "
            "Your trainer can see your results and talk with you about next steps."
        )
    if done and policy["wait_minutes"]:
        ready = done[-1].submitted_at + timedelta(minutes=policy["wait_minutes"])
        if ready > now:
            minutes = max(1, int((ready - now).total_seconds() // 60) + 1)
            return (
                f"Your next attempt opens in about {minutes} minute(s). Use the time to revisit "
                "the lessons your last attempt pointed to."
            )
    return ""


def lessons_left(
    *,
    participant: Participant,
    placement: Placement,
    version: ModuleVersion,
    policy: dict,
    progress=None,
) -> list[Lesson]:
    """The module's lessons still to complete before the check opens (`require_lessons`).
    `progress`: the module's progress when the page has read it already."""
    if not policy.get("require_lessons"):
        return []
    if progress is None:
        progress = module_progress(participant=participant, placement=placement, version=version)
    return [lesson for lesson in progress.lessons if lesson.slug not in progress.completed]


def lessons_left_message(left: list[Lesson]) -> str:
    titles = "; ".join(lesson.title for lesson in left)
    return (
        f"The mastery check opens once you have completed this module's lessons. "
        f"Still to complete ({len(left)}): {titles}."
    )


def questions_seen(*, participant: Participant, version: ModuleVersion) -> Counter:
    """How often the participant was shown each question in earlier attempts of the module,
    under any link and any version (question ids are stable across versions)."""
    seen: Counter = Counter()
    for ids in Attempt.objects.filter(
        participant=participant, module_version__module_id=version.module_id
    ).values_list("question_ids", flat=True):
        seen.update(ids)
    return seen


def questions_draw(
    *, bank: list[dict], count: int, seen: Mapping[str, int], rng: random.Random
) -> list[str]:
    """The question ids of a new attempt, in the order shown.

    A retake tests anew: every lesson of the module gets at least one question when `count`
    allows (lessons whose freshest question is least seen first when it does not), each
    lesson's pick is its least-seen question, and the remaining places go to the least-seen
    questions of the whole bank, so unseen questions come before any repeat. Ties break at
    random, so two teachers (and two attempts) differ.
    """
    count = max(0, min(count, len(bank)))
    tiebreak = {item["id"]: rng.random() for item in bank}

    def rank(qid: str) -> tuple[int, float]:
        return (seen.get(qid, 0), tiebreak[qid])

    by_lesson: dict[str, list[str]] = defaultdict(list)
    for item in bank:
        by_lesson[item.get("lesson", "")].append(item["id"])
    firsts = sorted((min(ids, key=rank) for ids in by_lesson.values()), key=rank)
    chosen = firsts[:count]
    taken = set(chosen)
    chosen += sorted((i["id"] for i in bank if i["id"] not in taken), key=rank)[
        : count - len(chosen)
    ]
    rng.shuffle(chosen)
    return chosen


def attempt_start(
    *, participant: Participant, placement: Placement, version: ModuleVersion
) -> Attempt:
    """The participant's unfinished attempt, or a new one; raises AttemptRefused."""
    # One read of this person's attempts here (none when the page's placement says so) gives
    # the open one, the submitted ones the policy counts, and the next number.
    attempts = attempts_all(participant, placement)
    existing = next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None)
    if existing is not None:
        return existing
    policy = policy_for(version, placement)
    policy = _with_grants(policy, participant=participant, placement=placement)
    done = [a for a in attempts if a.status == Attempt.Status.SUBMITTED]
    refusal = start_refusal(participant=participant, placement=placement, policy=policy, done=done)
    if refusal:
        raise AttemptRefused(refusal)
    left = lessons_left(
        participant=participant, placement=placement, version=version, policy=policy
    )
    if left:
        raise AttemptRefused(lessons_left_message(left))
    chosen = questions_draw(
        bank=version.questions,
        count=policy["questions_per_attempt"],
        seen=questions_seen(participant=participant, version=version),
        rng=random.SystemRandom(),
    )
    number = max((a.number for a in attempts), default=0) + 1
    for _ in range(5):
        try:
            # One INSERT is atomic by itself; inside a caller's transaction, a savepoint, so
            # a refused insert leaves that transaction usable.
            with transaction.atomic() if connection.in_atomic_block else nullcontext():
                return Attempt.objects.create(
                    participant=participant,
                    placement=placement,
                    module_version=version,
                    number=number,
                    question_ids=chosen,
                    seed=secrets.randbits(62),
                    policy=policy,
                )
        except IntegrityError:
            # Another request started one at the same moment: use it if it is open.
            existing = _open_attempt(participant, placement)
            if existing is not None:
                return existing
            number = (
                Attempt.objects.filter(participant=participant, placement=placement).aggregate(
                    n=Max("number")
                )["n"]
                or 0
            ) + 1
    raise AttemptRefused("Ignite is busy starting your attempt; please try again.")


def choice_orders(attempt: Attempt) -> dict[str, list[int] | None]:
    """Question id -> the pack positions of its choices in the order the attempt shows them
    (None for questions without choices, and for every question of an attempt started before
    form values became page positions: those values are pack positions already)."""
    rng = random.Random(attempt.seed)
    bank = {item["id"]: item for item in attempt.module_version.questions}
    orders = {}
    for qid in attempt.question_ids:
        if qid in bank:
            order = q.display_order(bank[qid], rng)
            orders[qid] = order if attempt.opaque_keys else None
    return orders


def attempt_questions(attempt: Attempt) -> list[dict]:
    """The attempt's questions in the order shown, with their shuffled choices (no key)."""
    rng = random.Random(attempt.seed)
    bank = {item["id"]: item for item in attempt.module_version.questions}
    shown = [
        q.present(bank[qid], rng, opaque=attempt.opaque_keys)
        for qid in attempt.question_ids
        if qid in bank
    ]
    for item in shown:
        if item["type"] == "ordering":
            item["positions"] = list(range(1, len(item["items"]) + 1))
    return shown


@dataclass
class Graded:
    attempt: Attempt
    newly: bool  # False when the attempt had already been submitted


def _percent(credits: list[float]) -> Decimal:
    if not credits:
        return Decimal("0.00")
    value = Decimal(str(sum(credits))) * 100 / Decimal(len(credits))
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def counted_attempt(participant: Participant, placement: Placement) -> Attempt | None:
    """The attempt whose score counts, by the placement's policy (highest or latest)."""
    return counted_of(list(_submitted(participant, placement)))


def counted_of(done: list[Attempt]) -> Attempt | None:
    """counted_attempt over submitted attempts already read, in order of number."""
    if not done:
        return None
    if done[-1].policy.get("score_policy") == "latest":
        return done[-1]
    return max(done, key=lambda a: (a.score, a.number))


class AttemptClosed(Exception):
    """The attempt was already submitted: its answers can no longer change."""


class SubmissionIncomplete(Exception):
    """Not graded, and no attempt used: nothing was answered, or some questions were left
    unanswered and the teacher has not confirmed submitting anyway."""

    def __init__(self, *, unanswered: list[int], total: int):
        self.unanswered = unanswered  # question numbers as shown, from 1
        self.total = total
        super().__init__(f"{len(unanswered)} of {total} unanswered")

    @property
    def blank(self) -> bool:
        return len(self.unanswered) == self.total


MAX_VALUES_PER_FIELD = 8  # a multiple-choice question has at most 8 options


def _question_fields(question: dict) -> list[str]:
    name = f"q-{question['id']}"
    if question["type"] == "ordering":
        return [f"{name}-{key}" for key in range(len(question["items"]))]
    return [name]


def _values(data, name: str) -> list[str]:
    getlist = data.getlist if hasattr(data, "getlist") else lambda k: data.get(k, [])
    values = getlist(name)
    if isinstance(values, str):
        values = [values]
    # Blank and overlong values can never be an answer (read_answer refuses them too).
    kept = [v for v in values if isinstance(v, str) and v.strip()]
    return [v for v in kept if len(v) <= q.MAX_ANSWER_LENGTH][:MAX_VALUES_PER_FIELD]


def answers_save(*, attempt: Attempt, data, changed: frozenset[str] = frozenset()) -> list[str]:
    """Save the answers in form data to the unfinished attempt; returns the question ids saved.

    Only fields of the attempt's own questions are read (anything else is ignored). A question
    with no value in `data` keeps what was saved before (a stale second tab, or a form posted
    before its page finished loading, never erases an answer) unless it is named in `changed`:
    the page says the teacher cleared it. Saving the same thing twice changes nothing; for each
    question the last write wins. Raises AttemptClosed once the attempt is submitted.
    """
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AttemptClosed("This attempt was already submitted.")
    bank = {item["id"]: item for item in attempt.module_version.questions}
    saved = []
    now = timezone.now()
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        fields = {}
        for name in _question_fields(question):
            values = _values(data, name)
            if values:
                fields[name] = values
        if fields:
            SavedAnswer.objects.update_or_create(
                attempt=attempt, question_id=qid, defaults={"fields": fields, "updated_at": now}
            )
        elif qid in changed:
            SavedAnswer.objects.filter(attempt=attempt, question_id=qid).delete()
        else:
            continue
        saved.append(qid)
    return saved


def answers_current(attempt: Attempt) -> dict[str, list[str]]:
    """The attempt's saved answers as form data (field name -> values)."""
    data: dict[str, list[str]] = {}
    for fields in SavedAnswer.objects.filter(attempt=attempt).values_list("fields", flat=True):
        if isinstance(fields, dict):
            data.update(
                {k: [str(v) for v in vs] for k, vs in fields.items() if isinstance(vs, list)}
            )
    return data


def attempt_questions_answered(attempt: Attempt) -> list[dict]:
    """attempt_questions with the saved answers filled in, for the page that resumes it."""
    data = answers_current(attempt)
    shown = attempt_questions(attempt)
    for item in shown:
        name = f"q-{item['id']}"
        picked = set(data.get(name, []))
        item["value"] = next(iter(data.get(name, [])), "")
        for option in item.get("options", []):
            option["checked"] = option["key"] in picked
        for entry in item.get("items", []):
            entry["place"] = next(iter(data.get(f"{name}-{entry['key']}", [])), "")
    return shown


def _answers_merged(attempt: Attempt, bank: dict, data) -> tuple[dict[str, list[str]], bool]:
    """The form data to grade: for each question of the attempt, its fields in `data` when it
    has any there, else its saved draft (what answers_save then answers_current would give,
    without writing drafts that grading deletes at once). And whether drafts may exist.

    At most one query, and none when the form answers every question (drafts then change
    nothing; whether any exist is unknown, so the caller deletes them)."""
    from_form: dict[str, dict[str, list[str]]] = {}
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        fields = {}
        for name in _question_fields(question):
            values = _values(data, name)
            if values:
                fields[name] = values
        from_form[qid] = fields
    if all(from_form.values()):
        saved, drafts = {}, True
    else:
        saved = {d.question_id: d.fields for d in _DRAFTS.run(attempt_id=attempt.pk)}
        drafts = bool(saved)
    merged: dict[str, list[str]] = {}
    for qid, fields in from_form.items():
        chosen = fields or saved.get(qid)
        if isinstance(chosen, dict):
            merged.update(
                {k: [str(v) for v in vs] for k, vs in chosen.items() if isinstance(vs, list)}
            )
    return merged, drafts


def attempt_submit(
    *,
    attempt: Attempt,
    data,
    unanswered_confirmed: bool = False,
    attempts: list[Attempt] | None = None,
) -> Graded:
    """Grade the attempt, once, from the answers in `data` and those saved before (a blank in
    the form does not erase a saved answer). Writes the LMS grade in the same transaction.
    `attempts`: the participant's attempts here as read before (by number), if the caller has
    them; the counted score is then worked out without reading them again.

    Raises SubmissionIncomplete, without grading or using the attempt, when nothing is
    answered, or when some questions are unanswered and `unanswered_confirmed` is false; the
    answers given are saved as drafts first, so the page shown again keeps them.
    """
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return Graded(attempt=attempt, newly=False)
    bank = {item["id"]: item for item in attempt.module_version.questions}
    merged, drafts = _answers_merged(attempt, bank, data)
    orders = choice_orders(attempt)
    answers, credits, unanswered = {}, {}, []
    for number, qid in enumerate(attempt.question_ids, start=1):
        question = bank.get(qid)
        if question is None:
            continue
        answer = q.read_answer(question, q.form_to_original(question, merged, orders.get(qid)))
        if answer is None:
            unanswered.append(number)
        answers[qid] = answer
        credits[qid] = q.score(question, answer)
    if len(unanswered) == len(answers) or (unanswered and not unanswered_confirmed):
        try:
            answers_save(attempt=attempt, data=data)
        except AttemptClosed:  # pragma: no cover - checked above; kept for a changed caller
            pass
        raise SubmissionIncomplete(unanswered=unanswered, total=len(answers))
    score = _percent(list(credits.values()))
    mastered = score >= Decimal(str(attempt.policy["threshold"]))
    now = timezone.now()
    participant, placement = attempt.participant, attempt.placement
    submitted = {
        "status": Attempt.Status.SUBMITTED,
        "answers": answers,
        "credits": credits,
        "score": score,
        "mastered": mastered,
        "submitted_at": now,
    }
    # The update that submits it, unless another request submitted it first.
    guard = update_statement(
        Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS), submitted
    )
    if attempts is None:
        done = [a for a in _submitted(participant, placement) if a.pk != attempt.pk]
    else:
        done = [a for a in attempts if a.status == Attempt.Status.SUBMITTED and a.pk != attempt.pk]
    # What the update writes, on the attempt read before it (its result if the update wins).
    for name, value in submitted.items():
        setattr(attempt, name, value)
    counted = counted_of(sorted([*done, attempt], key=lambda a: a.number))
    right = sum(1 for c in credits.values() if c == 1)
    if page_flag(placement, participant, "override"):
        score_given = mastery_score_counted(
            participant=participant, placement=placement, counted=counted, grading=attempt
        )
        note = override_note(participant=participant, placement=placement)
    else:  # no override here: the counted attempt's score is the gradebook's
        score_given, note = counted.score, ""
    # The answers now live in the attempt; drafts of a finished attempt serve nobody (nor of
    # one another request submitted first: deleting them is harmless either way).
    record = grade_record_create_after(
        guard=guard,
        also=[_DRAFTS_DELETE.statement(attempt_id=attempt.pk)] if drafts else [],
        participant=participant,
        placement=placement,
        score_given=score_given,
        score_maximum=100,
        kind=GradeRecord.Kind.MASTERY,
        comment=_comment(attempt, counted, right, len(credits)) + note,
    )
    if record is None:
        # Another request submitted it first: its result stands.
        attempt.refresh_from_db()
        return Graded(attempt=attempt, newly=False)
    return Graded(attempt=attempt, newly=True)


def _comment(attempt: Attempt, counted: Attempt, right: int, total: int) -> str:
    state = "mastered" if counted.mastered else "not yet mastered"
    text = (
        f"Mastery check attempt {attempt.number}: {right} of {total} fully correct, "
        f"{attempt.score}%. Counted score ({counted.policy.get('score_policy', 'highest')}): "
        f"{counted.score}%, {state} (threshold {attempt.policy['threshold']}%)."
    )
    return text


@dataclass
class Feedback:
    question: dict
    shown: dict
    answer_text: str
    correct_text: str
    credit: float
    lesson_slug: str

    @property
    def verdict(self) -> str:
        if self.credit >= 1:
            return "right"
        return "partly right" if self.credit > 0 else "not right yet"


def attempt_feedback(attempt: Attempt) -> list[Feedback]:
    bank = {item["id"]: item for item in attempt.module_version.questions}
    shown = {item["id"]: item for item in attempt_questions(attempt)}
    result = []
    for qid in attempt.question_ids:
        question = bank.get(qid)
        if question is None:
            continue
        answer = (attempt.answers or {}).get(qid)
        result.append(
            Feedback(
                question=question,
                shown=shown[qid],
                answer_text=q.describe_answer(question, answer),
                correct_text=q.correct_answer(question),
                credit=float((attempt.credits or {}).get(qid, 0)),
                lesson_slug=question.get("lesson", ""),
            )
        )
    return result


@dataclass
class MasteryStatus:
    policy: dict
    attempts: list[Attempt]
    open_attempt: Attempt | None
    counted: Attempt | None
    refusal: str
    grade: GradeRecord | None
    lessons_left: list[Lesson] = field(default_factory=list)
    review: Review | None = None

    @property
    def mastered(self) -> bool:
        return bool(self.counted and self.counted.mastered)

    @property
    def ever_mastered(self) -> bool:
        return any(a.mastered for a in self.attempts)

    @property
    def attempts_used(self) -> bool:
        return self.attempts_left == 0 and self.open_attempt is None

    @property
    def attempts_left(self) -> int | None:
        if not self.policy["max_attempts"]:
            return None
        return max(0, self.policy["max_attempts"] - len(self.attempts))


def mastery_status(
    *,
    participant: Participant,
    placement: Placement,
    version: ModuleVersion,
    is_trainer: bool = False,
    progress=None,
    attempts: list[Attempt] | None = None,
) -> MasteryStatus:
    """Where the participant stands with the module's check, and what their result pages may
    reveal (`review`; `is_trainer`: the viewer is a trainer, who may see everything).
    `progress` and `attempts` (all of the participant's attempts here, by number): what the
    page has read already."""
    policy = policy_for(version, placement)
    policy = _with_grants(policy, participant=participant, placement=placement)
    if attempts is None:
        attempts = attempts_all(participant, placement)
    done = [a for a in attempts if a.status == Attempt.Status.SUBMITTED]
    left = lessons_left(
        participant=participant,
        placement=placement,
        version=version,
        policy=policy,
        progress=progress,
    )
    refusal = start_refusal(participant=participant, placement=placement, policy=policy, done=done)
    status = MasteryStatus(
        policy=policy,
        attempts=done,
        open_attempt=next((a for a in attempts if a.status == Attempt.Status.IN_PROGRESS), None),
        counted=counted_of(done),
        refusal=refusal or (lessons_left_message(left) if left else ""),
        grade=grades_latest(participant=participant, placement=placement).get(
            GradeRecord.Kind.MASTERY
        ),
        lessons_left=left,
    )
    status.review = review_visibility(
        policy=policy,
        mastered=status.ever_mastered,
        attempts_used=status.attempts_used,
        is_trainer=is_trainer,
    )
    return status
