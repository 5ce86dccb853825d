"""import_content refuses banks that can be passed without reading, and keys it does not know,
each as file:line: message on the line the author must change."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from courses.content import pack_read
from courses.content.pack import Node, Problems
from courses.content.source import yaml_load
from courses.content_checks import bank_cues, key_is_longest, option_is_above_cue, option_key
from courses.models import Program

from .packs import module_dir, write_pack

MODULE_YAML = "demo-program/modules/demo-module/module.yaml"
QUESTIONS_YAML = "demo-program/modules/demo-module/questions.yaml"


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def line_of(path: Path, needle: str) -> int:
    """The 1-based line of the first line containing `needle` (found as text, not as YAML)."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def check(path) -> tuple[str, list[str]]:
    """Run `import_content --check`; return what it printed and the problems it refused."""
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_content", str(path), "--check", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue().splitlines()


def test_a_clean_pack_passes_and_check_prints_its_cue_figures(pack, db):
    out = StringIO()
    call_command("import_content", str(pack), "--check", stdout=out)
    printed = out.getvalue()
    assert "no problems" in printed
    # Exactly at the true/false limit passes: "above 25%" is the error.
    assert (
        f"{QUESTIONS_YAML}:1: 4 questions; the key is the longest option in 0 of 2 single-choice "
        "(0%, limit 40%); true/false 1 of 4 (25%, limit 25%)"
    ) in printed
    assert pack_read(pack).problems == []
    assert Program.objects.count() == 0


def test_a_pack_full_of_cues_is_refused_line_by_line(pack, db):
    module_yaml, questions = module_dir(pack) / "module.yaml", module_dir(pack) / "questions.yaml"
    # The key is now the longest option in both single-choice questions (2 of 2).
    edit(
        questions, '{text: "Five", correct: true}', '{text: "Five or six students", correct: true}'
    )
    edit(questions, '{text: "Right", correct: true}', '{text: "Right one", correct: true}')
    # A repeated option (differing only in case and a full stop) and an "all of the above".
    edit(
        questions,
        '      - {text: "Wrong"}\n',
        '      - {text: "Wrong"}\n      - {text: "wrong."}\n',
    )
    edit(questions, '      - {text: "Everyone"}\n', '      - {text: "All of the above"}\n')
    # A stray key on a question.
    edit(
        questions,
        "    prompt: Order these.\n",
        "    prompt: Order these.\n    hint: Start small.\n",
    )
    # Two more true/false items: 3 of 6 (50%).
    questions.write_text(
        questions.read_text()
        + "".join(
            f"  - id: tf-{n}\n    type: true_false\n    lesson: first\n    prompt: Is {n} true?\n"
            f"    answer: false\n    explanation: No.\n"
            for n in (1, 2)
        )
    )
    # A rubric level cut at a comma, as an unquoted flow map makes it.
    edit(
        module_yaml,
        "{label: Proficient, description: Aligned}",
        "{label: Proficient, description: Aligned with the goal, the students and the time}",
    )
    # 6 questions cannot give a retake of 4 new ones.
    edit(module_yaml, "questions_per_attempt: 2", "questions_per_attempt: 4")

    out, errors = check(pack)

    assert (
        f"{QUESTIONS_YAML}:1: the correct option is the longest in 2 of 2 single-choice questions "
        "(100%; at most 40%): d-01, d-04; make a distractor as long as the key, or the key shorter"
    ) in errors
    assert (
        f"{QUESTIONS_YAML}:1: 3 of 6 questions are true/false (50%; at most 25%): rewrite some "
        "as single-choice with plausible distractors"
    ) in errors
    assert (
        f"{QUESTIONS_YAML}:{line_of(questions, 'wrong.')}: option 3 repeats option 2 ('wrong.')"
    ) in errors
    assert (
        f"{QUESTIONS_YAML}:{line_of(questions, 'All of the above')}: 'All of the above': avoid "
        "all/none of the above (it cues the answer and cannot be shuffled); write a plausible "
        "option instead"
    ) in errors
    assert any(
        e.startswith(f"{QUESTIONS_YAML}:{line_of(questions, 'hint:')}: unknown key 'hint'")
        for e in errors
    ), errors
    assert (
        f"{MODULE_YAML}:{line_of(module_yaml, 'label: Proficient')}: description cut at a comma: "
        "quote it (YAML kept only 'Aligned with the goal' and read the rest as extra keys)"
    ) in errors
    assert (
        f"{MODULE_YAML}:{line_of(module_yaml, 'questions_per_attempt')}: questions.yaml has 6 "
        "questions; the bank needs at least 8 (2 times questions_per_attempt, 4) so that a "
        "retake draws questions not seen before"
    ) in errors
    assert len(errors) == 7, errors  # nothing else, and each problem once
    # The figures are printed even when the pack is refused.
    assert "true/false 3 of 6 (50%, limit 25%)" in out


