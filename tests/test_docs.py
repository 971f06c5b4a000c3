"""The documentation holds: its examples run, its links resolve, its pictures are current.

* Every ``docs/examples/*_test.py`` runs in ``pytester`` with the plugin on
  (``patch_rollout*`` has tests of its own).
* Every ``python`` block in ``docs/*.md`` (``api.md`` aside) is an excerpt of an
  example file, named on its first line (``# docs/examples/<file>``), and README's
  example is ``docs/examples/readme_example_test.py`` line for line.
* Every relative link and image in ``docs/*.md`` and ``README.md`` resolves,
  anchors included.
* Every ``$ python -m ssm_assoc_stub simulate ... --svg docs/images/x.svg`` block in
  the docs prints what the block shows and draws the committed picture.
* ``python -m ssm_assoc_stub simulate --svg`` writes well-formed SVG, one row per target.
* Every decision of docs/decisions.md (the users' copy of the project's DECISIONS.md) is in
  docs/behaviour.md, every test it cites exists, and every D-ID users see is on that page.
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import os
import re
import shlex
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ssm_assoc_stub._tools.simulate import build_parser, main_simulate

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
MARKDOWN = [*PAGES, ROOT / "README.md"]
EXAMPLES = sorted(
    path
    for path in (DOCS / "examples").glob("*.py")
    if not path.name.startswith("patch_rollout") and path.name != "lambda_handler.py"
)
# Examples that need a package the `test` extra leaves out: without it they must skip.
OPTIONAL_EXAMPLES = {"async_test.py": "aiobotocore"}
# Modules the examples import (the code under test of a worked example), copied beside them.
EXAMPLE_SUPPORT = [DOCS / "examples" / "lambda_handler.py"]
DECISIONS = next(
    (
        found
        for found in (up / "shared" / "spec" / "DECISIONS.md" for up in ROOT.parents)
        if found.is_file()
    ),
    None,
)
SVG = "{http://www.w3.org/2000/svg}"
PLUGIN = ("-p", "no:ssm_assoc_stub", "-p", "ssm_assoc_stub.plugin")

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
_LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
_SIMULATE = "$ python -m ssm_assoc_stub simulate "


def blocks(path: Path, language: str) -> list[str]:
    return [body for lang, body in _FENCE.findall(path.read_text()) if lang == language]


def relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- examples ---------------------------------------------------------------------------
def test_the_examples_are_found() -> None:
    names = {path.name for path in EXAMPLES}
    assert {"quickstart_test.py", "readme_example_test.py"} <= names
    assert all(name.endswith("_test.py") for name in names), names


def test_the_examples_run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a fresh interpreter, as a user runs them: nothing imported by this suite leaks in.

    One subprocess for all of them (starting one costs about a second); each file
    must contribute at least one passing test.
    """
    path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), path])))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # only ours, loaded by name
    files = [*EXAMPLES, *EXAMPLE_SUPPORT]
    pytester.makepyfile(**{example.stem: example.read_text() for example in files})
    result = pytester.runpytest_subprocess(*PLUGIN, "-p", "no:cacheprovider", "-rA")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    report = result.stdout.str()
    for example in EXAMPLES:
        needs = OPTIONAL_EXAMPLES.get(example.name)
        if needs is not None and importlib.util.find_spec(needs) is None:
            assert f"SKIPPED [1] {example.name}:" in report, f"{example.name} did not skip"
            continue
        assert f"PASSED {example.name}::" in report, f"{example.name} passed no test:\n{report}"


def test_the_readme_example_is_the_example_file() -> None:
    (readme_block,) = blocks(ROOT / "README.md", "python")
    example = (DOCS / "examples" / "readme_example_test.py").read_text()
    assert readme_block in example, "README's example and readme_example_test.py differ"


def excerpts() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for body in blocks(page, "python"):
            found.append((relative(page), body))
    return found


