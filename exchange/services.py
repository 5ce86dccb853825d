"""Services (writes) and selectors (reads) of the practice exchange.

Who sees what:
- a post in a placement: the cohort (teachers and trainers) while it is shared; its author and
  the cohort's trainers also while it is hidden (the author reads the trainer's reason);
- a withdrawn post: nobody (its content and file are gone; the author sees its title only);
- an exemplar whose author consented: also the teachers of other cohorts of the same program on
  the same platform, with the author's name or anonymously as the author chose; never the
  responses, which stay within the cohort.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from courses.models import Membership, Module, Participant, Placement, Role
from mastery.evidence import EvidenceRefused, detect, evidence_latest, evidence_submit
from mastery.models import EvidenceSubmission
from notifications.services import Kind, notifications_forget, notify

from .models import Post, Report, Response

MAX_TITLE = 200
MAX_TEXT = 5_000
MAX_LINK = 1_000


RESPONSE = "exchange.response"
REPLY = "exchange.reply"
REPORT = "exchange.report"
KINDS = [
    Kind(name=RESPONSE, label="Responses to your shared practice", audience="teacher"),
    Kind(name=REPLY, label="Replies to your responses on shared practice", audience="teacher"),
    Kind(name=REPORT, label="Shared practice reported in your cohorts", audience="trainer"),
]


def _key(post: Post, what: str) -> str:
    # Every notification about a post starts with its prefix, so withdrawing forgets them all.
    return f"post-{post.pk}-{what}"


def _module_title(post: Post) -> str:
    title = (
        Module.objects.filter(slug=post.placement.module_slug)
        .values_list("current__title", flat=True)
        .first()
    )
    return title or post.placement.title or "your module"


def _where(post: Post) -> str:
    return (
        f"Open “{_module_title(post)}” from your course in your LMS, then “Shared practice”, "
        f"and choose “{post.title}”."
    )


# Emails name no colleague: the page shows who wrote what, and a name in someone else's inbox
# (and in their data export) is one more copy to erase.


class ExchangeRefused(Exception):
    """The request cannot be done; the message says why, for the person."""


@dataclass
class PostDraft:
    """What a teacher typed to share a post (exchange.forms.PostForm reads it from the page)."""

    kind: str = ""
    title: str = ""
    tried: str = ""
    happened: str = ""
    change: str = ""
    link: str = ""
    consent: str = Post.Consent.NO
    privacy_confirmed: bool = False


def link_clean(link: str) -> str:
    """An http(s) URL with a host, or ExchangeRefused: no javascript:, data: or relative links."""
    if not link:
        return ""
    if len(link) > MAX_LINK:
        raise ExchangeRefused(f"The link is longer than {MAX_LINK} characters.")
    try:
        parts = urlsplit(link)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme.lower() not in ("http", "https")
        or not parts.hostname
        or any(c.isspace() or ord(c) < 32 for c in link)
    ):
        raise ExchangeRefused("The link must be a web address starting with https:// or http://.")
    return link


def _text(value: str, what: str, *, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if not value:
        raise ExchangeRefused(f"Write {what}.")
    if len(value) > limit:
        raise ExchangeRefused(f"{what[0].upper()}{what[1:]} is longer than {limit} characters.")
    return value


def post_create(
    *,
    author: Participant,
    placement: Placement,
    module: Module,
    platform_id: int,
    draft: PostDraft,
    upload=None,
) -> Post:
    """Share a piece of practice with the cohort."""
    if draft.kind not in Post.Kind.values:
        raise ExchangeRefused("Choose whether you share a lesson plan or a classroom artifact.")
    title = _text(draft.title, "a title", limit=MAX_TITLE)
    tried = _text(draft.tried, "what you tried")
    happened = _text(draft.happened, "what happened")
    change = _text(draft.change, "what you would change")
    link = link_clean(draft.link)
    if draft.consent not in Post.Consent.values:
        raise ExchangeRefused("Choose whether later cohorts may see this post.")
    if not draft.privacy_confirmed:
        raise ExchangeRefused("Confirm that you removed student names and faces before you share.")
    try:
        detected = detect(upload) if upload is not None else None
    except EvidenceRefused as exc:
        raise ExchangeRefused(str(exc)) from exc
    post = Post(
        placement=placement,
        author=author,
        program_id=module.program_id,
        platform_id=platform_id,
        kind=draft.kind,
        title=title,
        tried=tried,
        happened=happened,
        change=change,
        link=link,
        consent=draft.consent,
        privacy_confirmed=True,
    )
    if detected is not None:
        post.file_type = detected.extension
        post.file_mime = detected.mime
        post.file_size = upload.size
        post.file.save("upload", upload, save=False)
    try:
        post.save()
    except Exception:
        # No row points at the file: do not leave it in storage.
        if post.file:
            post_files_delete([post.file.name])
        raise
    return post


# --- reading ---------------------------------------------------------------------------------


def cohort_posts(*, placement: Placement, reader_id: int, is_trainer: bool):
    """The posts of this placement the reader may see, newest first, with response counts."""
    visible = Q(status=Post.Status.SHARED)
    if is_trainer:
        visible |= Q(status=Post.Status.HIDDEN)
    else:
        visible |= Q(status=Post.Status.HIDDEN, author_id=reader_id)
    return (
        Post.objects.filter(visible, placement=placement)
        .select_related("author")
        .annotate(
            response_count=Count("responses", distinct=True),
            report_count=Count("reports", distinct=True),
        )
    )


def exemplars_elsewhere(*, placement: Placement, module: Module, platform_id: int):
    """Exemplars of other cohorts of this program on this platform whose authors consented."""
    return (
        Post.objects.filter(
            program_id=module.program_id,
            platform_id=platform_id,
            exemplar=True,
            status=Post.Status.SHARED,
            consent__in=[Post.Consent.NAMED, Post.Consent.ANONYMOUS],
        )
        .exclude(placement__cohort_id=placement.cohort_id)
        .select_related("author", "placement")
    )


def post_for_reader(
    *,
    post_id: int,
    placement: Placement,
    module: Module,
    reader_id: int,
    is_trainer: bool,
    platform_id: int,
) -> tuple[Post, bool] | None:
    """The post and whether the reader is in its cohort, if the reader may see it; else None."""
    post = (
        cohort_posts(placement=placement, reader_id=reader_id, is_trainer=is_trainer)
        .filter(pk=post_id)
        .first()
    )
    if post is not None:
        return post, True
    post = (
        exemplars_elsewhere(placement=placement, module=module, platform_id=platform_id)
        .filter(pk=post_id)
        .first()
    )
    return (post, False) if post is not None else None


def author_shown(post: Post, *, same_cohort: bool) -> str:
    """The author's name as this reader may read it."""
    if same_cohort or post.consent == Post.Consent.NAMED:
        return post.author.display_name
    return "A teacher in another cohort"


