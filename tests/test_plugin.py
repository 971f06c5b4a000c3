"""The pytest plugin, run inside pytester (the suite itself runs with it off)."""

from __future__ import annotations

import importlib.metadata

import pytest

# Block the entry point and load the module by name, so each run loads it exactly once.
PLUGIN = ("-p", "no:ssm_assoc_stub", "-p", "ssm_assoc_stub.plugin")

HEADER = """
import boto3
import botocore.session
import pytest
from botocore.stub import Stubber
from ssm_assoc_stub import current_stub

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"

def new_ssm():
    return boto3.client("ssm", region_name="eu-west-1")
"""


def test_the_entry_point_names_the_plugin_module() -> None:
    (entry,) = [
        ep
        for ep in importlib.metadata.entry_points(group="pytest11")
        if ep.name == "ssm_assoc_stub"
    ]
    assert entry.value == "ssm_assoc_stub.plugin"


def test_the_fixture_is_a_started_stub_fresh_for_each_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
backends = []

@pytest.mark.parametrize("round", [1, 2])
def test_fixture(ssm_assoc_stub, round):
    assert current_stub() is ssm_assoc_stub
    assert ssm_assoc_stub.calls == ()
    backends.append(ssm_assoc_stub.backend)
    ssm = new_ssm()
    with pytest.raises(ssm.exceptions.AssociationDoesNotExist):
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert len(ssm_assoc_stub.calls) == 1

def test_fresh_backends():
    assert len(backends) == 2 and backends[0] is not backends[1]
"""
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=3)


def test_the_marker_passes_options(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
pytestmark = pytest.mark.ssm_assoc_stub(history_limit=7)

@pytest.mark.ssm_assoc_stub(account_id="111122223333", passthrough=True)
def test_marked(ssm_assoc_stub):
    assert ssm_assoc_stub.backend.options.account_id == "111122223333"
    assert ssm_assoc_stub.backend.options.history_limit == 100  # closest marker wins

def test_module_marker(ssm_assoc_stub):
    assert ssm_assoc_stub.backend.options.history_limit == 7

@pytest.mark.ssm_assoc_stub(acount_id="x")
def test_bad_option(ssm_assoc_stub):
    pass

@pytest.mark.ssm_assoc_stub("positional")
def test_positional(ssm_assoc_stub):
    pass
"""
    )
    result = pytester.runpytest(*PLUGIN, "--strict-markers")
    result.assert_outcomes(passed=2, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*TypeError: ssm_assoc_stub.AssociationStub() got unknown option(s) acount_id*",
            "*TypeError: @pytest.mark.ssm_assoc_stub takes keyword options only, e.g. "
            "@pytest.mark.ssm_assoc_stub(strict_fleet=True)",
        ]
    )


def test_the_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest(*PLUGIN, "--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.ssm_assoc_stub(**options):*"])


def test_hooks_are_gone_after_a_failing_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
import os

ORIGINAL = botocore.session.Session.create_client
kept = []

def test_fails(ssm_assoc_stub):
    kept.append((ssm_assoc_stub, new_ssm()))
    assert os.environ["AWS_EC2_METADATA_DISABLED"] == "true"  # in place while active
    assert False, "the test's own failure"

def test_after():
    stub, ssm = kept[0]
    assert botocore.session.Session.create_client is ORIGINAL
    assert "AWS_EC2_METADATA_DISABLED" not in os.environ  # restored after the failure
    with pytest.raises(AssertionError, match="no ssm_assoc_stub.AssociationStub is active"):
        current_stub()
    with Stubber(ssm) as stubber:
        stubber.add_response("describe_association", {})
        ssm.describe_association(AssociationId=UNKNOWN_ID)
    assert stub.calls == ()
"""
    )
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: the test's own failure*"])


def test_the_entry_point_loads_the_plugin(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
def test_fixture_exists(ssm_assoc_stub):
    assert type(ssm_assoc_stub).__name__ == "AssociationStub"
"""
    )
    result = pytester.runpytest("-p", "ssm_assoc_stub")  # by entry-point name
    result.assert_outcomes(passed=1)


# -- settings: ini options and command-line flags -------------------------------------------
SHOW_OPTIONS = """
import json

def test_show(ssm_assoc_stub):
    options = ssm_assoc_stub.backend.options
    print("OPTIONS", json.dumps({
        "progression": options.progression,
        "strict_fleet": options.strict_fleet,
        "account_id": options.account_id,
        "history_limit": options.history_limit,
        "seed": options.seed,
        "start_time": str(options.start_time),
        "passthrough": ssm_assoc_stub._passthrough,
    }))
"""


def shown_options(result: pytest.RunResult) -> dict[str, object]:
    import json

    (line,) = [line for line in result.outlines if "OPTIONS {" in line]  # after "file.py "
    return dict(json.loads(line.partition("OPTIONS ")[2].rstrip(".")))


def test_every_option_but_clients_has_a_setting_with_the_stubs_default() -> None:
    import inspect

    from ssm_assoc_stub import AssociationStub
    from ssm_assoc_stub.plugin import SETTINGS

    signature = inspect.signature(AssociationStub.__init__)
    defaults = {
        name: parameter.default
        for name, parameter in signature.parameters.items()
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "clients"
    }
    assert {s.option: s.default for s in SETTINGS} == defaults


