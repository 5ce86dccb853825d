from __future__ import annotations

import random

import pytest
from django.http import QueryDict
from hypothesis import given
from hypothesis import strategies as st

from mastery.questions import (
    correct_answer,
    display_order,
    form_to_original,
    present,
    read_answer,
    score,
)

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
        assert display_order(ORDER, random.Random(seed)) != [0, 1, 2]


def test_form_values_are_page_places_that_say_nothing_about_the_pack():
    """The pack writes ordering items in the right order and often puts keys early: a form
    value that named pack positions would give answers away in the page source."""
    for seed in range(50):
        shown = present(ORDER, random.Random(seed))
        assert [i["key"] for i in shown["items"]] == ["0", "1", "2"]
        assert [o["key"] for o in present(SINGLE, random.Random(seed))["options"]] == [
            str(i) for i in range(len(SINGLE["options"]))
        ]
    key = next(i for i, o in enumerate(SINGLE["options"]) if o.get("correct"))
    hits = sum(
        read_answer(
            SINGLE,
            form_to_original(
                SINGLE, {"q-s1": [str(key)]}, display_order(SINGLE, random.Random(seed))
            ),
        )
        == key
        for seed in range(400)
    )
    # Sending the key's pack position is right about 1 time in n, not always.
    assert hits < 400 * 0.5


def test_page_places_map_back_to_the_pack():
    for seed in range(20):
        order = display_order(ORDER, random.Random(seed))
        right = {f"q-{ORDER['id']}-{order.index(k)}": [str(k + 1)] for k in range(3)}
        answer = read_answer(ORDER, form_to_original(ORDER, right, order))
        assert score(ORDER, answer) == 1.0
        order = display_order(MULTI, random.Random(seed))
        picked = [str(order.index(i)) for i, o in enumerate(MULTI["options"]) if o.get("correct")]
        answer = read_answer(MULTI, form_to_original(MULTI, {f"q-{MULTI['id']}": picked}, order))
        assert score(MULTI, answer) == 1.0


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

    assert read_answer(SINGLE, {"q-s1": [value]}) is None
    assert read_answer(MULTI, {"q-m1": [value]}) is None