@pytest.mark.parametrize(("page", "body"), excerpts())
def test_python_blocks_are_excerpts_of_the_examples(page: str, body: str) -> None:
    first, _, code = body.partition("\n")
    if page == "docs/api.md" and not first.startswith("# docs/examples/"):
        return  # signatures, not code to run
    assert first.startswith("# docs/examples/"), f"{page}: a python block must name its example"
    lines = (ROOT / first[2:].strip()).read_text().splitlines()
    wanted = code.rstrip("\n")
    size = len(wanted.splitlines())
    windows = (textwrap.dedent("\n".join(lines[i : i + size])) for i in range(len(lines)))
    assert wanted in windows, f"{page}: this block is not in {first[2:]}:\n{wanted}"


# -- links --------------------------------------------------------------------------------
def slug(heading: str) -> str:
    """GitHub's anchor for a Markdown heading."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip().lower())
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text())
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def links() -> list[tuple[str, str]]:
    found = []
    for page in MARKDOWN:
        text = _FENCE.sub("", page.read_text())
        found.extend((relative(page), target) for target in _LINK.findall(text))
    return found


@pytest.mark.parametrize(("page", "target"), links())
def test_relative_links_resolve(page: str, target: str) -> None:
    if re.match(r"[a-z]+:", target):
        return  # https:, mailto:
    path, _, anchor = target.partition("#")
    resolved = (ROOT / page).parent / path if path else ROOT / page
    assert resolved.exists(), f"{page}: {target} does not exist"
    if anchor:
        assert anchor in anchors(resolved), f"{page}: no heading for #{anchor} in {path or page}"


# -- pictures -----------------------------------------------------------------------------
def simulate(argv: list[str]) -> tuple[int, str, str]:
    root = argparse.ArgumentParser(prog="python -m ssm_assoc_stub")
    build_parser(root.add_subparsers(dest="command"))
    out, err = io.StringIO(), io.StringIO()
    code = main_simulate(root.parse_args(argv), out, err=err)
    return code, out.getvalue(), err.getvalue()


def pictures() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for body in blocks(page, "text"):
            if body.startswith(_SIMULATE):
                found.append((relative(page), body))
    return found


def test_the_rate_control_page_has_pictures() -> None:
    drawn = [body for page, body in pictures() if page == "docs/rate-control.md"]
    assert len(drawn) >= 2
    text = (DOCS / "rate-control.md").read_text()
    for body in drawn:
        svg = shlex.split(body.splitlines()[0])[-1]
        assert f"]({svg.removeprefix('docs/')})" in text, f"{svg} is drawn but not shown"


@pytest.mark.parametrize(("page", "body"), pictures())
def test_simulate_blocks_show_the_real_output_and_picture(
    page: str, body: str, tmp_path: Path
) -> None:
    command, *shown = body.rstrip("\n").splitlines()
    argv = shlex.split(command)[4:]  # after "$ python -m ssm_assoc_stub"
    picture = None
    if "--svg" in argv:
        at = argv.index("--svg") + 1
        picture, argv[at] = ROOT / argv[at], str(tmp_path / "drawn.svg")
    code, out, err = simulate(argv)
    assert (code, err) == (0, "")
    assert out.rstrip("\n").splitlines() == shown, f"{page}: the output of {command} changed"
    if picture is not None:
        drawn = (tmp_path / "drawn.svg").read_text()
        assert picture.read_text() == drawn, f"{relative(picture)} is stale: regenerate it"


def test_every_picture_in_docs_images_is_used_and_well_formed() -> None:
    text = "".join(page.read_text() for page in MARKDOWN)
    for svg in sorted((DOCS / "images").glob("*.svg")):
        assert f"images/{svg.name}" in text, f"{svg.name} is not shown anywhere"
        assert ET.parse(svg).getroot().tag == f"{SVG}svg"


def test_simulate_writes_an_svg_with_one_row_per_target(tmp_path: Path) -> None:
    out = tmp_path / "out.svg"
    flags = "--targets 12 --max-concurrency 25% --max-errors 1 --fail 2,5 --timeout 3"
    subprocess.run(
        [sys.executable, "-m", "ssm_assoc_stub", "simulate", *flags.split(), "--svg", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    root = ET.parse(out).getroot()
    assert root.tag == f"{SVG}svg"
    rows = root.findall(f".//{SVG}g[@class='row']")
    assert [row.get("data-target") for row in rows] == [f"i-{n:017d}" for n in range(1, 13)]
    statuses = [row.get("data-status") for row in rows]
    # 3 slots; at t+30s #2 fails (error 1, tolerated), #4 and #5 take the freed slots,
    # #3 times out (error 2 > 1): dispatch stops; #4 and #5 finish; #6-#12 are skipped
    assert statuses[:5] == ["Success", "Failed", "TimedOut", "Success", "Failed"]
    assert set(statuses[5:]) == {"Skipped"}
    texts = "".join(root.itertext())
    assert "threshold crossed" in texts and "error #2 > 1 tolerated" in texts
    assert all(status in texts for status in ("Success", "Failed", "TimedOut", "Skipped"))


def test_the_svg_is_deterministic(tmp_path: Path) -> None:
    argv = ["simulate", "--targets", "30", "--max-errors", "2", "--fail", "3,9", "--svg"]
    first, second = tmp_path / "1.svg", tmp_path / "2.svg"
    assert simulate([*argv, str(first)])[0] == simulate([*argv, str(second)])[0] == 0
    assert first.read_bytes() == second.read_bytes()


def test_an_unwritable_svg_path_exits_1(tmp_path: Path) -> None:
    code, out, err = simulate(["simulate", "--targets", "3", "--svg", str(tmp_path / "no" / "x")])
    assert code == 1
    assert "Rate control for N = 3 targets" in out  # the text report still printed
    assert err.startswith("simulate: error: --svg ")


# -- decisions ----------------------------------------------------------------------------
_DECISION_ROW = re.compile(r"^\| (D-[A-Z]+-\d+) \|.*$", re.M)
_DECISION_ID = re.compile(r"\bD-[A-Z]+-\d+\b")


def decision_rows(path: Path) -> dict[str, str]:
    return {match[1]: match[0] for match in _DECISION_ROW.finditer(path.read_text())}


def test_every_decision_is_in_the_behaviour_page() -> None:
    """docs/decisions.md (the users' copy of the project's DECISIONS.md) is all on the
    behaviour page; where the project's copy is beside the checkout (``shared/spec/``, absent
    from an sdist or a bare clone), the users' copy is that file row for row."""
    rows = decision_rows(DOCS / "decisions.md")
    shown = set(decision_rows(DOCS / "behaviour.md"))
    assert rows and set(rows) <= shown, sorted(set(rows) - shown)
    if DECISIONS is not None:
        assert rows == decision_rows(DECISIONS), f"docs/decisions.md differs from {DECISIONS}"


