"""The published Open Badges 3.0 JSON Schemas, for the credential tests.

1EdTech publishes them at https://purl.imsglobal.org/spec/ob/v3p0/schema/json/. This machine
reaches only package registries, so `make test` takes them from the source distribution of
`openbadgeslib` on PyPI, which carries them verbatim as test fixtures (captured from that
address on 2026-07-04). Both the archive and each schema are pinned by SHA-256, so a changed
file is refused instead of silently changing what the tests hold us to. Nothing is committed:
the files land in `.cache/ob3-schema/` (ignored by git).

    python -m tests.ob3_schema          # fetch and check (make test does this)
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".cache" / "ob3-schema"
BASE_URL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"

SOURCE = "openbadgeslib==4.6.3"
SOURCE_SHA256 = "aec21bf41b223ae3fcd196aa92972e3d3a6b12048f4929b2ceedd5fc54ea1eaf"
MEMBER_DIR = "openbadgeslib-4.6.3/tests/fixtures/ob_schemas/"
SCHEMAS = {
    "ob_v3p0_achievementcredential_schema.json": (
        "b7358e895f492e74055dc6bfc7ffc420d0e497f90c4579fb83d9519b86d393ea"
    ),
    "ob_v3p0_profile_schema.json": (
        "6b268f2caa591bf657e2a290e195713c41dc2db4e1c797723cfd00a1a83f8f13"
    ),
}


class SchemaMissing(RuntimeError):
    pass


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_current(name: str) -> bool:
    path = CACHE / name
    return path.is_file() and _sha256(path.read_bytes()) == SCHEMAS[name]


def fetch() -> None:
    """Download the pinned archive, check it, and extract the two schemas into the cache."""
    if all(_is_current(name) for name in SCHEMAS):
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--no-binary",
                ":all:",
                "--dest",
                tmp,
                SOURCE,
            ],
            check=True,
        )
        archives = list(Path(tmp).glob("*.tar.gz"))
        if len(archives) != 1 or _sha256(archives[0].read_bytes()) != SOURCE_SHA256:
            raise SystemExit(f"{SOURCE}: the downloaded archive is not the pinned one")
        CACHE.mkdir(parents=True, exist_ok=True)
        with tarfile.open(archives[0]) as archive:
            for name, digest in SCHEMAS.items():
                data = archive.extractfile(MEMBER_DIR + name).read()
                if _sha256(data) != digest:
                    raise SystemExit(f"{name}: not the pinned published schema")
                if json.loads(data)["$id"] != BASE_URL + name:
                    raise SystemExit(f"{name}: its $id is not {BASE_URL + name}")
                (CACHE / name).write_bytes(data)


def load(name: str) -> dict:
    """A published schema, checked against its pin; SchemaMissing if not fetched yet."""
    if not _is_current(name):
        raise SchemaMissing(
            f"{name} is not in {CACHE} (or differs from the pinned file): "
            "run `make test`, or `.venv/bin/python -m tests.ob3_schema` to fetch it"
        )
    return json.loads((CACHE / name).read_text())


if __name__ == "__main__":
    fetch()
    print(f"Open Badges 3.0 schemas in {CACHE.relative_to(ROOT)}: {', '.join(SCHEMAS)}")
