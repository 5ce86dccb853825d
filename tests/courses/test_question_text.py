"""Question text is Markdown, rendered like lessons: every shipped prompt, choice and explanation
reads as paragraphs (no line break in mid-sentence, no raw `*`, `**` or backticks), and the
mastery pages use that rendering."""

from __future__ import annotations

import html as htmlmod
import re
from pathlib import Path

import pytest
from django.template import Context, Template

from courses.content import pack_read

CONTENT = Path(__file__).resolve().parents[2] / "content"
BLOCK = Template("{% load ignite_text %}{{ text|markdown }}")
INLINE = Template("{% load ignite_text %}{{ text|markdown_inline }}")
RAW_MARKDOWN = re.compile(r"(?<![\w*])(\*\*?|__?)[^\s*_][^*]*?\1(?![\w*])|`")


def shipped_texts():
    read = pack_read(CONTENT)
    assert read.problems == []
    for program in read.programs:
        for module in program.modules:
            for question in module.questions:
                where = f"{module.slug}/{question['id']}"
                yield where, "prompt", BLOCK, question["prompt"]
                if question.get("explanation"):
                    yield where, "explanation", BLOCK, question["explanation"]
                for option in question.get("options") or []:
                    yield where, "option", INLINE, option["text"]
                for item in question.get("items") or []:
                    yield where, "item", INLINE, item


def visible_text(rendered: str) -> str:
    """The words a reader sees outside code (code may show any character)."""
    without_code = re.sub(r"<(pre|code)>.*?</\1>", " ", rendered, flags=re.S)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", without_code))


def test_every_shipped_question_renders_as_prose():
    texts = list(shipped_texts())
    assert len(texts) > 400  # the whole catalog was read (153 questions and their parts)
    breaks, raw = [], []
    for where, part, template, text in texts:
        rendered = template.render(Context({"text": text}))
        if "<br" in rendered:
            breaks.append(f"{where} {part}")
        if RAW_MARKDOWN.search(visible_text(rendered)):
            raw.append(f"{where} {part}: {visible_text(rendered)[:80]}")
    assert breaks == []
    assert raw == []


def test_the_raw_markdown_check_sees_what_the_old_rendering_showed():
    # The old templates escaped text and kept its line breaks: the check must catch both.
    old = "most strengthen the *integration* part<br>of the `definition`?"
    assert RAW_MARKDOWN.search(visible_text(old))
    new = BLOCK.render(Context({"text": "most strengthen the *integration*\npart of the `x`?"}))
    assert "<em>integration</em>" in new and "<br" not in new
    assert not RAW_MARKDOWN.search(visible_text(new))


def test_paragraphs_join_wrapped_lines_and_split_at_blank_lines():
    rendered = BLOCK.render(
        Context({"text": "Teachers meet in sessions with\ntheir coaches.\n\nWhy?"})
    )
    assert rendered.count("<p>") == 2
    assert "sessions with\ntheir coaches." in rendered  # one paragraph; the browser wraps it


def test_question_text_is_sanitized():
    block = BLOCK.render(Context({"text": 'Hi <script>alert(1)</script><img src=x onerror="y">'}))
    inline = INLINE.render(Context({"text": "[a](javascript:alert(1)) <b onclick=x>b</b> **c**"}))
    for rendered in (block, inline):
        assert "<script" not in rendered and "onerror" not in rendered
        assert "onclick" not in rendered and 'href="javascript' not in rendered
    assert "<strong>c</strong>" in inline and "<p>" not in inline


@pytest.mark.django_db
def test_the_mastery_pages_render_prompts_and_explanations_as_markdown(launch_as, placement_of):
    from courses.models import Module

    version = Module.objects.get(slug="demo-module").current
    for question in version.questions:
        question["prompt"] = "Which part of the *integration* would\nyou strengthen first?"
        question["explanation"] = "Because the **integration**\nmatters.\n\nSecond paragraph."
        for option in question.get("options") or []:
            option["text"] = f"Use `code` for {option['text']}"
    version.save(update_fields=["questions"])
    teacher = launch_as()
    pid = placement_of().pk
    response = teacher.post(f"/app/p/{pid}/mastery/")
    assert response.status_code == 303
    page = teacher.get(response["Location"]).content.decode()
    assert "<em>integration</em> would\nyou strengthen first?" in page
    assert "*integration*" not in page and "<br>" not in page
    form = {"confirm": "unanswered"}
    result = teacher.post(response["Location"].split("?")[0], form, follow=True).content.decode()
    assert "<em>integration</em>" in result


def test_kept_renderings_are_sanitized_and_the_same_each_time():
    from courses.templatetags.ignite_text import markdown, markdown_inline

    hostile = 'Pick *one* <script>alert(1)</script><a href="javascript:x()">x</a>'
    for _ in range(2):  # rendered, then from the process's kept copy
        html = markdown_inline(hostile)
        assert "<em>one</em>" in html and "<script" not in html and "javascript:" not in html
        block = markdown("| a |\n|---|\n| 1 |\n\n<img src=x onerror=alert(1)>")
        assert 'class="table-scroll"' in block and "onerror" not in block
    long = "word " * 400  # longer than what is kept: rendered every time, the same way
    assert markdown_inline(long).count("word") == 400
