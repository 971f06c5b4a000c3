"""``calls_limit``: ``stub.calls`` keeps the newest N calls (issue 8 item 8)."""

from __future__ import annotations

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

from .test_plugin import PLUGIN

REGION = "eu-west-1"


def _describe_unknowns(client: object, count: int) -> None:
    for i in range(count):
        with pytest.raises(client.exceptions.AssociationDoesNotExist):  # type: ignore[attr-defined]
            client.describe_association(  # type: ignore[attr-defined]
                AssociationId=f"00000000-0000-4000-8000-{i:012d}"
            )


def _ids(stub: AssociationStub) -> list[str]:
    return [call.params["AssociationId"] for call in stub.calls_to("DescribeAssociation")]


def test_unbounded_by_default_and_nothing_dropped() -> None:
    with AssociationStub() as stub:
        client = boto3.client("ssm", region_name=REGION)
        _describe_unknowns(client, 30)
    assert len(stub.calls) == 30
    assert stub.calls_dropped == 0
    assert stub.backend.options.calls_limit is None


def test_the_newest_calls_are_kept_in_order_and_the_dropped_counted() -> None:
    with AssociationStub(calls_limit=3) as stub:
        client = boto3.client("ssm", region_name=REGION)
        _describe_unknowns(client, 7)
        client.list_associations()
        assert [call.operation for call in stub.calls] == ["DescribeAssociation"] * 2 + [
            "ListAssociations"
        ]
        assert _ids(stub) == [f"00000000-0000-4000-8000-{i:012d}" for i in (5, 6)]
        assert stub.calls_dropped == 5
        assert stub.calls_to("ListAssociations")[0].ok
    # readable after the stop, like every record
    assert len(stub.calls) == 3 and stub.calls_dropped == 5


def test_a_limit_of_zero_keeps_no_call_and_counts_them_all() -> None:
    with AssociationStub(calls_limit=0) as stub:
        client = boto3.client("ssm", region_name=REGION)
        client.list_associations()
        _describe_unknowns(client, 2)
    assert stub.calls == ()
    assert stub.calls_dropped == 3


def test_each_start_begins_a_fresh_log() -> None:
    stub = AssociationStub(calls_limit=1)
    with stub:
        boto3.client("ssm", region_name=REGION).list_associations()
        boto3.client("ssm", region_name=REGION).list_associations()
        assert stub.calls_dropped == 1
    with stub:
        assert stub.calls == () and stub.calls_dropped == 0


def test_injected_errors_and_rejected_calls_count_against_the_limit() -> None:
    with AssociationStub(calls_limit=2) as stub:
        client = boto3.client("ssm", region_name=REGION)
        stub.inject_error("ListAssociations", "InternalServerError")
        with pytest.raises(client.exceptions.InternalServerError):
            client.list_associations()
        client.list_associations()
        client.list_associations()
    assert [call.ok for call in stub.calls] == [True, True]
    assert stub.calls_dropped == 1


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", [3]])
def test_a_bad_limit_is_refused_at_once(bad: object) -> None:
    with pytest.raises(ValueError, match="calls_limit must be None or a whole number >= 0"):
        AssociationStub(calls_limit=bad)  # type: ignore[arg-type]


def test_the_settings_set_it_with_the_marker_first(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nssm_assoc_stub_calls_limit = 5\n")
    pytester.makepyfile(
        test_ini="""
import pytest

def test_ini(ssm_assoc_stub):
    assert ssm_assoc_stub.backend.options.calls_limit == 5

@pytest.mark.ssm_assoc_stub(calls_limit=None)
def test_marker(ssm_assoc_stub):
    assert ssm_assoc_stub.backend.options.calls_limit is None
"""
    )
    result = pytester.runpytest(*PLUGIN, "test_ini.py")
    result.assert_outcomes(passed=2)
    pytester.makepyfile(
        test_flag="""
def test_flag(ssm_assoc_stub):
    assert ssm_assoc_stub.backend.options.calls_limit == 2
"""
    )
    result = pytester.runpytest(*PLUGIN, "--ssm-assoc-stub-calls-limit=2", "test_flag.py")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest(*PLUGIN, "--ssm-assoc-stub-calls-limit=none", "test_ini.py")
    result.assert_outcomes(passed=1, failed=1)  # the flag's none over the ini's 5


@pytest.mark.parametrize("text", ["-1", "lots"])
def test_a_bad_setting_names_it(pytester: pytest.Pytester, text: str) -> None:
    pytester.makepyfile("def test_never(ssm_assoc_stub):\n    pass\n")
    result = pytester.runpytest(*PLUGIN, f"--ssm-assoc-stub-calls-limit={text}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*--ssm-assoc-stub-calls-limit: expected a whole number >= 0 or none*"]
    )


def test_the_server_keeps_the_newest_calls_too() -> None:
    from ssm_assoc_stub._server.testing import started_server

    with started_server({"calls_limit": 2}) as (url, controls):
        client = boto3.client(
            "ssm",
            region_name=REGION,
            endpoint_url=url,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for _ in range(4):
            client.list_associations()
        assert len(controls.calls) == 2
