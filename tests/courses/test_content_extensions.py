"""The content-extension registry: an app that keeps files in a module folder gets the folder
at read time (its problems count like the pack's own) and the imported version at import."""

from __future__ import annotations

import pytest

from courses import content_extensions
from courses.content import catalog_import, pack_read
from courses.content_extensions import ContentExtension, extension_register

from .packs import module_dir, write_pack


@pytest.fixture
def registry(monkeypatch):
    monkeypatch.setattr(content_extensions, "_registry", {})
    calls: dict[str, list] = {"read": [], "store": []}

    def read(*, folder, module, problems):
        calls["read"].append((folder.name, module.slug))
        note = folder / "note.txt"
        if note.exists() and note.read_text() == "bad":
            problems.add(note, 1, "a bad note")
        return note.read_text() if note.exists() else None

    def store(*, version, data):
        calls["store"].append((version.module.slug, version.version, data))

    extension_register(ContentExtension(name="notes", read=read, store=store))
    return calls


def test_an_extension_reads_each_module_folder_and_stores_with_its_version(registry, tmp_path, db):
    program = write_pack(tmp_path)
    (module_dir(program) / "note.txt").write_text("hello")
    read = pack_read(program)
    assert read.problems == []
    assert registry["read"] == [("demo-module", "demo-module")]
    assert read.extensions == {"demo-module": {"notes": "hello"}}
    catalog_import(read)
    catalog_import(pack_read(program))  # an unchanged module still reaches the extension
    assert registry["store"] == [("demo-module", 1, "hello")] * 2


def test_an_extensions_problem_stops_the_import(registry, tmp_path, db):
    program = write_pack(tmp_path)
    (module_dir(program) / "note.txt").write_text("bad")
    read = pack_read(program)
    assert read.problems == ["demo-program/modules/demo-module/note.txt:1: a bad note"]
    with pytest.raises(ValueError):
        catalog_import(read)
    assert registry["store"] == []
