"""The documentation site builds with ``mkdocs build --strict``: no broken link, no page left out
of the nav, every ``:::`` reference resolved from the docstrings.

Runs when mkdocs is installed (the ``docs`` extra, which ``test`` includes); ``tox -e docs``
runs the same build.
"""

from __future__ import annotations

import os
import re
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


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """One strict build for this module's tests (a build takes 10-20 s)."""
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    return result, out


def test_the_site_builds_strictly(site: tuple[subprocess.CompletedProcess[str], Path]) -> None:
    result, out = site
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    assert (out / "index.html").is_file()
    assert (out / "changelog" / "index.html").is_file()


def test_the_generated_reference_renders_every_public_name(
    site: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """The built reference page has a section per name of ``__all__``, holding the object
    mkdocstrings rendered from that name's docstring, and every public AssociationStub member.
    A name left out of docs/reference.md, or a ``:::`` that resolves to nothing, fails here."""
    import ssm_assoc_stub

    result, out = site
    assert result.returncode == 0, result.stderr
    page = (out / "reference" / "index.html").read_text()
    ids = set(re.findall(r'\bid="([^"]+)"', page))
    directives = re.findall(r"^::: ([\w.]+)$", (ROOT / "docs/reference.md").read_text(), re.M)
    for name in ssm_assoc_stub.__all__:
        assert name.lower() in ids, f"docs/reference.md has no section for {name}"
        if name == "__version__":
            continue
        (path,) = (path for path in directives if path.rsplit(".", 1)[-1] == name)
        assert path in ids, f"the reference does not render {name} ({path})"
    stub = ssm_assoc_stub.AssociationStub
    for member in vars(stub):
        if not member.startswith("_"):
            assert f"{stub.__module__}.AssociationStub.{member}" in ids, member


def test_the_pages_load_nothing_from_other_hosts(
    site: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """Read locally, the site works offline: no stylesheet, font, script or image comes from
    the network (the theme's Google Fonts are off). Links to other sites are fine."""
    result, out = site
    assert result.returncode == 0, result.stderr
    remote = re.compile(r"<(?:link|script|img|iframe)\b[^>]*\b(?:href|src)=\"(?:https?:)?//", re.I)
    pages = sorted(out.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        text = re.sub(r'<link rel="canonical"[^>]*>', "", page.read_text())  # a name, not a load
        found = remote.findall(text)
        assert not found, f"{page.relative_to(out)} loads {found}"
