"""Content extensions: files in a module folder that other apps own (docs/content-packs.md).

`courses` reads and imports the catalog but knows nothing of, say, a trainer's facilitator
guide. An app that keeps extra files in a module folder registers an extension here from its
`AppConfig.ready()`; the pack reader calls every extension's `read` with the module folder (its
problems count like any other: `file:line: message`, nothing imported), and the importer calls
its `store` with the imported ModuleVersion inside the import's transaction.

What an extension reads is kept apart from the module's content hash: a change to a guide or a
template does not need a new module version (the extension keeps its own record of changes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .models import ModuleVersion


class ProblemSink(Protocol):
    def add(self, path: Path, line: int, message: str) -> None: ...


@dataclass(frozen=True)
class ContentExtension:
    name: str
    # read(folder=, module=, problems=) -> data for store, or None when the module has none.
    # `module` is the module as read (courses.content.ModuleData: slug, evidence_task, ...).
    read: Callable[..., Any]
    # store(version=, data=) -> None; data is what read returned (None: nothing in the folder).
    store: Callable[..., None]


_registry: dict[str, ContentExtension] = {}


def extension_register(extension: ContentExtension) -> None:
    """Register (or replace, by name: ready() may run more than once in tests)."""
    _registry[extension.name] = extension


def extensions_read(*, folder: Path, module: Any, problems: ProblemSink) -> dict[str, Any]:
    return {
        name: extension.read(folder=folder, module=module, problems=problems)
        for name, extension in sorted(_registry.items())
    }


def extensions_store(*, version: ModuleVersion, data: dict[str, Any]) -> None:
    for name, extension in sorted(_registry.items()):
        extension.store(version=version, data=data.get(name))