def withdrawn_posts(*, placement: Placement, author_id: int):
    """The author's withdrawn posts here (their titles stay for the author's own list)."""
    return Post.objects.filter(
        placement=placement, author_id=author_id, status=Post.Status.WITHDRAWN
    ).only("title", "withdrawn_at")


# --- responses, replies, reports ---------------------------------------------------------------


def response_allowed(
    *, post: Post, reader_id: int, same_cohort: bool, responses: list[Response]
) -> bool:
    """A colleague of the cohort (not the author) responds to a shared post, once."""
    return (
        same_cohort
        and post.author_id != reader_id
        and post.status == Post.Status.SHARED
        and not any(r.author_id == reader_id for r in responses)
    )


def report_allowed(*, post: Post, reader_id: int, same_cohort: bool) -> bool:
    """A colleague of the cohort (not the author) reports a shared post."""
    return same_cohort and post.author_id != reader_id and post.status == Post.Status.SHARED


def response_create(
    *, post: Post, author: Participant, glow: str, grow: str, question: str
) -> Response:
    if post.status != Post.Status.SHARED:
        raise ExchangeRefused("This post is not open for responses.")
    if post.author_id == author.pk:
        raise ExchangeRefused("Colleagues respond to a post; you reply to their responses.")
    values = {
        "glow": _text(glow, "what works (glow)"),
        "grow": _text(grow, "what to try (grow)"),
        "question": _text(question, "a question"),
    }
    try:
        with transaction.atomic():
            response = Response.objects.create(post=post, author=author, **values)
            notify(
                participant=post.author,
                kind=RESPONSE,
                key=_key(post, f"response-{response.pk}"),
                subject=f"A colleague responded to “{post.title}”",
                body=(
                    f"A colleague responded to the practice you shared, “{post.title}”: "
                    f"what works, what to try, and a question. You can reply once.\n\n"
                    f"{_where(post)}"
                ),
            )
            return response
    except IntegrityError as exc:
        raise ExchangeRefused("You already responded to this post.") from exc


