"""The source text of a pack: YAML that remembers the line of every value, and lesson
Markdown rendered to sanitized HTML."""

from __future__ import annotations

import re
from pathlib import Path

import nh3
import yaml
from markdown_it import MarkdownIt

from .pack import MAX_FILE_BYTES, VIDEO_PREFIXES, Node, Problems, Seq


class _Loader(yaml.SafeLoader):
    pass


def _mapping(loader: _Loader, node: yaml.MappingNode) -> Node:
    loader.flatten_mapping(node)
    result = Node()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.flow = bool(node.flow_style)
    plain = set()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str | int | float | bool) and key is not None:
            raise yaml.constructor.ConstructorError(
                None, None, "a key must be plain text", key_node.start_mark
            )
        if key in result:
            loader.duplicates.append((key, key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        if isinstance(value_node, yaml.ScalarNode) and value_node.style is None:
            plain.add(key)
    result.plain = frozenset(plain)
    return result


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> Seq:
    result = Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


def _timestamp(loader: _Loader, node: yaml.ScalarNode):
    # `2027-02-30` looks like a date to YAML, which then raises a bare ValueError: keep it as
    # text, so the key's reader reports it with its file and line.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def yaml_load(path: Path, problems: Problems, text: str | None = None, first_line: int = 1):
    if text is None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                problems.add(path, 1, f"file is larger than {MAX_FILE_BYTES // 1024} KB")
                return None
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.add(path, 1, "file is missing")
            return None
        except UnicodeDecodeError as exc:
            problems.add(path, 1, f"not UTF-8 text ({exc.reason})")
            return None
        except OSError as exc:
            problems.add(path, 1, f"cannot read the file ({exc.strerror})")
            return None
    loader = None
    try:
        loader = _Loader(text)
        loader.duplicates = []
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = (mark.line + first_line) if mark else first_line
        problems.add(path, line, f"invalid YAML: {exc.problem or exc.context}")
        return None
    except yaml.reader.ReaderError as exc:
        line = first_line + text[: max(exc.position, 0)].count("\n")
        problems.add(path, line, f"invalid YAML: character {exc.character!r} is not allowed")
        return None
    except (yaml.YAMLError, RecursionError) as exc:
        problems.add(path, first_line, f"invalid YAML: {exc.__class__.__name__}")
        return None
    finally:
        if loader is not None:
            loader.dispose()
    for key, line in loader.duplicates:
        problems.add(path, line + first_line - 1, f"duplicate key {key!r}")
    if first_line != 1:
        _shift_lines(data, first_line - 1)
    return data


def _shift_lines(data, by: int) -> None:
    if isinstance(data, Node):
        data.line += by
        data.key_lines = {k: v + by for k, v in data.key_lines.items()}
        for value in data.values():
            _shift_lines(value, by)
    elif isinstance(data, Seq):
        data.line += by
        data.item_lines = [v + by for v in data.item_lines]
        for value in data:
            _shift_lines(value, by)


# --- field checks ---------------------------------------------------------------------------


# --- Markdown -------------------------------------------------------------------------------

markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "iframe", "figure",
    "figcaption",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"scope"},
    "iframe": {"src", "title", "width", "height", "allow", "allowfullscreen"},
    "ol": {"start"},
}


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    if tag == "iframe" and attribute == "src":
        return value if value.startswith(VIDEO_PREFIXES) else None
    return value


def lesson_html(markdown_text: str) -> str:
    """Markdown to HTML, sanitized: no scripts, styles or handlers, video only from the
    allow-listed hosts, links opened safely."""
    html = markdown.render(markdown_text)
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_attribute_filter,
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )
    # An iframe whose source was refused is an empty frame: drop it.
    return re.sub(r"<iframe(?![^>]*\ssrc=)[^>]*>\s*</iframe>", "", clean)


_INLINE_TAGS = {"strong", "em", "code", "a"}


def inline_html(markdown_text: str) -> str:
    """One line of Markdown (a choice, an answer) to inline HTML, sanitized like a lesson: only
    emphasis, code and links, so it can sit inside a label or a sentence. Line breaks of the
    source become spaces."""
    html = markdown.renderInline(" ".join(str(markdown_text).split()))
    return nh3.clean(
        html,
        tags=_INLINE_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"https", "http", "mailto"},
        link_rel="noopener noreferrer",
    )