def test_a_real_import_refuses_the_same_way(pack, db):
    edit(module_dir(pack) / "module.yaml", "questions_per_attempt: 2", "questions_per_attempt: 3")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_content", str(pack), stdout=StringIO(), stderr=err)
    line = line_of(module_dir(pack) / "module.yaml", "questions_per_attempt")
    assert f"{MODULE_YAML}:{line}: questions.yaml has 4 questions; the bank needs at least 6" in (
        err.getvalue()
    )
    assert Program.objects.count() == 0


def test_the_bank_counts_questions_that_have_other_problems(pack):
    """A broken question is reported for itself, not also as a bank that is too small."""
    edit(module_dir(pack) / "questions.yaml", "answer: true", "answer: maybe")
    problems = pack_read(pack).problems
    assert problems == [
        f"{QUESTIONS_YAML}:14: question has no correct answer (answer: true or false)"
    ]


@pytest.mark.parametrize(
    ("relative", "old", "new", "key"),
    [
        ("program.yaml", "version: 1\n", "version: 1\nauthor: Me\n", "author"),
        ("program.yaml", "    evidence_required: true\n", "    evidence_required: true\n    badge: x\n", "badge"),
        ("module.yaml", "estimated_minutes: 30\n", "estimated_minutes: 30\nlevel: 2\n", "level"),
        ("module.yaml", "  title: Try it in class\n", "  title: Try it in class\n  due: soon\n", "due"),
        ("module.yaml", "    - criterion: Plan fits the goal\n", "    - criterion: Plan fits the goal\n      weight: 2\n", "weight"),
        ("module.yaml", "description: Not yet aligned}", "description: Not yet aligned, score: 1}", "score"),
        ("module.yaml", "  threshold: 80\n", "  threshold: 80\n  retries: 2\n", "retries"),
        ("questions.yaml", "questions:\n", "shuffle: true\nquestions:\n", "shuffle"),
        ("questions.yaml", "    prompt: True?\n", "    prompt: True?\n    points: 2\n", "points"),
        ("questions.yaml", '{text: "Thirty"}', '{text: "Thirty", feedback: "No"}', "feedback"),
        ("lessons/01-first.md", "minutes: 10\n", "minutes: 10\ntags: [a]\n", "tags"),
    ],
)  # fmt: skip
def test_unknown_keys_anywhere_are_refused_on_their_line(pack, relative, old, new, key):
    base = pack if relative == "program.yaml" else module_dir(pack)
    path = base / relative
    edit(path, old, new)
    shown = f"demo-program/{path.relative_to(pack).as_posix()}"
    problems = pack_read(pack).problems
    expected = f"{shown}:{line_of(path, key + ':')}: unknown key {key!r} (allowed: "
    assert [p for p in problems if p.startswith(expected)], problems
    assert len(problems) == 1, problems


def test_a_cut_option_text_and_a_quoted_value_with_a_stray_key(pack):
    questions = module_dir(pack) / "questions.yaml"
    # Unquoted, the comma ends the text: YAML keeps "Thirty" and makes "or forty" a key.
    edit(questions, '{text: "Thirty"}', "{text: Thirty, or forty}")
    # Quoted, nothing was cut: a stray key without a value is just an unknown key.
    edit(questions, '{text: "Wrong"}', '{text: "Wrong, surely", oops}')
    problems = pack_read(pack).problems
    assert (
        f"{QUESTIONS_YAML}:{line_of(questions, 'or forty')}: text cut at a comma: quote it "
        "(YAML kept only 'Thirty' and read the rest as extra keys)"
    ) in problems
    assert any(
        p.startswith(f"{QUESTIONS_YAML}:{line_of(questions, 'oops')}: unknown key 'oops'")
        for p in problems
    ), problems
    assert len(problems) == 2, problems