def test_every_decision_id_users_see_can_be_looked_up() -> None:
    """Any D-ID on a page, in the README or in the package's own text has a row to look up: on
    the decisions page, or (decisions taken while building a feature) the behaviour page's."""
    known = set(decision_rows(DOCS / "decisions.md")) | set(decision_rows(DOCS / "behaviour.md"))
    sources = [*MARKDOWN, *sorted((ROOT / "ssm_assoc_stub").rglob("*.py"))]
    for path in sources:
        unknown = set(_DECISION_ID.findall(path.read_text())) - known
        assert not unknown, f"{relative(path)} names {sorted(unknown)}, on no decisions table"


def test_the_tests_the_behaviour_page_cites_exist() -> None:
    page = (DOCS / "behaviour.md").read_text()
    cited = set(re.findall(r"(tests/test_\w+\.py)::(\w+)", page))
    assert cited
    for file, name in sorted(cited):
        assert re.search(rf"^(async )?def {name}\(", (ROOT / file).read_text(), re.M), (file, name)


# -- architecture -------------------------------------------------------------------------
def test_the_module_map_names_every_module() -> None:
    page = (DOCS / "architecture.md").read_text()
    package = ROOT / "ssm_assoc_stub"
    modules = sorted(
        path.relative_to(package).as_posix()
        for path in package.rglob("*.py")
        if path.name != "__init__.py" or path.parent == package
    )
    missing = [name for name in modules if f"| `{name}` |" not in page]
    assert not missing, f"docs/architecture.md's module map lacks {missing}"


