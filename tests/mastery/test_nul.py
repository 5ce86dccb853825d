"""A NUL character (PostgreSQL cannot store one in text) in what the mastery check's script
sends (mastery/static/mastery/quiz.js): the answers autosave, which asks for JSON, gets the
refusal as JSON (lti_tool.middleware.RejectNulMiddleware) and nothing of the request is saved,
not even its readable answers; the read of a tab coming back into view is refused the same way."""

from __future__ import annotations

import pytest

from mastery.models import SavedAnswer
from tests.nul_input import ENCODINGS, nul_post

from .test_attempts import start
from .test_saved_answers import JSON, one_answer, urls

REFUSED = {"error": "The request contains characters that are not allowed"}


@pytest.fixture
def attempt(launch_as, placement_of):
    teacher = launch_as()
    teacher.name = "Maya Alvarez"
    return teacher, start(teacher, placement_of().pk)


@pytest.mark.parametrize("encoding", ENCODINGS)
@pytest.mark.parametrize("where", ["answer", "changed"])
def test_the_answers_autosave_gets_a_json_refusal_and_saves_nothing(attempt, encoding, where):
    teacher, attempt = attempt
    _, save = urls(attempt)
    first, other = attempt.question_ids[0], attempt.question_ids[1]
    # A readable answer the autosave would keep, sent with one value that has a NUL in it.
    data = {**one_answer(attempt, first), "changed": first}
    if where == "answer":
        data[f"q-{other}"] = "1\x00"
    else:
        data["changed"] = f"{first}\x00"
    response = nul_post(teacher, save, data, encoding, **JSON)
    assert response.status_code == 400
    assert response.json() == REFUSED
    assert not SavedAnswer.objects.filter(attempt=attempt).exists()


def test_the_saved_answers_read_gets_a_json_refusal(attempt):
    teacher, attempt = attempt
    _, save = urls(attempt)
    response = teacher.client.get(save, {"lt": teacher.lt, "x": "a\x00b"}, **JSON)
    assert response.status_code == 400
    assert response.json() == REFUSED
