"""Practice exchange pages under /app/p/<placement_id>/exchange/.

Every page needs a launch; a placement is reachable only from its own cohort, so another course
or platform gets a 404. A post is reachable from its placement's cohort, and (an exemplar its
author consented to show) from placements of the same program on the same platform, read only.
Trainer actions check the trainer role now (pagesession.access). A refused change answers with
its page again and the reason (400; 409 for withdrawing), else a 303 (pagesession.posting).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from courses.models import Module, Placement
from mastery.evidence import evidence_file_response
from pagesession.access import (
    launch_is_trainer,
    launch_placement,
    launch_required,
    trainer_required,
)
from pagesession.posting import post_answer
from pagesession.templatetags.launch_urls import lurl
from pagesession.urls_util import add_query

from . import forms
from .models import Post, Response
from .services import (
    ExchangeRefused,
    PostDraft,
    author_shown,
    cohort_posts,
    evidence_allowed,
    exemplars_elsewhere,
    post_consent_set,
    post_create,
    post_exemplar_set,
    post_for_reader,
    post_hidden_set,
    post_reflection,
    post_to_evidence,
    post_withdraw,
    report_allowed,
    report_create,
    response_allowed,
    response_create,
    response_reply,
    withdrawn_posts,
)


def _post(request, placement, module, post_id: int) -> tuple[Post, bool]:
    found = post_for_reader(
        post_id=post_id,
        placement=placement,
        module=module,
        reader_id=request.launch.claims.participant_id,
        is_trainer=launch_is_trainer(request.launch),
        platform_id=request.launch.claims.platform_id,
    )
    if found is None:
        raise Http404("No such post")
    return found


def _own_post(request, placement_id: int, post_id: int) -> tuple[Placement, Module, Post]:
    """The placement, its module and a post of it by the reader, in any status (withdrawing
    twice says so)."""
    placement, module = launch_placement(request, placement_id)
    post = Post.objects.filter(
        pk=post_id, placement=placement, author_id=request.launch.claims.participant_id
    ).first()
    if post is None:
        raise Http404("No such post of yours")
    return placement, module, post


def _post_url(request, placement, post, anchor: str = "", *, done: str = "") -> str:
    """The post's page; `done` names what was just saved, for the page to say so."""
    url = lurl({"launch": request.launch}, "exchange:post", placement.pk, post.pk)
    return (add_query(url, {"done": done}) if done else url) + anchor


def _list_context(request, placement, module) -> dict:
    launch = request.launch
    is_trainer = launch_is_trainer(launch)
    posts = list(
        cohort_posts(
            placement=placement, reader_id=launch.claims.participant_id, is_trainer=is_trainer
        )
    )
    withdrawn = withdrawn_posts(placement=placement, author_id=launch.claims.participant_id)
    exemplars = [
        {"post": p, "author": author_shown(p, same_cohort=False)}
        for p in exemplars_elsewhere(
            placement=placement, module=module, platform_id=launch.claims.platform_id
        )[:50]
    ]
    return {
        "placement": placement,
        "module": module,
        "posts": posts,
        "withdrawn": list(withdrawn),
        "exemplars": exemplars,
        "is_trainer": is_trainer,
        "kinds": Post.Kind.choices,
        "consents": Post.Consent.choices,
        "max_mb": settings.IGNITE_EVIDENCE_MAX_BYTES // 1_048_576,
        "form": PostDraft(),
        "reported": sum(p.report_count for p in posts if p.status == Post.Status.SHARED)
        if is_trainer
        else 0,
    }


def _list_refused(request, placement, module, *, status: int = 400, **extra):
    """The list page again, saying why a change was refused."""

    def page(exc: ExchangeRefused):
        context = {**_list_context(request, placement, module), "error": str(exc), **extra}
        return render(request, "exchange/list.html", context, status=status)

    return page


@require_http_methods(["GET", "HEAD", "POST"])
@launch_required
def exchange_list(request, placement_id: int):
    placement, module = launch_placement(request, placement_id)
    if request.method != "POST":
        return render(request, "exchange/list.html", _list_context(request, placement, module))
    draft = forms.PostForm(request.POST).draft()
    return post_answer(
        lambda: post_create(
            author=request.launch.participant,
            placement=placement,
            module=module,
            platform_id=request.launch.claims.platform_id,
            draft=draft,
            upload=request.FILES.get("file"),
        ),
        refused=ExchangeRefused,
        page=_list_refused(request, placement, module, form=draft),
        to=lambda post: _post_url(request, placement, post),
    )


def _post_context(request, placement, module, post, same_cohort, **extra) -> dict:
    launch = request.launch
    reader_id = launch.claims.participant_id
    is_trainer = launch_is_trainer(launch)
    mine = post.author_id == reader_id
    responses = list(post.responses.select_related("author")) if same_cohort else []
    return {
        "placement": placement,
        "module": module,
        "post": post,
        "same_cohort": same_cohort,
        "author": author_shown(post, same_cohort=same_cohort),
        "mine": mine,
        "is_trainer": is_trainer and same_cohort,
        "responses": responses,
        "can_respond": response_allowed(
            post=post, reader_id=reader_id, same_cohort=same_cohort, responses=responses
        ),
        "can_report": report_allowed(post=post, reader_id=reader_id, same_cohort=same_cohort),
        "reports": list(post.reports.select_related("reporter"))
        if is_trainer and same_cohort
        else [],
        "consents": Post.Consent.choices,
        "evidence_allowed": same_cohort
        and evidence_allowed(post=post, participant=launch.participant, module=module),
        "evidence_reflection": post_reflection(post),
        **extra,
    }


