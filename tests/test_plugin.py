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
            "*TypeError: AssociationStub() got unknown option(s) acount_id*",
            "*TypeError: @pytest.mark.ssm_assoc_stub takes keyword options only*",
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
    with pytest.raises(AssertionError, match="no AssociationStub is active"):
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
