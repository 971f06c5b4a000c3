"""The documentation site builds with ``mkdocs build --strict``: no broken link, no page left out
of the nav, every ``:::`` reference resolved from the docstrings.

Runs when mkdocs is installed (the ``docs`` extra, which ``test`` includes); ``tox -e docs``
runs the same build.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip(
    "mkdocstrings_handlers.python",
    reason='the site needs the docs extra: pip install -e ".[docs]"',
)
pytest.importorskip("material", reason='the site needs the docs extra: pip install -e ".[docs]"')


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "changelog" / "index.html").is_file()
