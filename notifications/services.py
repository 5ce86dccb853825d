"""Notifications by email (the contract other apps use; see docs/notifications.md).

An app registers the kinds it sends (`kind_register`), queues one with `notify()` in the
transaction that records its event, and may register a producer for time-based ones (a session
tomorrow, a weekly digest). The worker (`manage.py grades worker`, or `manage.py notifications
send`) runs the producers and sends what is due through Django's email API, each once: a row
is claimed under a row lock, sent, and marked sent in the same transaction.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from courses.models import Participant

from .models import Notification, OptOut

logger = logging.getLogger("ignite.notifications")

TEACHER = "teacher"
TRAINER = "trainer"
MAX_ATTEMPTS = 5
BATCH = 50
UNSUBSCRIBE_SALT = "ignite.notifications.unsubscribe"


@dataclass(frozen=True)
class Kind:
    name: str  # "exchange.response": the app's name, a dot, what happened
    label: str  # "Responses to your shared practice": shown where people turn kinds off
    audience: str = TEACHER  # TEACHER or TRAINER: whose settings page lists it


_kinds: dict[str, Kind] = {}
_producers: dict[str, Callable[..., object]] = {}


def kind_register(kind: Kind) -> None:
    if kind.audience not in (TEACHER, TRAINER):
        raise ValueError(f"notification kind {kind.name!r}: audience must be teacher or trainer")
    _kinds[kind.name] = kind


def kinds(*, audiences: tuple[str, ...] = (TEACHER, TRAINER)) -> list[Kind]:
    return sorted((k for k in _kinds.values() if k.audience in audiences), key=lambda k: k.label)


def kind_label(name: str) -> str:
    if not name:
        return "all email from Ignite"
    kind = _kinds.get(name)
    return kind.label if kind else name


def producer_register(name: str, producer: Callable[..., object]) -> None:
    """`producer(*, now)` queues time-based notifications with `notify()`; it runs every few
    minutes in the worker, so its keys must make a repeat a no-op."""
    _producers[name] = producer


def opted_out(participant_id: int, kind: str) -> bool:
    return OptOut.objects.filter(
        participant_id=participant_id, kind__in=(kind, OptOut.ALL)
    ).exists()


def _opt_outs(participant_ids) -> dict[int, set[str]]:
    """The kinds each of these people turned off ("" is every kind), in one query."""
    kinds: dict[int, set[str]] = {}
    rows = OptOut.objects.filter(participant_id__in=set(participant_ids))
    for participant_id, kind in rows.values_list("participant_id", "kind"):
        kinds.setdefault(participant_id, set()).add(kind)
    return kinds


def _turned_off(opt_outs: dict[int, set[str]], participant_id: int, kind: str) -> bool:
    return bool(opt_outs.get(participant_id, set()) & {kind, OptOut.ALL})


def preferences_set(
    *,
    participant: Participant,
    kinds_on: set[str],
    all_on: bool,
    kinds_offered: Iterable[str] | None = None,
) -> None:
    """Save the settings page: every kind in `kinds_offered` (default: every registered kind)
    that is not in `kinds_on` is turned off, the others on; `all_on=False` turns off every
    email (the "" row). Opt-outs of kinds the page did not offer (a trainer's kinds, saved from
    a teacher's launch) stay as they are. Saving the same choices again changes nothing."""
    offered = set(_kinds if kinds_offered is None else kinds_offered)
    off = offered - set(kinds_on)
    if not all_on:
        off.add(OptOut.ALL)
    with transaction.atomic():
        OptOut.objects.filter(
            participant=participant, kind__in=(offered | {OptOut.ALL}) - off
        ).delete()
        # ignore_conflicts: a row already there (or written by a concurrent save) stays one row.
        OptOut.objects.bulk_create(
            [OptOut(participant=participant, kind=name) for name in sorted(off)],
            ignore_conflicts=True,
        )


def opt_out(*, participant: Participant, kind: str) -> bool:
    """Turn off one kind of email (`OptOut.ALL`, "", for every email), as an unsubscribe link
    does. Returns True when it was on until now; a second click changes nothing."""
    with transaction.atomic():
        _, created = OptOut.objects.get_or_create(participant=participant, kind=kind)
    return created


def notify(
    *,
    participant: Participant,
    kind: str,
    key: str,
    subject: str,
    body: str,
    url: str = "",
    digest: bool = False,
) -> bool:
    """Queue one email to `participant` about an event, at most once per (kind, key).

    Returns True when queued now; False when it was queued before, when the LMS gave no email
    address, or when the person turned this kind (or all email) off."""
    if kind not in _kinds:
        raise ValueError(f"unknown notification kind {kind!r}: register it with kind_register()")
    if not participant.email or opted_out(participant.pk, kind):
        return False
    _, created = Notification.objects.get_or_create(
        participant=participant,
        kind=kind,
        key=key[:200],
        defaults={
            "subject": " ".join(subject.split())[:200],
            "body": body,
            "url": url[:500],
            "digest": digest,
        },
    )
    return created


def notifications_forget(*, kind: str, key_prefix: str) -> int:
    """Delete unsent notifications of `kind` whose key starts with `key_prefix` (the thing they
    were about was withdrawn). Returns how many."""
    deleted, _ = Notification.objects.filter(
        kind=kind, key__startswith=key_prefix, state=Notification.State.PENDING
    ).delete()
    return deleted


def notifications_erase(*, participant: Participant) -> int:
    """Every notification and opt-out of the participant (privacy erasure)."""
    count, _ = Notification.objects.filter(participant=participant).delete()
    OptOut.objects.filter(participant=participant).delete()
    return count


def base_url() -> str:
    """Where links in emails point: IGNITE_BASE_URL, or the development server."""
    return (settings.IGNITE_BASE_URL or "http://127.0.0.1:8000").rstrip("/")


def absolute_url(url: str) -> str:
    return url if not url or "://" in url else base_url() + "/" + url.lstrip("/")


def unsubscribe_token(participant_id: int, kind: str) -> str:
    return signing.dumps({"p": participant_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """The (participant id, kind) a token names, or None when it was not made here."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("p"), int):
        return None
    kind = data.get("k")
    return (data["p"], kind) if isinstance(kind, str) else None


def unsubscribe_url(participant_id: int, kind: str) -> str:
    token = unsubscribe_token(participant_id, kind)
    return base_url() + reverse("notifications:unsubscribe", args=[token])


def _message(*, to: str, subject: str, text: str, unsubscribe: str, what: str) -> EmailMessage:
    footer = (
        "\n\n--\nIgnite, your professional learning in your LMS.\n"
        f"You get this email about {what}. To stop it, open: {unsubscribe}\n"
        "You can also choose which emails you get on Ignite's Notifications page in your course."
    )
    return EmailMessage(
        subject=subject,
        body=text + footer,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            # One-click unsubscribe (RFC 8058): mail clients show a button that POSTs here.
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


def _text(notification: Notification) -> str:
    link = absolute_url(notification.url)
    return notification.body.strip() + (f"\n\n{link}" if link else "")


def _failed(notification: Notification, exc: Exception, now: datetime) -> None:
    notification.attempts += 1
    notification.last_error = f"{type(exc).__name__}: {exc}"[:300]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.state = Notification.State.FAILED
    else:
        notification.due_at = now + timedelta(minutes=2**notification.attempts)
    logger.warning(
        "notification %s not sent (attempt %s): %s",
        notification.pk,
        notification.attempts,
        type(exc).__name__,
    )


def _claim(query, limit: int) -> list[Notification]:
    return list(
        query.select_for_update(skip_locked=True, of=("self",))
        .select_related("participant")
        .order_by("due_at", "pk")[:limit]
    )


SEND_ERRORS = (smtplib.SMTPException, OSError)
SAVED = ["state", "sent_at", "attempts", "last_error", "due_at"]


def _send_single(now: datetime, connection) -> int:
    sent = 0
    while True:
        with transaction.atomic():
            batch = _claim(
                Notification.objects.filter(
                    state=Notification.State.PENDING, digest=False, due_at__lte=now
                ),
                BATCH,
            )
            # A batch's opt-outs in one query, its rows saved in one: the queries of a round do
            # not grow with the notifications in it.
            off = _opt_outs(n.participant_id for n in batch) if batch else {}
            for n in batch:
                if not n.participant.email or _turned_off(off, n.participant_id, n.kind):
                    n.state = Notification.State.SKIPPED
                else:
                    message = _message(
                        to=n.participant.email,
                        subject=n.subject,
                        text=_text(n),
                        unsubscribe=unsubscribe_url(n.participant_id, n.kind),
                        what=kind_label(n.kind).lower(),
                    )
                    message.connection = connection
                    try:
                        message.send()
                    except SEND_ERRORS as exc:
                        _failed(n, exc, now)
                    else:
                        n.state, n.sent_at = Notification.State.SENT, now
                        sent += 1
            if batch:
                Notification.objects.bulk_update(batch, SAVED)
        if len(batch) < BATCH:
            return sent


def _send_digests(now: datetime, connection) -> int:
    """One email per person with every digest item waiting, at most one a day."""
    hours = settings.IGNITE_NOTIFICATION_DIGEST_HOURS
    waiting = set(
        Notification.objects.filter(
            state=Notification.State.PENDING, digest=True, due_at__lte=now
        ).values_list("participant_id", flat=True)
    )
    recent = set(
        Notification.objects.filter(
            participant_id__in=waiting,
            digest=True,
            state=Notification.State.SENT,
            sent_at__gt=now - timedelta(hours=hours),
        ).values_list("participant_id", flat=True)
    )
    sent = 0
    for participant_id in sorted(waiting - recent):
        with transaction.atomic():
            items = _claim(
                Notification.objects.filter(
                    participant_id=participant_id,
                    state=Notification.State.PENDING,
                    digest=True,
                    due_at__lte=now,
                ),
                200,
            )
            off = _opt_outs([participant_id]) if items else {}
            keep = [n for n in items if not _turned_off(off, participant_id, n.kind)]
            person = items[0].participant if items else None
            if keep and person and person.email:
                parts = [f"* {n.subject}\n{_text(n)}" for n in keep]
                message = _message(
                    to=person.email,
                    subject=f"Ignite: {len(keep)} update{'s' if len(keep) != 1 else ''} for you",
                    text="Here is what needs you in Ignite:\n\n" + "\n\n".join(parts),
                    unsubscribe=unsubscribe_url(participant_id, OptOut.ALL),
                    what="your courses in Ignite (a daily digest)",
                )
                message.connection = connection
                try:
                    message.send()
                except SEND_ERRORS as exc:
                    for n in keep:
                        _failed(n, exc, now)
                else:
                    for n in keep:
                        n.state, n.sent_at = Notification.State.SENT, now
                    sent += 1
            for n in items:
                if n not in keep or not (person and person.email):
                    n.state = Notification.State.SKIPPED
            if items:
                Notification.objects.bulk_update(items, SAVED)
    return sent


def notifications_send(*, now: datetime | None = None) -> int:
    """Run the producers, then send every notification that is due. Returns emails sent."""
    now = now or timezone.now()
    if not settings.IGNITE_EMAIL_ENABLED:
        return 0  # queued, kept: sent once EMAIL_URL is set (`manage.py check` warns)
    for name, producer in sorted(_producers.items()):
        try:
            producer(now=now)
        except Exception:  # noqa: BLE001 - one broken producer must not stop the others
            logger.exception("notification producer %s failed", name)
    now = max(now, timezone.now())  # what the producers just queued is due in this round
    connection = get_connection()
    try:
        return _send_single(now, connection) + _send_digests(now, connection)
    finally:
        connection.close()
