"""Content extensions: files in a module folder that other apps own (docs/content-packs.md).

`courses` reads and imports the catalog but knows nothing of, say, a trainer's facilitator
guide. An app that keeps extra files in a module folder registers an extension here from its
`AppConfig.ready()`; the pack reader calls every extension's `read` with the module folder (its
problems count like any other: `file:line: message`, nothing imported), and the importer calls
its `store` with the imported ModuleVersion inside the import's transaction.

What an extension reads is kept apart from the module's content hash: a change to a guide or a
template does not need a new module version (the extension keeps its own record of changes).

Credential keys work the same way for `program.yaml`: a credential may carry a requirement that
another app owns (`sessions_required: 2`, `observation_required: {...}`). The app registers a
`CredentialKey` whose `read` validates the value (problems through `fields.problem`, with the
key's line); the reader keeps what it returns in the credential's `requirements`, and
credentials/requirements.py checks it when a credential is awarded. A key nobody registered is
an unknown key, as before.
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


def extension_row_unchanged(model, *, version: ModuleVersion, data: dict | None) -> bool:
    """The common start of a `store` keeping one row per module version with a `content_hash`:
    no data removes the version's row. True when there is nothing more to store (no data, or
    the row already holds `data["hash"]`)."""
    existing = model.objects.filter(module_version=version).first()
    if data is None:
        if existing is not None:
            existing.delete()
        return True
    return existing is not None and existing.content_hash == data["hash"]


@dataclass(frozen=True)
class CredentialKey:
    name: str
    # read(value, fields, *, modules) -> a JSON-able value to keep, or None after a problem.
    # `fields` is the credential's courses.content.Fields (fields.problem(name, message) reports
    # `file:line`); `modules` is the set of the program's module slugs.
    read: Callable[..., Any]


_credential_keys: dict[str, CredentialKey] = {}


def credential_key_register(key: CredentialKey) -> None:
    """Register (or replace, by name) a program.yaml credential key another app owns."""
    _credential_keys[key.name] = key


def credential_keys() -> dict[str, CredentialKey]:
    return dict(_credential_keys)


@dataclass(frozen=True)
class ProgramKey:
    """A top-level `program.yaml` key another app owns (`deadline: 2027-07-31`)."""

    name: str
    # read(value, fields) -> a JSON-able value to keep, or None after a problem (reported
    # through fields.problem(name, message), which names file:line).
    read: Callable[..., Any]
    # store(program=, value=) -> None, inside the import's transaction; value is what read
    # returned, or None when the program does not say the key.
    store: Callable[..., None]


_program_keys: dict[str, ProgramKey] = {}


def program_key_register(key: ProgramKey) -> None:
    """Register (or replace, by name) a program.yaml key another app owns."""
    _program_keys[key.name] = key


def program_keys() -> dict[str, ProgramKey]:
    return dict(_program_keys)
