"""Who may respond, report, hide and show, at the service level; and what the exchange's forms
read from a post (same names and limits as the pages)."""

from __future__ import annotations

import pytest
from django.http import QueryDict

from exchange import services
from exchange.forms import HideForm, PostForm, ResponseForm
from exchange.models import Post, Response
from exchange.services import ExchangeRefused

from .conftest import person
from .test_views import respond, share


def test_only_a_colleague_of_the_cohort_responds_to_a_shared_post_once(cohort):
    post = share(cohort["ann"], cohort["pid"])
    ann, ben = person("ann"), person("ben")

    def allowed(reader, *, same_cohort=True):
        responses = list(post.responses.all())
        return services.response_allowed(
            post=post, reader_id=reader.pk, same_cohort=same_cohort, responses=responses
        )

    assert allowed(ben) and not allowed(ann) and not allowed(ben, same_cohort=False)
    assert respond(cohort["ben"], cohort["pid"], post).status_code == 303
    assert not allowed(ben)
    post.status = Post.Status.HIDDEN
    assert not services.response_allowed(
        post=post, reader_id=person("tess").pk, same_cohort=True, responses=[]
    )


def test_only_a_colleague_of_the_cohort_reports_a_shared_post(cohort):
    post = share(cohort["ann"], cohort["pid"])
    ann, ben = person("ann"), person("ben")
    assert services.report_allowed(post=post, reader_id=ben.pk, same_cohort=True)
    assert not services.report_allowed(post=post, reader_id=ann.pk, same_cohort=True)
    assert not services.report_allowed(post=post, reader_id=ben.pk, same_cohort=False)
    post.status = Post.Status.WITHDRAWN
    assert not services.report_allowed(post=post, reader_id=ben.pk, same_cohort=True)


def test_a_trainer_hides_a_shared_post_and_shows_a_hidden_one(cohort):
    post = share(cohort["ann"], cohort["pid"])
    tess = person("tess")
    with pytest.raises(ExchangeRefused, match="not hidden"):
        services.post_hidden_set(post=post, trainer=tess, hidden=False, reason="")
    with pytest.raises(ExchangeRefused, match="Write the reason"):
        services.post_hidden_set(post=post, trainer=tess, hidden=True, reason="  ")
    services.post_hidden_set(post=post, trainer=tess, hidden=True, reason="Names visible")
    assert (post.status, post.hidden_reason) == (Post.Status.HIDDEN, "Names visible")
    with pytest.raises(ExchangeRefused, match="Only a shared post"):
        services.post_hidden_set(post=post, trainer=tess, hidden=True, reason="Again")
    services.post_hidden_set(post=post, trainer=tess, hidden=False, reason="")
    assert (post.status, post.hidden_reason) == (Post.Status.SHARED, "")


def test_withdrawn_posts_are_the_authors_own(cohort):
    post = share(cohort["ann"], cohort["pid"])
    services.post_withdraw(post=post, author=person("ann"))
    placement = post.placement
    assert [p.pk for p in services.withdrawn_posts(placement=placement, author_id=post.author_id)]
    assert not services.withdrawn_posts(placement=placement, author_id=person("ben").pk)
    assert not Response.objects.exists()


def test_the_post_form_reads_the_page_as_the_service_expects():
    draft = PostForm(QueryDict("kind=lesson_plan&title=+T+&privacy_confirmed=yes")).draft()
    assert (draft.kind, draft.title, draft.consent, draft.privacy_confirmed) == (
        "lesson_plan",
        "T",
        Post.Consent.NO,  # not posted: kept in the cohort
        True,
    )
    # An empty choice stays empty, for the service to refuse.
    assert PostForm(QueryDict("consent=")).draft().consent == ""
    assert PostForm(QueryDict("privacy_confirmed=on")).draft().privacy_confirmed is False


def test_long_text_is_clipped_not_refused_by_the_forms():
    typed = ResponseForm(QueryDict(f"glow={'x' * 7000}&grow=%00")).values()
    assert (len(typed["glow"]), typed["grow"], typed["question"]) == (6000, "\x00", "")
    hide = HideForm(QueryDict(f"action=show&reason={'y' * 5000}")).values()
    assert hide["action"] is True and len(hide["reason"]) == 4000
    assert HideForm(QueryDict("action=hide")).values()["action"] is False
