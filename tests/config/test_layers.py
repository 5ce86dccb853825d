"""The import contracts (.importlinter, run by `make lint`) hold for the tree, and each one
fails when code breaks it: an upward import between apps, the same import hidden in a function
body, a JWT library below lti_tool, the development platform imported by the tool."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT = Path(sys.executable).parent / "lint-imports"
CONFIG = ROOT / ".importlinter"


def _packages() -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(CONFIG)
    return parser["importlinter"]["root_packages"].split()


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    # grimp reads the source (nothing is imported): the packages in `cwd` are the ones checked.
    return subprocess.run(
        [str(LINT), "--config", str(cwd / ".importlinter"), "--no-cache"],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_tree_keeps_every_import_contract():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_app_is_under_contract():
    """A new top-level app must be named in .importlinter, or nothing checks its imports."""
    apps = {
        path.parent.name
        for path in ROOT.glob("*/apps.py")
        if (path.parent / "__init__.py").exists()
    }
    assert apps <= set(_packages()), apps - set(_packages())


VIOLATIONS = [
    pytest.param(
        "mastery/models.py",
        "\nfrom credentials.models import IssuedCredential  # noqa\n",
        "Apps import downwards only",
        id="upward-import",
    ),
    pytest.param(
        "courses/progress.py",
        "\n\ndef _dodge():\n    from mastery.attempts import mastery_status\n\n    return mastery_status\n",
        "Apps import downwards only",
        id="upward-import-in-a-function-body",
    ),
    pytest.param(
        "courses/views.py",
        "\nfrom pagesession.middleware import Launch  # noqa\n",
        "Apps import downwards only",
        id="beyond-the-named-exceptions",
    ),
    pytest.param(
        "taskmarks/__init__.py",
        "\nfrom keys.models import ToolKey  # noqa\n",
        "Apps import downwards only",
        id="bottom-layer-imports-an-app",
    ),
    pytest.param(
        "credentials/issuing.py",
        "\nimport jwt  # noqa\n",
        "know nothing of LTI or JWTs",
        id="jwt-below-lti-tool",
    ),
    pytest.param(
        "pagesession/access.py",
        "\nfrom lti_tool.roles import role_from_claims  # noqa\n",
        "know nothing of LTI or JWTs",
        id="lti-tool-below-lti-tool",
    ),
    pytest.param(
        "lti_tool/services.py",
        "\nimport devplatform.models  # noqa\n",
        "development platform",
        id="tool-imports-devplatform",
    ),
]


@pytest.mark.parametrize(("module", "code", "contract"), VIOLATIONS)
def test_a_deliberate_violation_breaks_its_contract(tmp_path, module, code, contract):
    for package in _packages():
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "static", "templates", "migrations"),
        )
    shutil.copy(CONFIG, tmp_path / ".importlinter")
    assert _lint(tmp_path).returncode == 0  # the copy itself is clean
    with (tmp_path / module).open("a") as source:
        source.write(code)
    result = _lint(tmp_path)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken, result.stdout