@require_safe
@launch_required
def post_page(request, placement_id: int, post_id: int):
    placement, module = launch_placement(request, placement_id)
    post, same_cohort = _post(request, placement, module, post_id)
    return render(
        request, "exchange/post.html", _post_context(request, placement, module, post, same_cohort)
    )


def _refused(request, placement, module, post, **extra):
    """The post's page again (its cohort's view), saying why a change was refused."""

    def page(exc: ExchangeRefused):
        context = _post_context(request, placement, module, post, True, error=str(exc), **extra)
        return render(request, "exchange/post.html", context, status=400)

    return page


def _refused_own(request, placement, module, post_id: int, **extra):
    """A change to the reader's own post refused: its page as they see it now, with why."""

    def page(exc: ExchangeRefused):
        post, same_cohort = _post(request, placement, module, post_id)
        context = _post_context(
            request, placement, module, post, same_cohort, error=str(exc), **extra
        )
        return render(request, "exchange/post.html", context, status=400)

    return page


def _cohort_post(request, placement_id: int, post_id: int):
    placement, module = launch_placement(request, placement_id)
    post, same_cohort = _post(request, placement, module, post_id)
    if not same_cohort:
        raise Http404("No such post in this course")
    return placement, module, post


@require_safe
@launch_required
def post_file(request, placement_id: int, post_id: int):
    placement, module = launch_placement(request, placement_id)
    post, _same = _post(request, placement, module, post_id)
    if not post.file:
        raise Http404("No such file")
    return evidence_file_response(
        post, filename=f"shared-practice-{post.pk}", cache="private, no-store"
    )


def _own_response(request, post: Post, response_id: int) -> Response:
    """A response to the reader's own post: only the post's author replies."""
    response = (
        Response.objects.filter(
            pk=response_id, post=post, post__author_id=request.launch.claims.participant_id
        )
        .select_related("post")
        .first()
    )
    if response is None:
        raise Http404("No such response to a post of yours")
    return response


@require_POST
@launch_required
def respond(request, placement_id: int, post_id: int):
    placement, module, post = _cohort_post(request, placement_id, post_id)
    typed = forms.ResponseForm(request.POST).values()
    return post_answer(
        lambda: response_create(post=post, author=request.launch.participant, **typed),
        refused=ExchangeRefused,
        page=_refused(request, placement, module, post, typed=typed),
        to=_post_url(request, placement, post, "#responses"),
    )


@require_POST
@launch_required
def reply(request, placement_id: int, post_id: int, response_id: int):
    placement, module, post = _cohort_post(request, placement_id, post_id)
    response = _own_response(request, post, response_id)
    typed = forms.ReplyForm(request.POST).values()
    return post_answer(
        lambda: response_reply(response=response, author=request.launch.participant, **typed),
        refused=ExchangeRefused,
        page=_refused(request, placement, module, post),
        to=_post_url(request, placement, post, f"#response-{response.pk}"),
    )


@require_POST
@launch_required
def report(request, placement_id: int, post_id: int):
    placement, module, post = _cohort_post(request, placement_id, post_id)
    typed = forms.ReportForm(request.POST).values()
    return post_answer(
        lambda: report_create(post=post, reporter=request.launch.participant, **typed),
        refused=ExchangeRefused,
        page=_refused(request, placement, module, post),
        to=_post_url(request, placement, post, done="reported"),
    )


@require_POST
@launch_required
def withdraw(request, placement_id: int, post_id: int):
    placement, module, post = _own_post(request, placement_id, post_id)
    return post_answer(
        lambda: post_withdraw(post=post, author=request.launch.participant),
        refused=ExchangeRefused,
        page=_list_refused(request, placement, module, status=409),
        to=lurl({"launch": request.launch}, "exchange:list", placement.pk),
    )


@require_POST
@launch_required
def consent(request, placement_id: int, post_id: int):
    placement, module, post = _own_post(request, placement_id, post_id)
    typed = forms.ConsentForm(request.POST).values()
    return post_answer(
        lambda: post_consent_set(post=post, author=request.launch.participant, **typed),
        refused=ExchangeRefused,
        page=_refused_own(request, placement, module, post_id),
        to=_post_url(request, placement, post, done="consent"),
    )


@require_POST
@launch_required
def use_as_evidence(request, placement_id: int, post_id: int):
    placement, module, post = _own_post(request, placement_id, post_id)
    reflection = forms.EvidenceForm(request.POST).values()["reflection"]
    return post_answer(
        lambda: post_to_evidence(
            post=post, participant=request.launch.participant, module=module, reflection=reflection
        ),
        refused=ExchangeRefused,
        page=_refused_own(request, placement, module, post_id, evidence_reflection=reflection),
        to=lurl({"launch": request.launch}, "courses:module", placement.pk) + "#evidence",
    )


@require_POST
@trainer_required
def exemplar(request, placement_id: int, post_id: int):
    placement, module, post = _cohort_post(request, placement_id, post_id)
    typed = forms.ExemplarForm(request.POST).values()
    return post_answer(
        lambda: post_exemplar_set(post=post, trainer=request.launch.participant, **typed),
        refused=ExchangeRefused,
        page=_refused(request, placement, module, post),
        to=_post_url(request, placement, post),
    )


@require_POST
@trainer_required
def hide(request, placement_id: int, post_id: int):
    placement, module, post = _cohort_post(request, placement_id, post_id)
    typed = forms.HideForm(request.POST).values()
    return post_answer(
        lambda: post_hidden_set(
            post=post,
            trainer=request.launch.participant,
            hidden=not typed["action"],
            reason=typed["reason"],
        ),
        refused=ExchangeRefused,
        page=_refused(request, placement, module, post),
        to=_post_url(request, placement, post),
    )