def test_commas_are_fine_in_block_style_and_quoted_flow_maps(pack):
    edit(
        module_dir(pack) / "module.yaml",
        "        - {label: Beginning, description: Not yet aligned}\n"
        "        - {label: Proficient, description: Aligned}\n",
        "        - label: Beginning\n"
        "          description: Not yet aligned with the goal, the students or the time\n"
        '        - {label: Proficient, description: "Aligned with the goal, students, time"}\n',
    )
    read = pack_read(pack)
    assert read.problems == []
    levels = read.programs[0].modules[0].evidence_task["rubric"][0]["levels"]
    assert levels[0]["description"].endswith("the students or the time")
    assert levels[1]["description"] == "Aligned with the goal, students, time"


def test_mastery_accepts_review_and_require_lessons_and_checks_their_shape(pack):
    module_yaml = module_dir(pack) / "module.yaml"
    edit(
        module_yaml, "  threshold: 80\n", "  threshold: 80\n  review: {}\n  require_lessons: true\n"
    )
    assert not [p for p in pack_read(pack).problems if "unknown key" in p]
    edit(module_yaml, "require_lessons: true", "require_lessons: sometimes")
    edit(module_yaml, "review: {}", "review: always")
    problems = pack_read(pack).problems
    where = f"{MODULE_YAML}:{line_of(module_yaml, 'review:')}: review must be a mapping"
    assert any(p.startswith(where) for p in problems), problems
    assert (
        f"{MODULE_YAML}:{line_of(module_yaml, 'require_lessons:')}: require_lessons must be "
        "true or false"
    ) in problems


def test_exactly_forty_percent_longest_keys_pass_and_more_fail():
    def single(qid: str, longest: bool) -> dict:
        key = "a much longer key" if longest else "key"
        return {
            "id": qid,
            "type": "single",
            "options": [{"text": key, "correct": True}, {"text": "a distractor", "correct": False}],
        }

    two_of_five = [single(f"q{n}", n < 2) for n in range(5)]
    assert bank_cues(two_of_five).problems() == []
    three_of_five = [single(f"q{n}", n < 3) for n in range(5)]
    assert bank_cues(three_of_five).longest_key == ["q0", "q1", "q2"]
    assert "3 of 5" in bank_cues(three_of_five).problems()[0]


def test_option_cues():
    options = [{"text": "same size", "correct": True}, {"text": "same size", "correct": False}]
    assert not key_is_longest(options)  # a tie gives nothing away
    assert key_is_longest([{"text": "longer", "correct": True}, {"text": "short", "correct": 0}])
    assert option_key("  Right  answer. ") == option_key("right answer")
    assert option_key("Right") != option_key("Wrong")
    for text in ("All of the above", "none of these", "Both of the above.", "NONE OF THE ABOVE"):
        assert option_is_above_cue(text), text
    for text in ("Above all, plan ahead", "All students above grade level", "None"):
        assert not option_is_above_cue(text), text


def test_the_yaml_examples_in_the_docs_lose_no_text_to_a_comma(settings):
    """Authors copy docs/content-packs.md: no flow map there may have a value cut at a comma."""
    import re

    doc = Path(settings.BASE_DIR) / "docs" / "content-packs.md"
    blocks = re.findall(r"```yaml\n(.*?)```", doc.read_text(), re.DOTALL)
    assert len(blocks) >= 3

    def cut(value) -> list:
        if isinstance(value, Node):
            here = [k for k, v in value.items() if value.flow and v is None]
            return here + [c for v in value.values() for c in cut(v)]
        if isinstance(value, list):
            return [c for v in value for c in cut(v)]
        return []

    for block in blocks:
        problems = Problems(root=doc.parent)
        data = yaml_load(doc, problems, block)
        assert problems.items == [] and data is not None, problems.items
        assert cut(data) == [], block


def test_an_empty_bank_is_refused(pack):
    (module_dir(pack) / "questions.yaml").write_text("questions: []\n")
    problems = pack_read(pack).problems
    line = line_of(module_dir(pack) / "module.yaml", "questions_per_attempt")
    assert problems == [
        f"{MODULE_YAML}:{line}: questions.yaml has 0 questions; the bank needs at least 4 "
        "(2 times questions_per_attempt, 2) so that a retake draws questions not seen before"
    ]
