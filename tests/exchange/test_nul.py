"""A NUL character in a post or a response (PostgreSQL cannot store one) is refused with a
plain 400 and nothing is saved, whether the form comes urlencoded or as multipart."""

from __future__ import annotations

import pytest

from exchange.models import Post, Response
from tests.nul_input import ENCODINGS, assert_nul_refused, nul_post

from .conftest import share_data
from .test_views import share


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("field", ["title", "tried", "happened", "change"])
def test_a_post_with_a_nul_is_refused_and_not_saved(cohort, encoding, field):
    url = f"/app/p/{cohort['pid']}/exchange/"
    data = share_data(**{field: "Exit\x00tickets"})
    assert_nul_refused(nul_post(cohort["ann"], url, data, encoding))
    assert not Post.objects.exists()


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_response_or_reply_with_a_nul_is_refused_and_not_saved(cohort, encoding):
    post = share(cohort["ann"], cohort["pid"])
    url = f"/app/p/{cohort['pid']}/exchange/{post.pk}/respond/"
    data = {"glow": "Clear steps.", "grow": "Try\x00pairs.", "question": "How long?"}
    assert_nul_refused(nul_post(cohort["ben"], url, data, encoding))
    assert not Response.objects.exists()
    data["grow"] = "Try pairs."
    assert nul_post(cohort["ben"], url, data, encoding).status_code == 303
    answer = Response.objects.get()
    reply = f"/app/p/{cohort['pid']}/exchange/{post.pk}/responses/{answer.pk}/reply/"
    assert_nul_refused(nul_post(cohort["ann"], reply, {"reply": "Ten\x00minutes"}, encoding))
    answer.refresh_from_db()
    assert answer.reply == ""