def response_reply(*, response: Response, author: Participant, reply: str) -> Response:
    """The post author's one reply to a response."""
    if response.post.author_id != author.pk:
        raise ExchangeRefused("Only the author of the post replies to its responses.")
    if response.post.status == Post.Status.WITHDRAWN:
        raise ExchangeRefused("This post was withdrawn.")
    text = _text(reply, "your reply")
    post = response.post
    with transaction.atomic():
        updated = Response.objects.filter(pk=response.pk, reply="").update(
            reply=text, replied_at=timezone.now()
        )
        if not updated:
            raise ExchangeRefused("You already replied to this response.")
        notify(
            participant=response.author,
            kind=REPLY,
            key=_key(post, f"reply-{response.pk}"),
            subject=f"The author replied to your response on “{post.title}”",
            body=(f"The author of “{post.title}” replied to your response.\n\n{_where(post)}"),
        )
    response.refresh_from_db()
    return response


def report_create(*, post: Post, reporter: Participant, reason: str) -> Report:
    if post.author_id == reporter.pk:
        raise ExchangeRefused("You can withdraw your own post instead.")
    if post.status == Post.Status.WITHDRAWN:
        raise ExchangeRefused("This post was withdrawn.")
    text = _text(reason, "why you report this post", limit=2_000)
    try:
        with transaction.atomic():
            report = Report.objects.create(post=post, reporter=reporter, reason=text)
            trainers = Participant.objects.filter(
                memberships__cohort_id=post.placement.cohort_id,
                memberships__role=Role.TRAINER,
                memberships__status=Membership.Status.ACTIVE,
            ).distinct()
            for trainer in trainers:
                notify(
                    participant=trainer,
                    kind=REPORT,
                    key=_key(post, f"report-{report.pk}"),
                    subject=f"A post was reported: “{post.title}”",
                    body=(
                        f"A teacher reported “{post.title}”, shared practice in your cohort. "
                        f"You can hide it (the author reads your reason) or leave it shared.\n\n"
                        f"{_where(post)}"
                    ),
                    digest=True,
                )
            return report
    except IntegrityError as exc:
        raise ExchangeRefused("You already reported this post.") from exc


# --- the author's and the trainer's actions ------------------------------------------------


def post_withdraw(*, post: Post, author: Participant) -> Post:
    """The author takes the post back: its content, file and responses are deleted; the title
    stays for the author's own list."""
    if post.author_id != author.pk:
        raise ExchangeRefused("Only the author can withdraw a post.")
    file_name = post.file.name if post.file else ""
    with transaction.atomic():
        updated = posts_blank(
            Post.objects.filter(pk=post.pk).exclude(status=Post.Status.WITHDRAWN), keep_title=True
        )
        if not updated:
            raise ExchangeRefused("This post was already withdrawn.")
        Response.objects.filter(post=post).delete()
        Report.objects.filter(post=post).delete()
        post_notifications_forget(post)
        if file_name:
            transaction.on_commit(lambda: post_files_delete([file_name]))
    post.refresh_from_db()
    return post


