"""The public API is typed: mypy catches a misspelt option or status in a user's test.

mypy runs in a subprocess on a small snippet, with its cache kept in pytest's cache
directory so that repeated runs take about a second.
"""

from __future__ import annotations

import inspect
import os
import re
import subprocess
import sys
import typing
from pathlib import Path

import attrs
import pytest

import ssm_assoc_stub
from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._lifecycle.stub import _Configured
from ssm_assoc_stub._service.options import Options

SNIPPET = """\
from datetime import datetime, timezone
from typing import Any, Callable

from ssm_assoc_stub import AssociationStub, Document, current_stub

AssociationStub(progresion="manual")  # line 6: misspelt option
AssociationStub(progression="manul")  # line 7: misspelt value
stub = AssociationStub(progression="manual", strict_fleet=True, history_limit=3)
with stub:
    stub.set_outcome("*", "Failure")  # line 10: misspelt status
    stub.set_outcome("i-1", "TimedOut", duration=5)
    stub.add_instance("i-1", platform="Linux")
    stub.add_instance("i-2", platform="linux")  # line 13: misspelt platform
    doc: Document = stub.add_document("Team-Doc", document_type="Command")
    stub.add_document("Team-Doc2", document_type="Comand")  # line 15: misspelt type
    when: datetime = stub.now
AssociationStub(update_semantics="merge", start_time=datetime(2026, 1, 1, tzinfo=timezone.utc))


@AssociationStub
def bare(x: int) -> str:
    return str(x)


@AssociationStub(progression="manual")
def called(x: int) -> str:
    return str(current_stub().now)


reveal_type(bare)  # line 30
reveal_type(called)  # line 31
reveal_type(AssociationStub())  # line 32
bare("not an int")  # line 33: the decorated signature is kept
"""

EXPECTED_ERRORS = {
    6: 'Unexpected keyword argument "progresion"',
    7: 'No overload variant of "AssociationStub" matches argument type "str"',
    10: 'Argument 2 to "set_outcome" of "AssociationStub" has incompatible type',
    13: 'Argument "platform" to "add_instance" of "AssociationStub" has incompatible type',
    15: 'Argument "document_type" to "add_document" of "AssociationStub" has incompatible type',
    33: 'Argument 1 to "bare" has incompatible type "str"; expected "int"',
}


def _mypy() -> list[str]:
    try:
        import mypy  # noqa: F401
    except ImportError:  # pragma: no cover - the test extra installs it
        pytest.skip("mypy is not installed (it comes with the test extra)")
    return [sys.executable, "-m", "mypy"]


def test_mypy_catches_misspelt_options_statuses_and_platforms(
    tmp_path: Path, pytestconfig: pytest.Config
) -> None:
    snippet = tmp_path / "user_test.py"
    snippet.write_text(SNIPPET)
    store = getattr(pytestconfig, "cache", None)  # absent under -p no:cacheprovider
    cache = store.mkdir("mypy-typing") if store is not None else tmp_path
    result = subprocess.run(
        [
            *_mypy(),
            "--strict",
            "--no-error-summary",
            "--hide-error-context",
            "--cache-dir",
            str(cache),
            "--python-version",
            f"{sys.version_info.major}.{sys.version_info.minor}",
            str(snippet),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        # an editable install is an import hook mypy cannot follow: point it at the source
        env={**os.environ, "MYPYPATH": str(Path(ssm_assoc_stub.__file__).parent.parent)},
    )
    lines: dict[int, list[str]] = {}
    for line in result.stdout.splitlines():
        match = re.match(r".*user_test\.py:(\d+): (error|note): (.*)", line)
        if match:
            lines.setdefault(int(match.group(1)), []).append(match.group(3))
    errors = {n: msgs for n, msgs in lines.items() if any("[" in m for m in msgs)}
    assert sorted(errors) == sorted(EXPECTED_ERRORS), result.stdout + result.stderr
    for number, expected in EXPECTED_ERRORS.items():
        assert any(expected in message for message in errors[number]), (number, errors[number])
    kept = re.compile(r'Revealed type is "def \(x: (builtins\.)?int\) -> (builtins\.)?str"')
    assert [kept.fullmatch(note) is not None for note in lines[30] + lines[31]] == [True, True]
    assert 'Revealed type is "ssm_assoc_stub._lifecycle.stub.AssociationStub"' in lines[32]


def _keyword_options(function: typing.Callable[..., object]) -> list[tuple[str, object]]:
    parameters = inspect.signature(function).parameters.values()
    return [(p.name, p.default) for p in parameters if p.kind is p.KEYWORD_ONLY]


@pytest.mark.skipif(sys.version_info < (3, 11), reason="typing.get_overloads is 3.11+")
def test_the_options_agree_in_init_the_new_overload_and_options() -> None:
    init = _keyword_options(_Configured.__init__)
    (_, keywords) = typing.get_overloads(AssociationStub.__new__)
    assert _keyword_options(keywords) == init
    fields = attrs.fields(Options)
    assert [(f.name, f.default) for f in fields] == [
        (name, default) for name, default in init if name not in ("clients", "passthrough")
    ]