# -- install ------------------------------------------------------------------------------
def test_the_quickstart_installs_what_exists_today_and_after_a_release() -> None:
    """A checkout, the wheel ``python -m build`` writes for this version, then PyPI; each with
    pytest, which the fixture needs and the package does not depend on."""
    from ssm_assoc_stub import __version__

    lines = [line for body in blocks(DOCS / "quickstart.md", "sh") for line in body.splitlines()]
    installs = [line for line in lines if line.startswith("pip install")]
    wheel = f"dist/ssm_assoc_stub-{__version__}-py3-none-any.whl"
    assert f"pip install {wheel} pytest" in installs
    assert any(line.startswith("pip install ./ssm_assoc_stub pytest") for line in installs)
    assert any(line.startswith("pip install ssm_assoc_stub pytest") for line in installs)
    assert all(" pytest" in line for line in installs), installs
    assert f'version = "{__version__}"' in (ROOT / "pyproject.toml").read_text()


# -- reference ----------------------------------------------------------------------------
def test_every_public_name_is_in_the_reference_with_a_docstring() -> None:
    """docs/reference.md renders each name of ``__all__`` from its docstring (mkdocstrings)."""
    import inspect

    import ssm_assoc_stub

    page = (DOCS / "reference.md").read_text()
    for name in ssm_assoc_stub.__all__:
        if name == "__version__":
            assert "`ssm_assoc_stub.__version__`" in page
            continue
        thing = getattr(ssm_assoc_stub, name)
        where = inspect.getmodule(thing)
        assert where is not None, name
        home = next(
            module
            for module in sorted(sys.modules)
            if module.startswith("ssm_assoc_stub.")
            and getattr(sys.modules[module], name, None) is thing
            and f"::: {module}.{name}" in page
        )
        assert inspect.getdoc(thing), f"{home}.{name} has no docstring"
    stub = ssm_assoc_stub.AssociationStub
    for member, value in vars(stub).items():
        if not member.startswith("_"):
            assert inspect.getdoc(value), f"AssociationStub.{member} has no docstring"


def test_the_api_overview_imports_every_public_name_and_links_it_into_the_reference() -> None:
    """docs/api.md is a guide, not a second reference: its import block is ``__all__`` and each
    name links to its section of the generated reference (docs/reference.md)."""
    import ssm_assoc_stub

    page = (DOCS / "api.md").read_text()
    (imports,) = (body for body in blocks(DOCS / "api.md", "python") if "import (" in body)
    assert sorted(re.findall(r"^\s+(\w+),$", imports, re.M)) == sorted(ssm_assoc_stub.__all__)
    for name in ssm_assoc_stub.__all__:
        assert f"[`{name}`](reference.md#{name.lower()})" in page, name
    assert "| Field |" not in page, "record fields belong in the docstrings (the reference)"


def test_the_readme_names_the_versions_tox_tests() -> None:
    """README's "Tested versions" agree with tox.ini's envs and pyproject's bounds: the oldest
    botocore/boto3 pin is the dependency floor, and each Python env is a classifier."""
    tox = (ROOT / "tox.ini").read_text()
    readme = (ROOT / "README.md").read_text()
    project = (ROOT / "pyproject.toml").read_text()
    (pin,) = set(re.findall(r"^\s+botocore==([\d.]+)$", tox, re.M))
    assert f"    boto3=={pin}" in tox
    assert f'"botocore>={pin}"' in project and f'"boto3>={pin}"' in project
    assert f"botocore and boto3 {pin}, the oldest supported" in readme
    envs = re.search(r"^env_list = (.*)$", tox, re.M)
    assert envs is not None
    pythons = [f"3.{name[3:]}" for name in envs[1].split(", ") if re.fullmatch(r"py3\d+", name)]
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    for version in pythons:
        assert re.search(rf"CPython [\d., and]*\b{re.escape(version)}\.\d+", readme), version
        assert f'"Programming Language :: Python :: {version}"' in project, version
    assert 'requires-python = ">=3.10"' in project
