"""import_content: validation with file:line errors, all-or-nothing, idempotent, versioned."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from courses.content import lesson_html, pack_read
from courses.models import Lesson, Module, ModuleVersion, Program

from .packs import lesson, module_dir, write_pack


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path)


def run_import(path) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("import_content", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def failing_import(path) -> list[str]:
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_content", str(path), stdout=StringIO(), stderr=err)
    assert Program.objects.count() == 0 and ModuleVersion.objects.count() == 0
    return err.getvalue().splitlines()


@pytest.mark.django_db
def test_a_valid_pack_imports_everything(pack):
    out, _ = run_import(pack)
    assert "imported demo-module v1" in out
    module = Module.objects.get(slug="demo-module")
    version = module.current
    assert (version.title, version.version, version.estimated_minutes) == ("A demo module", 1, 30)
    assert [lesson.slug for lesson in version.lessons.all()] == ["first", "second"]
    assert [q["id"] for q in version.questions] == ["d-01", "d-02", "d-03", "d-04"]
    assert version.mastery["questions_per_attempt"] == 2
    assert version.evidence_task["rubric"][0]["criterion"] == "Plan fits the goal"
    first = version.lessons.get(slug="first")
    assert "<h2>Classroom example</h2>" in first.html


@pytest.mark.django_db
def test_importing_twice_changes_nothing(pack):
    run_import(pack)
    before = list(ModuleVersion.objects.values_list("pk", "content_hash", "imported_at"))
    lessons = list(Lesson.objects.values_list("pk", "html"))
    out, _ = run_import(pack)
    assert "0 new version(s), 1 unchanged" in out
    assert list(ModuleVersion.objects.values_list("pk", "content_hash", "imported_at")) == before
    assert list(Lesson.objects.values_list("pk", "html")) == lessons


@pytest.mark.django_db
def test_a_changed_module_needs_a_new_version_and_keeps_the_old_one(pack):
    run_import(pack)
    old = Module.objects.get().current
    first = module_dir(pack) / "lessons" / "01-first.md"
    first.write_text(lesson("first", "First lesson, revised"))
    errors = []
    from io import StringIO

    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_content", str(pack), stdout=StringIO(), stderr=err)
    errors = err.getvalue()
    assert "module.yaml:1: version 1 of 'demo-module' is already imported" in errors
    assert "raise version: to 2" in errors
    assert Module.objects.get().current == old  # nothing changed

    module_yaml = module_dir(pack) / "module.yaml"
    module_yaml.write_text(module_yaml.read_text().replace("version: 1", "version: 2"))
    run_import(pack)
    module = Module.objects.get()
    assert module.current.version == 2
    assert module.current.lessons.get(slug="first").title == "First lesson, revised"
    old.refresh_from_db()
    assert old.lessons.get(slug="first").title == "First lesson"  # history stays readable


def _break(pack, relative: str, old: str, new: str) -> None:
    path = pack / relative
    text = path.read_text()
    assert old in text, f"{old!r} not in {relative}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.django_db
def test_bad_yaml_is_reported_with_its_line(pack):
    _break(
        pack, "modules/demo-module/module.yaml", "estimated_minutes: 30", "estimated_minutes: [30"
    )
    errors = failing_import(pack)
    assert any(
        e.startswith("demo-program/modules/demo-module/module.yaml:") and "invalid YAML" in e
        for e in errors
    ), errors


@pytest.mark.django_db
def test_missing_lesson_file_is_reported_on_the_line_that_lists_it(pack):
    (module_dir(pack) / "lessons" / "02-second.md").unlink()
    errors = failing_import(pack)
    assert (
        "demo-program/modules/demo-module/module.yaml:10: lesson file lessons/02-second.md is missing"
        in errors
    )


@pytest.mark.django_db
def test_question_with_no_correct_answer(pack):
    _break(
        pack,
        "modules/demo-module/questions.yaml",
        '{text: "Right", correct: true}',
        '{text: "Right"}',
    )
    errors = failing_import(pack)
    assert (
        "demo-program/modules/demo-module/questions.yaml:6: question has no correct answer"
        in errors
    )


@pytest.mark.django_db
def test_true_false_without_an_answer(pack):
    _break(pack, "modules/demo-module/questions.yaml", "answer: true", "answer: maybe")
    errors = failing_import(pack)
    assert any("questions.yaml:14: question has no correct answer" in e for e in errors), errors


@pytest.mark.django_db
def test_duplicate_slugs_and_ids(pack):
    _break(pack, "program.yaml", "  - demo-module\n", "  - demo-module\n  - demo-module\n")
    _break(pack, "modules/demo-module/questions.yaml", "id: d-02", "id: d-01")
    errors = failing_import(pack)
    assert "demo-program/program.yaml:7: duplicate module slug 'demo-module'" in errors
    assert (
        "demo-program/modules/demo-module/questions.yaml:10: duplicate question id 'd-01'" in errors
    )


@pytest.mark.django_db
def test_duplicate_lesson_slug(pack):
    second = module_dir(pack) / "lessons" / "02-second.md"
    second.write_text(lesson("first", "Second lesson"))
    errors = failing_import(pack)
    assert "demo-program/modules/demo-module/module.yaml:8: duplicate lesson slug 'first'" in errors


@pytest.mark.django_db
def test_every_problem_is_listed_at_once(pack):
    (module_dir(pack) / "lessons" / "02-second.md").unlink()
    _break(pack, "modules/demo-module/questions.yaml", "type: ordering", "type: essay")
    _break(pack, "modules/demo-module/module.yaml", "threshold: 80", "threshold: 180")
    errors = failing_import(pack)
    assert len(errors) >= 3, errors
    assert any("lessons/02-second.md is missing" in e for e in errors)
    assert any("questions.yaml:17: type must be one of" in e for e in errors)
    assert any(
        "module.yaml:22: threshold must be a whole number from 1 to 100" in e for e in errors
    )


@pytest.mark.django_db
def test_a_lesson_missing_a_section_or_out_of_order(pack):
    first = module_dir(pack) / "lessons" / "01-first.md"
    first.write_text(lesson("first", "First").replace("## Reflect\nWhat changed?\n", ""))
    second = module_dir(pack) / "lessons" / "02-second.md"
    text = (
        lesson("second", "Second")
        .replace("## Try it", "## Tmp")
        .replace("## Classroom example", "## Try it")
        .replace("## Tmp", "## Classroom example")
    )
    second.write_text(text)
    errors = failing_import(pack)
    assert any("01-first.md:" in e and "missing section '## Reflect'" in e for e in errors), errors
    assert any("02-second.md:" in e and "sections must be in this order" in e for e in errors), (
        errors
    )


@pytest.mark.django_db
def test_front_matter_problems_point_into_the_front_matter(pack):
    first = module_dir(pack) / "lessons" / "01-first.md"
    first.write_text(lesson("first", "First").replace("minutes: 10", "minutes: ten"))
    errors = failing_import(pack)
    assert any("01-first.md:4: minutes must be a whole number" in e for e in errors), errors


@pytest.mark.django_db
def test_video_from_an_unlisted_host_is_refused(pack):
    first = module_dir(pack) / "lessons" / "01-first.md"
    frame = '<iframe src="https://evil.example/embed/1" title="x"></iframe>\n'
    first.write_text(lesson("first", "First", extra=frame))
    errors = failing_import(pack)
    assert any("01-first.md:" in e and "video must come from" in e for e in errors), errors


def test_lesson_html_is_sanitized():
    html = lesson_html(
        'Hi <script>alert(1)</script> <a href="javascript:alert(1)">x</a> '
        '<img src=x onerror="alert(1)">\n\n'
        '<iframe src="https://www.youtube-nocookie.com/embed/abc" title="Video"></iframe>\n\n'
        '<iframe src="https://example.com/x"></iframe>\n'
    )
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in html
    assert "example.com" not in html


def test_check_flag_validates_without_writing(pack, db):
    from io import StringIO

    out = StringIO()
    call_command("import_content", str(pack), "--check", stdout=out)
    assert "no problems" in out.getvalue()
    assert Program.objects.count() == 0


def test_reading_the_shipped_catalog_finds_no_problems(settings):
    """The shipped content/ passes every check, the cue checks and unknown keys included.

    This is the one test here that reads content/ itself (the others build a pack in tmp_path);
    it fails until content/ is rewritten for the cue, bank-size and rubric-level checks."""
    read = pack_read(settings.IGNITE_CONTENT_DIR)
    assert read.problems == []
    programs = {p.slug: p for p in read.programs}
    assert len(programs["blended-learning"].modules) >= 4
    assert len(programs["cs-integration"].modules) >= 4
    assert len(programs["teacher-leadership"].modules) >= 2
    for program in programs.values():
        for module in program.modules:
            assert 3 <= len(module.lessons) <= 5, module.slug
            assert len(module.questions) >= 12, module.slug
            tested = {q["lesson"] for q in module.questions}
            assert tested == {lesson.slug for lesson in module.lessons}, module.slug
