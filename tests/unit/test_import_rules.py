"""The contexts' import rules (`.importlinter`) hold on the package, and a forbidden import breaks them.

Checked on a copy of the package so the deliberate violation never touches the tree; `make lint`
runs the same contracts on the real package in CI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "layers" / "core" / "python" / "sunlight"
LINT = Path(sys.executable).parent / "lint-imports"


def lint(copy: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy)}
    config = str(ROOT / ".importlinter")
    return subprocess.run(
        [str(LINT), "--config", config, "--no-cache"],
        check=False,
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copytree(PACKAGE, tmp_path / "sunlight", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_the_package_keeps_every_contract(copy: Path) -> None:
    result = lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def add_import(module: Path, line: str) -> None:
    text = module.read_text()
    head, _, rest = text.partition("from __future__ import annotations\n")
    module.write_text(f"{head}from __future__ import annotations\n\n{line}  # noqa\n{rest}")


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        (
            "approval/domain/rules.py",
            "from sunlight.approval.service import casework",
            "domain code imports no service or adapter",
        ),
        (
            "approval/domain/lifecycle.py",
            "import boto3",
            "Domain code imports no service, no adapter, no AWS SDK",
        ),
        (
            "kernel/calendar.py",
            "from sunlight.alerts.domain import model",
            "The shared kernel imports no context",
        ),
        (
            "complaints/service.py",
            "from sunlight.evaluation.service import tallying",
            "The evaluation's services and adapters are its own",
        ),
        ("citizens/service.py", "from sunlight.app import bootstrap", "Only the app wires"),
        (
            "app/sweep.py",
            "from sunlight.devtools.local import cloud",
            "Nothing deployed imports the devtools",
        ),
    ],
)
def test_a_forbidden_import_breaks_its_contract(copy: Path, module: str, line: str, contract: str) -> None:
    add_import(copy / "sunlight" / module, line)
    result = lint(copy)
    assert result.returncode == 1, result.stdout
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in " ".join(broken.split()), broken
