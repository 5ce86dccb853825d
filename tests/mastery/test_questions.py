from __future__ import annotations

import random

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from mastery.questions import correct_answer, present, read_answer, score

SINGLE = {
    "id": "s1",
    "type": "single",
    "prompt": "P",
    "options": [{"text": "a"}, {"text": "b", "correct": True}, {"text": "c"}],
}
MULTI = {
    "id": "m1",
    "type": "multiple",
    "prompt": "P",
    "options": [
        {"text": "a", "correct": True},
        {"text": "b", "correct": True},
        {"text": "c"},
        {"text": "d"},
    ],
}
TF = {"id": "t1", "type": "true_false", "prompt": "P", "answer": False}
NUM = {"id": "n1", "type": "numeric", "prompt": "P", "answer": 12, "tolerance": 0.5}
ORDER = {"id": "o1", "type": "ordering", "prompt": "P", "items": ["first", "second", "third"]}


def form(**values) -> QueryDict:
    q = QueryDict(mutable=True)
    for k, v in values.items():
        q.setlist(k.replace("_", "-"), v if isinstance(v, list) else [v])
    return q


def test_single():
    assert score(SINGLE, read_answer(SINGLE, form(q_s1="1"))) == 1
    assert score(SINGLE, read_answer(SINGLE, form(q_s1="0"))) == 0
    assert read_answer(SINGLE, form(q_s1="7")) is None
    assert read_answer(SINGLE, form(q_s1="-1")) is None


@pytest.mark.parametrize(
    ("picked", "credit"),
    [
        (["0", "1"], 1.0),
        (["0"], 0.5),
        (["0", "2"], 0.0),
        (["0", "1", "2"], 0.5),
        (["0", "1", "2", "3"], 0.0),
        (["2"], 0.0),
    ],
)
def test_multiple_partial_credit(picked, credit):
    assert score(MULTI, read_answer(MULTI, form(q_m1=picked))) == credit


def test_true_false():
    assert score(TF, read_answer(TF, form(q_t1="false"))) == 1
    assert score(TF, read_answer(TF, form(q_t1="true"))) == 0
    assert read_answer(TF, form(q_t1="maybe")) is None


@pytest.mark.parametrize(
    ("given", "credit"),
    [
        ("12", 1),
        ("12.4", 1),
        ("11,6", 1),
        ("12.6", 0),
        ("abc", 0),
        ("nan", 0),
        ("inf", 0),
        ("1e999", 0),
    ],
)
def test_numeric_with_tolerance(given, credit):
    assert score(NUM, read_answer(NUM, form(q_n1=given))) == credit


def test_ordering_all_or_nothing():
    right = form(**{"q_o1_0": "1", "q_o1_1": "2", "q_o1_2": "3"})
    wrong = form(**{"q_o1_0": "2", "q_o1_1": "1", "q_o1_2": "3"})
    same_place = form(**{"q_o1_0": "1", "q_o1_1": "1", "q_o1_2": "3"})
    assert score(ORDER, read_answer(ORDER, right)) == 1
    assert score(ORDER, read_answer(ORDER, wrong)) == 0
    assert read_answer(ORDER, same_place) is None


def test_presented_question_never_carries_the_key():
    for q in (SINGLE, MULTI, TF, NUM, ORDER):
        shown = repr(present(q, random.Random(1)))
        assert "correct" not in shown and "answer" not in shown and "tolerance" not in shown


def test_ordering_is_never_shown_in_the_right_order():
    for seed in range(50):
        keys = [i["key"] for i in present(ORDER, random.Random(seed))["items"]]
        assert keys != ["0", "1", "2"]


def test_correct_answer_words():
    assert correct_answer(MULTI) == "a; b"
    assert correct_answer(NUM) == "12 (± 0.5)"
    assert correct_answer(ORDER) == "first → second → third"


@given(
    st.dictionaries(st.text(max_size=12), st.lists(st.text(max_size=20), max_size=4), max_size=8)
)
def test_any_form_data_scores_between_0_and_1(data):
    q = QueryDict(mutable=True)
    for k, v in data.items():
        q.setlist(k, v)
    for question in (SINGLE, MULTI, TF, NUM, ORDER):
        assert 0.0 <= score(question, read_answer(question, q)) <= 1.0


@pytest.mark.parametrize("value", ["²", "١", "0x1", " 1", "99999"])
def test_non_ascii_or_odd_digits_are_no_answer(value):
    from mastery.questions import read_answer

    assert read_answer(SINGLE, {"q-s1": [value]}) is None
    assert read_answer(MULTI, {"q-m1": [value]}) is None