def posts_blank(posts, *, keep_title: bool) -> int:
    """The posts become withdrawn rows without content, file, exemplar mark or consent.

    `keep_title=True` (the author withdraws) keeps the title for the author's own list;
    `keep_title=False` (privacy erasure) also blanks the title and a trainer's hiding reason.
    Returns how many rows changed. Responses, reports, notifications and files are the
    caller's (see `post_withdraw` and `exchange_erase`)."""
    fields = {
        "status": Post.Status.WITHDRAWN,
        "withdrawn_at": timezone.now(),
        "tried": "",
        "happened": "",
        "change": "",
        "link": "",
        "file": "",
        "file_type": "",
        "file_mime": "",
        "file_size": 0,
        "exemplar": False,
        "consent": Post.Consent.NO,
    }
    if not keep_title:
        fields.update(title="", hidden_reason="")
    return posts.update(**fields)


def exchange_erase(*, participant_id: int) -> None:
    """Privacy erasure of a participant's shared practice: their posts become empty withdrawn
    rows (files deleted once the transaction commits); colleagues' responses to them and the
    person's own responses and reports are deleted, with unsent emails about them."""
    posts = Post.objects.filter(author_id=participant_id)
    files = [p.file.name for p in posts.exclude(file="")]
    with transaction.atomic():
        for post in posts:
            post_notifications_forget(post)
        for response in Response.objects.filter(author_id=participant_id).select_related("post"):
            notifications_forget(
                kind=RESPONSE, key_prefix=_key(response.post, f"response-{response.pk}")
            )
        Response.objects.filter(
            Q(post__author_id=participant_id) | Q(author_id=participant_id)
        ).delete()
        Report.objects.filter(
            Q(post__author_id=participant_id) | Q(reporter_id=participant_id)
        ).delete()
        posts_blank(posts, keep_title=False)
        transaction.on_commit(lambda: post_files_delete(files))


def post_notifications_forget(post: Post) -> None:
    """Unsent emails about a withdrawn or erased post: not sent."""
    for kind in (RESPONSE, REPLY, REPORT):
        notifications_forget(kind=kind, key_prefix=_key(post, ""))


def post_files_delete(names: list[str]) -> None:
    storage = Post._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def post_consent_set(*, post: Post, author: Participant, consent: str) -> Post:
    if post.author_id != author.pk:
        raise ExchangeRefused("Only the author decides who may see the post.")
    if consent not in Post.Consent.values:
        raise ExchangeRefused("Choose whether later cohorts may see this post.")
    if post.status == Post.Status.WITHDRAWN:
        raise ExchangeRefused("This post was withdrawn.")
    Post.objects.filter(pk=post.pk).update(consent=consent)
    post.consent = consent
    return post


def post_exemplar_set(*, post: Post, trainer: Participant, exemplar: bool) -> Post:
    if post.status != Post.Status.SHARED:
        raise ExchangeRefused("Only a shared post can be an exemplar.")
    now = timezone.now()
    Post.objects.filter(pk=post.pk).update(
        exemplar=exemplar,
        exemplar_by=trainer if exemplar else None,
        exemplar_at=now if exemplar else None,
    )
    post.refresh_from_db()
    return post


def post_hide(*, post: Post, trainer: Participant, reason: str) -> Post:
    """Hide a post from the cohort; the author sees the reason."""
    text = _text(reason, "the reason the author will read", limit=2_000)
    updated = Post.objects.filter(pk=post.pk, status=Post.Status.SHARED).update(
        status=Post.Status.HIDDEN,
        hidden_reason=text,
        hidden_by=trainer,
        hidden_at=timezone.now(),
        exemplar=False,
    )
    if not updated:
        raise ExchangeRefused("Only a shared post can be hidden.")
    post.refresh_from_db()
    return post


def post_hidden_set(*, post: Post, trainer: Participant, hidden: bool, reason: str) -> Post:
    """A trainer hides a shared post (with the reason the author reads) or shows it again."""
    if hidden:
        return post_hide(post=post, trainer=trainer, reason=reason)
    return post_unhide(post=post, trainer=trainer)


def post_unhide(*, post: Post, trainer: Participant) -> Post:
    updated = Post.objects.filter(pk=post.pk, status=Post.Status.HIDDEN).update(
        status=Post.Status.SHARED, hidden_reason="", hidden_by=None, hidden_at=None
    )
    if not updated:
        raise ExchangeRefused("This post is not hidden.")
    post.refresh_from_db()
    return post


