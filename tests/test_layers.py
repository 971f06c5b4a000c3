"""The layer contract (pyproject.toml, [tool.importlinter]) holds, and it would catch a breach."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip(
    "importlinter",
    reason="import-linter is not installed (the test extra installs it on Python 3.11+, "
    "where import-linter 2.17 runs; the layer contract is checked there and in tox -e lint)",
)


def lint_imports(where: Path) -> subprocess.CompletedProcess[str]:
    script = "import sys\nfrom importlinter.cli import lint_imports_command\nlint_imports_command()"
    return subprocess.run(
        [sys.executable, "-c", script, "--config", str(where / "pyproject.toml"), "--no-cache"],
        cwd=where,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(where)},
    )


def test_the_layer_contracts_hold() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


def copy_of_the_package(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "ssm_assoc_stub", tmp_path / "ssm_assoc_stub")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_a_botocore_import_in_the_service_breaks_the_contract(tmp_path: Path) -> None:
    where = copy_of_the_package(tmp_path)
    clock = where / "ssm_assoc_stub" / "_service" / "clock.py"
    clock.write_text(clock.read_text() + "\nimport botocore  # noqa\n")
    result = lint_imports(where)
    assert result.returncode == 1
    assert "The pure service never imports botocore, boto3 or aiobotocore BROKEN" in result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    where = copy_of_the_package(tmp_path)
    engine = where / "ssm_assoc_stub" / "_service" / "engine.py"
    engine.write_text(engine.read_text() + "\nfrom .._lifecycle import stub  # noqa\n")
    result = lint_imports(where)
    assert result.returncode == 1
    assert "Layers: tools over the stub over the bindings over the pure service BROKEN" in (
        result.stdout
    )


def test_a_cycle_breaks_the_acyclic_contract(tmp_path: Path) -> None:
    where = copy_of_the_package(tmp_path)
    clock = where / "ssm_assoc_stub" / "_service" / "clock.py"
    clock.write_text(
        clock.read_text() + "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n"
        "    from .simulator import Simulator  # noqa\n"
    )
    result = lint_imports(where)
    assert result.returncode == 1
    assert "No import cycles between the modules of any package BROKEN" in result.stdout


def test_the_http_server_and_the_botocore_binding_stay_independent(tmp_path: Path) -> None:
    where = copy_of_the_package(tmp_path)
    app = where / "ssm_assoc_stub" / "_server" / "app.py"
    app.write_text(app.read_text() + "\nfrom .._binding import glue  # noqa\n")
    result = lint_imports(where)
    assert result.returncode == 1
    assert "Layers: tools over the stub over the bindings over the pure service BROKEN" in (
        result.stdout
    )
