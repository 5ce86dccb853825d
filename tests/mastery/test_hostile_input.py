"""Hostile input never yields a 500: random quiz submissions and random content-pack files."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from courses.content import pack_read
from mastery.models import Attempt
from tests.courses.packs import module_dir, write_pack

FIELD = st.one_of(
    st.just("lt"),
    st.text(alphabet="q-d0123_", min_size=1, max_size=8),
    st.sampled_from(["q-d-01", "q-d-02", "q-d-03-0", "q-d-03-1", "q-d-03-2"]),
)
VALUE = st.one_of(st.text(max_size=30), st.integers(-5, 10).map(str), st.just("true"))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(form=st.dictionaries(FIELD, st.lists(VALUE, max_size=3), max_size=8))
def test_random_quiz_submissions_are_graded_or_refused_never_500(launch_as, placement_of, form):
    teacher = launch_as(sub="fuzz")
    pid = placement_of().pk
    start = teacher.post(f"/app/p/{pid}/mastery/")
    number = int(re.search(r"/mastery/(\d+)/", start["Location"]).group(1))
    data = {k: v for k, v in form.items() if k not in ("lt", "confirm")}
    response = teacher.client.post(
        f"/app/p/{pid}/mastery/{number}/",
        {"lt": teacher.lt, "confirm": "unanswered", **data},
        HTTP_ORIGIN="http://testserver",
    )
    attempt = Attempt.objects.get(
        placement_id=pid, number=number, participant__lti_user__sub="fuzz"
    )
    if any("\x00" in k or any("\x00" in v for v in vs) for k, vs in data.items()):
        # Refused as malformed (no database can keep a NUL): the attempt is untouched.
        assert response.status_code == 400
        assert attempt.status == Attempt.Status.IN_PROGRESS
        Attempt.objects.filter(pk=attempt.pk).delete()
        return
    attempt.refresh_from_db()
    if data.get("q-d-01", [""])[:1] in (["0"], ["1"]):  # d-01: its lesson's only question
        assert response.status_code == 303  # one readable answer is enough to be graded
    if response.status_code == 400:
        # Nothing readable was answered: not graded, no attempt used, the attempt continues.
        assert "not answered any question" in response.content.decode()
        assert attempt.status == Attempt.Status.IN_PROGRESS and attempt.score is None
        Attempt.objects.filter(pk=attempt.pk).delete()
        return
    assert response.status_code == 303
    assert attempt.status == Attempt.Status.SUBMITTED
    assert 0 <= attempt.score <= 100
    assert teacher.get(f"/app/p/{pid}/mastery/{number}/").status_code == 200
    Attempt.objects.filter(pk=attempt.pk).delete()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(["module.yaml", "questions.yaml", "lessons/01-first.md"]),
    junk=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)),
    keep=st.integers(0, 400),
)
def test_random_pack_files_give_listed_problems_not_crashes(tmp_path_factory, target, junk, keep):
    program = write_pack(tmp_path_factory.mktemp("pack"))
    path = module_dir(program) / target
    original = path.read_bytes()
    path.write_bytes(original[:keep] + junk)
    read = pack_read(program)
    for problem in read.problems:
        assert re.match(r"^[^:]+:\d+: .+", problem), problem