# --- "Use as my evidence" ---------------------------------------------------------------------


def post_reflection(post: Post) -> str:
    """The post as a written reflection, for the evidence form."""
    parts = [
        f"{post.get_kind_display()}: {post.title}",
        f"What I tried:\n{post.tried}",
        f"What happened:\n{post.happened}",
        f"What I would change:\n{post.change}",
    ]
    if post.link:
        parts.append(f"Link: {post.link}")
    return "\n\n".join(parts)


def evidence_allowed(*, post: Post, participant: Participant, module: Module) -> bool:
    if post.author_id != participant.pk or post.status == Post.Status.WITHDRAWN:
        return False
    if not module.current.evidence_task:
        return False
    latest = evidence_latest(participant, post.placement)
    return latest is None or latest.status == EvidenceSubmission.Status.REVISION


def post_to_evidence(
    *, post: Post, participant: Participant, module: Module, reflection: str
) -> EvidenceSubmission:
    """Submit the post as the module's evidence of practice: the file is copied (the evidence
    keeps its own copy, so withdrawing the post leaves the evidence whole)."""
    if post.author_id != participant.pk:
        raise ExchangeRefused("Only your own post can be your evidence.")
    if post.status == Post.Status.WITHDRAWN:
        raise ExchangeRefused("This post was withdrawn.")
    if not module.current.evidence_task:
        raise ExchangeRefused("This module asks for no evidence of practice.")
    upload = None
    if post.file:
        with post.file.open("rb") as handle:
            upload = ContentFile(handle.read(), name=f"shared.{post.file_type}")
    try:
        return evidence_submit(
            participant=participant,
            placement=post.placement,
            version=module.current,
            reflection=reflection,
            upload=upload,
        )
    except EvidenceRefused as exc:
        raise ExchangeRefused(str(exc)) from exc


# --- the module page's panel -------------------------------------------------------------------


def _placement_count(queryset):
    """How many rows of `queryset` (of one placement), as a subquery; 0 when none."""
    counted = queryset.order_by().values("placement_id").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted), 0)


def page_flags() -> dict:
    """Counts the module page's placement query carries (courses.pages.page_flag_register), so
    the panel costs that page no query of its own."""

    def shared(mine):
        return _placement_count(
            Post.objects.filter(placement_id=mine["placement_id"], status=Post.Status.SHARED)
        )

    def reports(mine):
        counted = (
            Report.objects.filter(
                post__placement_id=mine["placement_id"], post__status=Post.Status.SHARED
            )
            .order_by()
            .values("post__placement_id")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        )
        return Coalesce(Subquery(counted), 0)

    return {"exchange_shared": shared, "exchange_reports": reports}


def reported_posts(*, cohort_id: int, limit: int = 20) -> list[dict]:
    """Shared posts of the cohort that teachers reported, most reported first (one query)."""
    return list(
        Report.objects.filter(post__placement__cohort_id=cohort_id, post__status=Post.Status.SHARED)
        .values("post_id", "post__title", "post__placement_id")
        .annotate(reports=Count("pk"))
        .order_by("-reports", "post_id")[:limit]
    )


def panel_counts(
    *, placement: Placement, module: Module, reader_id: int, is_trainer: bool, platform_id: int
) -> dict:
    """Shared posts here, and (for trainers) reports on them: from the module page's placement
    query when it carries them, else in one query."""
    shared = getattr(placement, "page_exchange_shared", None)
    reports = getattr(placement, "page_exchange_reports", None)
    if shared is not None and reports is not None:
        return {"shared": shared, "reports": reports if is_trainer else 0}
    counts = Post.objects.filter(placement=placement).aggregate(
        shared=Count("pk", filter=Q(status=Post.Status.SHARED), distinct=True),
        reports=Count("reports", filter=Q(status=Post.Status.SHARED), distinct=True),
    )
    return {"shared": counts["shared"], "reports": counts["reports"] if is_trainer else 0}