def test_help_lists_every_flag_and_ini_setting(pytester: pytest.Pytester) -> None:
    from ssm_assoc_stub.plugin import SETTINGS

    result = pytester.runpytest(*PLUGIN, "--help")
    text = result.stdout.str()
    assert "ssm_assoc_stub: defaults for the ssm_assoc_stub fixture's AssociationStub" in text
    for setting in SETTINGS:
        assert setting.flag in text and setting.ini in text, setting.option


def test_the_marker_help_lists_every_option(pytester: pytest.Pytester) -> None:
    from ssm_assoc_stub.plugin import SETTINGS

    result = pytester.runpytest(*PLUGIN, "--markers")
    (line,) = [line for line in result.outlines if line.startswith("@pytest.mark.ssm_assoc_stub(")]
    for setting in SETTINGS:
        assert f"{setting.option}=" in line, setting.option


def test_without_settings_the_stub_has_its_defaults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(SHOW_OPTIONS)
    result = pytester.runpytest(*PLUGIN, "-s")
    result.assert_outcomes(passed=1)
    assert shown_options(result) == {
        "progression": "immediate",
        "strict_fleet": False,
        "account_id": "123456789012",
        "history_limit": 100,
        "seed": None,
        "start_time": "None",
        "passthrough": False,
    }


def test_pyproject_settings_are_every_tests_defaults(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml(
        """
[tool.pytest.ini_options]
ssm_assoc_stub_progression = "manual"
ssm_assoc_stub_strict_fleet = "true"
ssm_assoc_stub_account_id = "111122223333"
ssm_assoc_stub_history_limit = "7"
ssm_assoc_stub_seed = "42"
ssm_assoc_stub_start_time = "2024-05-01T12:00:00Z"
ssm_assoc_stub_passthrough = "yes"
"""
    )
    pytester.makepyfile(SHOW_OPTIONS)
    result = pytester.runpytest(*PLUGIN, "-s")
    result.assert_outcomes(passed=1)
    assert shown_options(result) == {
        "progression": "manual",
        "strict_fleet": True,
        "account_id": "111122223333",
        "history_limit": 7,
        "seed": 42,
        "start_time": "2024-05-01 12:00:00+00:00",
        "passthrough": True,
    }


def test_precedence_is_marker_then_command_line_then_ini_then_default(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini(
        """
[pytest]
ssm_assoc_stub_progression = manual
ssm_assoc_stub_history_limit = 7
ssm_assoc_stub_account_id = 111122223333
"""
    )
    pytester.makepyfile(
        """
import pytest

def test_ini_and_flag(ssm_assoc_stub):
    options = ssm_assoc_stub.backend.options
    assert options.history_limit == 7  # ini
    assert options.account_id == "444455556666"  # the flag over the ini
    assert options.progression == "manual"  # ini
    assert options.strict_fleet is True  # the flag alone
    assert options.version_limit == 1000  # the stub's default

@pytest.mark.ssm_assoc_stub(account_id="777788889999", progression="immediate")
def test_marker(ssm_assoc_stub):
    options = ssm_assoc_stub.backend.options
    assert options.account_id == "777788889999"  # the marker over the flag
    assert options.progression == "immediate"  # the marker over the ini
    assert options.history_limit == 7 and options.strict_fleet is True  # the rest kept
"""
    )
    result = pytester.runpytest(
        *PLUGIN,
        "--ssm-assoc-stub-account-id=444455556666",
        "--ssm-assoc-stub-strict-fleet",
        "true",
    )
    result.assert_outcomes(passed=2)


@pytest.mark.parametrize(
    ("args", "ini", "message"),
    [
        (
            ["--ssm-assoc-stub-strict-fleet=maybe"],
            "",
            "*ssm_assoc_stub: --ssm-assoc-stub-strict-fleet: expected true or false, got 'maybe'*",
        ),
        (
            [],
            "ssm_assoc_stub_progression = manul",
            "*ssm_assoc_stub: ssm_assoc_stub_progression: expected one of immediate, manual*",
        ),
        (
            ["--ssm-assoc-stub-history-limit=0"],
            "",
            "*ssm_assoc_stub settings: history_limit must be at least 1, got 0*",
        ),
        (
            ["--ssm-assoc-stub-start-time=2024-05-01T12:00:00"],
            "",
            "*--ssm-assoc-stub-start-time: expected an ISO 8601 time with its offset*",
        ),
    ],
)
def test_a_bad_setting_stops_the_run_naming_it(
    pytester: pytest.Pytester, args: list[str], ini: str, message: str
) -> None:
    pytester.makeini(f"[pytest]\n{ini}\n")
    pytester.makepyfile("def test_never(ssm_assoc_stub):\n    pass\n")
    result = pytester.runpytest(*PLUGIN, *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_plugin_page_lists_every_setting() -> None:
    from pathlib import Path

    from ssm_assoc_stub.plugin import SETTINGS

    page = (Path(__file__).resolve().parent.parent / "docs" / "plugin.md").read_text()
    for setting in SETTINGS:
        assert f"| `{setting.ini}` | `{setting.flag}` |" in page, setting.option
