"""The ssm_assoc_server fixture and the real-endpoint mode, in pytester."""

from __future__ import annotations

import socket
import threading
import urllib.parse
from pathlib import Path

import pytest

from ssm_assoc_stub._server.testing import started_server

PLUGIN = ("-p", "no:ssm_assoc_stub", "-p", "ssm_assoc_stub.plugin")
EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "real_endpoint_test.py"


def _refused(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=2).close()
    except OSError:
        return True
    return False


def _server_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("ssm_assoc_stub-server")]


def test_the_fixture_serves_on_loopback_and_stops_after_each_test_even_a_failing_one(
    pytester: pytest.Pytester,
) -> None:
    urls = pytester.path / "urls.txt"
    pytester.makepyfile(
        f"""
        import pytest

        def record(endpoint):
            with open({str(urls)!r}, "a") as f:
                f.write(endpoint.url + "\\n")

        def test_passes(ssm_assoc_server):
            record(ssm_assoc_server)
            assert ssm_assoc_server.url.startswith("http://127.0.0.1:")
            assert ssm_assoc_server.mode == "server" and ssm_assoc_server.emulated
            ssm = ssm_assoc_server.client()
            assert ssm.list_associations()["Associations"] == []
            assert [c.operation for c in ssm_assoc_server.controls.calls] == ["ListAssociations"]

        def test_fails(ssm_assoc_server):
            record(ssm_assoc_server)
            raise AssertionError("the test's own failure")

        @pytest.mark.ssm_assoc_stub(account_id="210987654321")
        def test_marker_options(ssm_assoc_server):
            record(ssm_assoc_server)
            ssm = ssm_assoc_server.client()
            arn = ssm.create_association(
                Name="AWS-RunShellScript",
                Targets=[{{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}}],
                Parameters={{"commands": ["true"]}},
            )
            assert ssm_assoc_server.controls.calls[-1].response["AssociationDescription"]

        @pytest.mark.ssm_assoc_stub(colour="blue")
        def test_unknown_option(ssm_assoc_server):
            pass

        @pytest.mark.ssm_assoc_stub(progression="manual")
        def test_waiting_times_out(ssm_assoc_server):
            record(ssm_assoc_server)
            ssm = ssm_assoc_server.client()
            aid = ssm.create_association(
                Name="AWS-RunShellScript",
                Targets=[{{"Key": "tag:role", "Values": ["none"]}}],
                Parameters={{"commands": ["true"]}},
                ScheduleExpression="cron(0 3 ? * * *)",
                ApplyOnlyAtCronInterval=True,
            )["AssociationDescription"]["AssociationId"]
            message = "did not end within 600 s .simulated.; last seen: none yet"
            with pytest.raises(TimeoutError, match=message):
                ssm_assoc_server.wait_for_execution(aid, timeout=600, poll=60)
        """,
        real_endpoint_test=EXAMPLE.read_text(),
    )
    before = _server_threads()
    result = pytester.runpytest(*PLUGIN)
    result.assert_outcomes(passed=5, failed=1, errors=1)  # 2 of the 5 are the example's
    result.stdout.fnmatch_lines(["*AssertionError: the test's own failure*"])
    result.stdout.fnmatch_lines(["*ssm_assoc_server got unknown option(s) colour*"])
    recorded = urls.read_text().split()
    assert len(set(recorded)) == 4  # a fresh server for each test
    assert all(_refused(url) for url in recorded)  # nothing left listening
    assert _server_threads() == before  # nothing left running


@pytest.mark.parametrize("how", ["flag", "ini"])
def test_the_same_tests_run_against_another_endpoint_stub_only_ones_skipped(
    pytester: pytest.Pytester, how: str
) -> None:
    pytester.makepyfile(
        real_endpoint_test=EXAMPLE.read_text(),
        test_refused="""
        import pytest
        from ssm_assoc_stub import StubStateError

        def test_controls_are_refused(ssm_assoc_server):
            assert ssm_assoc_server.mode == "endpoint" and not ssm_assoc_server.emulated
            with pytest.raises(StubStateError, match="ssm_assoc_stub_only"):
                ssm_assoc_server.controls
        """,
    )
    # "Another endpoint": a server started outside the inner test session, as
    # `python -m ssm_assoc_stub serve` would be.
    with started_server({}) as (url, controls):
        if how == "flag":
            result = pytester.runpytest(*PLUGIN, "-rs", f"--ssm-assoc-endpoint={url}")
        else:
            pytester.makeini(f"[pytest]\nssm_assoc_endpoint = {url}\n")
            result = pytester.runpytest(*PLUGIN, "-rs")
        calls = [c.operation for c in controls.calls]
    result.assert_outcomes(passed=2, skipped=1)
    result.stdout.fnmatch_lines(
        [f"SKIPPED*ssm_assoc_stub_only: uses test-side controls; running against {url}"]
    )
    # The portable test really ran there: its calls reached the outer server.
    assert calls[0] == "CreateAssociation"
    assert "DescribeAssociationExecutions" in calls
    assert calls[-1] == "DeleteAssociation"


def test_a_non_loopback_endpoint_needs_the_real_aws_opt_in_D_SRV_7(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_x(ssm_assoc_server):
            pass
        """
    )
    result = pytester.runpytest(*PLUGIN, "--ssm-assoc-endpoint=https://ssm.eu-west-1.amazonaws.com")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        [
            "*only loopback endpoints are allowed; to run against AWS, say so with "
            "--ssm-assoc-against-real-aws*"
        ]  # fmt: skip
    )


def test_endpoint_clients_reach_the_server_even_while_an_in_process_stub_is_active(
    pytester: pytest.Pytester,
) -> None:
    # A client aimed at the server by SSMEndpoint.client() is never answered by an
    # in-process stub (an autouse fixture, say): the server's state and controls are
    # the ones the test reads.  A client of AWS's own endpoint is still the stub's.
    pytester.makepyfile(
        """
        def test_both(ssm_assoc_server, ssm_assoc_stub):
            ssm = ssm_assoc_server.client()
            ssm.create_association(Name="AWS-HelloWorld")
            assert [c.operation for c in ssm_assoc_server.controls.calls] == ["CreateAssociation"]
            assert ssm_assoc_stub.calls == ()
            in_process = ssm_assoc_server.client(endpoint_url=None)
            assert in_process.list_associations()["Associations"] == []
            assert [c.operation for c in ssm_assoc_stub.calls] == ["ListAssociations"]
        """
    )
    pytester.runpytest_inprocess(*PLUGIN).assert_outcomes(passed=1)
