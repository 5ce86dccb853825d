"""The `review:` and `require_lessons` fields of a module's mastery block: valid values are
read, anything else is an error with file:line."""

from __future__ import annotations

from courses.content import pack_read

from .packs import module_dir, write_pack


def with_mastery_lines(tmp_path, extra: str):
    program = write_pack(tmp_path)
    module_yaml = module_dir(program) / "module.yaml"
    text = module_yaml.read_text()
    assert "  score_policy: highest\n" in text
    module_yaml.write_text(
        text.replace("  score_policy: highest\n", "  score_policy: highest\n" + extra)
    )
    line = text.splitlines().index("  score_policy: highest") + 2  # first added line
    return program, line


def mine(problems: list[str]) -> list[str]:
    # Only this feature's problems: other checks of the demo pack are not this test's subject.
    return [p for p in problems if "review" in p or "require_lessons" in p or "answers" in p]


def test_valid_review_policy_and_require_lessons_are_read(tmp_path):
    program, _ = with_mastery_lines(
        tmp_path,
        "  require_lessons: true\n  review:\n    explanations: after_each_attempt\n"
        "    correct_answers: never\n",
    )
    read = pack_read(program)
    assert mine(read.problems) == []
    mastery = read.programs[0].modules[0].mastery
    assert mastery["require_lessons"] is True
    assert mastery["review"] == {"explanations": "after_each_attempt", "correct_answers": "never"}


def test_bad_values_and_unknown_keys_are_errors_with_their_line(tmp_path):
    program, line = with_mastery_lines(
        tmp_path,
        "  require_lessons: sometimes\n  review:\n    correct_answers: whenever\n"
        "    answers: after_each_attempt\n",
    )
    problems = mine(pack_read(program).problems)
    where = "demo-program/modules/demo-module/module.yaml"
    assert any(
        p.startswith(f"{where}:{line}: require_lessons must be true or false") for p in problems
    )
    assert any(
        p.startswith(
            f"{where}:{line + 2}: review.correct_answers must be one of after_each_attempt"
        )
        for p in problems
    )
    assert any(p.startswith(f"{where}:{line + 3}: unknown key 'answers'") for p in problems)
    assert len(problems) == 3


def test_review_must_be_a_mapping(tmp_path):
    program, line = with_mastery_lines(tmp_path, "  review: [score]\n")
    problems = mine(pack_read(program).problems)
    assert len(problems) == 1 and f"module.yaml:{line}: review must be a mapping" in problems[0]


def test_without_the_fields_the_module_keeps_the_defaults(tmp_path):
    mastery = pack_read(write_pack(tmp_path)).programs[0].modules[0].mastery
    assert "review" not in mastery and "require_lessons" not in mastery
