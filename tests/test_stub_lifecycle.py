"""AssociationStub's lifecycle: context manager, decorator, stack, options, controls."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
import sys
import unittest
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import botocore.session
import pytest

import ssm_assoc_stub
from ssm_assoc_stub import AssociationStub, StubStateError, current_stub
from ssm_assoc_stub._binding import glue as glue
from ssm_assoc_stub._binding import hooks
from ssm_assoc_stub._service.service import Backend

REGION = "eu-west-1"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"


def call_unknown(client: Any) -> None:
    with pytest.raises(client.exceptions.AssociationDoesNotExist):
        client.describe_association(AssociationId=UNKNOWN_ID)


# -- package surface ---------------------------------------------------------------
def test_the_public_names() -> None:
    assert sorted(ssm_assoc_stub.__all__) == [
        "AssociationStub",
        "AssociationStubWarning",
        "Call",
        "CallError",
        "Document",
        "Execution",
        "NoTargetsWarning",
        "OutcomeResult",
        "SSMEndpoint",
        "ServerControls",
        "StubInternalError",
        "StubStateError",
        "TargetResult",
        "UnsupportedOperationError",
        "__version__",
        "current_stub",
    ]
    namespace: dict[str, Any] = {}
    exec("from ssm_assoc_stub import *", namespace)
    assert namespace["Call"] is ssm_assoc_stub.Call
    assert namespace["CallError"] is ssm_assoc_stub.CallError
    assert namespace["ServerControls"] is ssm_assoc_stub.ServerControls
    assert namespace["SSMEndpoint"] is ssm_assoc_stub.SSMEndpoint
    assert ssm_assoc_stub.CallError("Code", "text").code == "Code"
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        ssm_assoc_stub.Nope  # noqa: B018
    assert issubclass(StubStateError, AssertionError)
    assert issubclass(ssm_assoc_stub.AssociationStubWarning, UserWarning)
    names = ("StubStateError", "UnsupportedOperationError", "AssociationStubWarning")
    for name in (*names, "NoTargetsWarning"):
        public = getattr(ssm_assoc_stub, name)  # tracebacks name the class as users import it
        assert f"{public.__module__}.{public.__qualname__}" == f"ssm_assoc_stub.{name}"


def test_importing_the_package_and_plugin_loads_no_heavy_module() -> None:
    probe = (
        "import sys, ssm_assoc_stub, ssm_assoc_stub.plugin\n"
        "heavy = {'boto3', 'botocore', 'aiobotocore', 'aiohttp', 'attr', 'attrs', 'croniter',"
        " 'inspect', 'unittest'}\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    # pytest itself pulls in inspect; the package must add none of the others
    assert out.strip() in ("[]", "['inspect']")


# -- context manager and stack ---------------------------------------------------------
def test_current_stub_is_the_innermost_and_misuse_is_clear() -> None:
    with pytest.raises(StubStateError) as info:
        current_stub()
    assert str(info.value) == (  # issue 9 item 7: the class path, and the fixture's form
        "current_stub(): no ssm_assoc_stub.AssociationStub is active. Call it inside "
        "`with AssociationStub():`, a function decorated with @AssociationStub, or a test "
        "that takes the ssm_assoc_stub fixture (options in @pytest.mark.ssm_assoc_stub(...))."
    )
    with AssociationStub() as outer:
        assert current_stub() is outer
        with AssociationStub() as inner:
            assert current_stub() is inner
        assert current_stub() is outer
    with pytest.raises(StubStateError):
        current_stub()


def test_reentering_an_active_stub_is_an_error_and_leaves_it_working() -> None:
    stub = AssociationStub()
    with stub:
        ssm = boto3.client("ssm", region_name=REGION)
        with pytest.raises(StubStateError) as info, stub:
            pass
        assert str(info.value) == (  # issue 9 item 7
            "This ssm_assoc_stub.AssociationStub is already active. Nested blocks need their "
            "own instance: `with AssociationStub() as inner:`; in a test that takes the "
            "ssm_assoc_stub fixture, whose stub is active already, the same "
            "`with AssociationStub() as inner:` inside the test."
        )
        assert current_stub() is stub
        call_unknown(ssm)
    assert len(stub.calls) == 1


def test_stopping_an_inactive_stub_is_an_error() -> None:
    with pytest.raises(StubStateError) as info:
        AssociationStub().stop()
    assert str(info.value) == (  # issue 9 item 7
        "This ssm_assoc_stub.AssociationStub is not active: nothing to stop. "
        "`with AssociationStub():`, @AssociationStub and the ssm_assoc_stub fixture stop "
        "their stub themselves; call stop() only after start()."
    )


def test_create_client_is_never_patched() -> None:
    original = botocore.session.Session.create_client
    with AssociationStub(), AssociationStub():
        assert botocore.session.Session.create_client is original
    assert botocore.session.Session.create_client is original


def test_each_start_builds_fresh_state_and_calls_outlive_the_block() -> None:
    stub = AssociationStub()
    with stub:
        first_backend = stub.backend
        call_unknown(boto3.client("ssm", region_name=REGION))
    assert len(stub.calls) == 1  # readable after stop
    with stub:
        assert stub.backend is not first_backend
        assert len(stub.calls) == 0
    assert "inactive, 0 call(s)" in repr(stub)


def test_start_and_stop_can_be_called_directly() -> None:
    stub = AssociationStub().start()
    try:
        assert current_stub() is stub
    finally:
        stub.stop()
    with pytest.raises(StubStateError):
        current_stub()


# -- teardown never hides the body's exception ------------------------------------------
@pytest.fixture
def failing_unbind(monkeypatch: pytest.MonkeyPatch) -> None:
    real = hooks.unbind

    def unbind(client: Any, state: glue.StubState) -> None:
        real(client, state)
        raise RuntimeError("teardown boom")

    monkeypatch.setattr(hooks, "unbind", unbind)


@pytest.mark.usefixtures("failing_unbind")
def test_a_teardown_error_does_not_hide_the_bodys_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    original = botocore.session.Session.create_client
    with pytest.raises(ValueError, match="the body's own") as info, AssociationStub():
        boto3.client("ssm", region_name=REGION)
        raise ValueError("the body's own error")
    note = "ssm_assoc_stub: stopping the stub also failed: RuntimeError('teardown boom')"
    assert info.value.__notes__ == [note]  # PEP 678; set by hand on Python 3.10
    if sys.version_info < (3, 11):  # where tracebacks do not show notes, the log does
        assert [r.getMessage() for r in caplog.records if r.name == "ssm_assoc_stub"] == [note]
    assert botocore.session.Session.create_client is original
    assert "AWS_ACCESS_KEY_ID" not in os.environ  # cleanup still ran
    with pytest.raises(StubStateError):
        current_stub()


@pytest.mark.usefixtures("failing_unbind")
def test_a_teardown_error_is_raised_when_the_body_succeeded() -> None:
    original = botocore.session.Session.create_client
    with pytest.raises(RuntimeError, match="teardown boom"), AssociationStub():
        boto3.client("ssm", region_name=REGION)
    assert botocore.session.Session.create_client is original


# -- decorator ---------------------------------------------------------------------------
def test_the_decorator_keeps_the_signature_and_gives_fresh_state_per_call() -> None:
    backends: list[Backend] = []

    def original(first: int, /, second: str = "x", *, third: bool = False) -> str:
        """Docstring kept."""
        stub = current_stub()
        assert stub.calls == ()
        backends.append(stub.backend)
        call_unknown(boto3.client("ssm", region_name=REGION))
        return f"{first}{second}{third}"

    decorated = AssociationStub()(original)
    assert inspect.signature(decorated) == inspect.signature(original)
    assert (decorated.__name__, decorated.__doc__) == ("original", "Docstring kept.")
    assert decorated(1, "y", third=True) == "1yTrue"
    assert decorated(2) == "2xFalse"
    assert len(backends) == 2 and backends[0] is not backends[1]
    with pytest.raises(StubStateError):
        current_stub()


def test_the_decorator_supports_coroutine_functions() -> None:
    @AssociationStub(account_id="111122223333")
    async def job(value: int) -> str:
        await asyncio.sleep(0)
        return current_stub().backend.options.account_id + str(value)

    assert inspect.iscoroutinefunction(job)
    assert list(inspect.signature(job).parameters) == ["value"]
    assert asyncio.run(job(7)) == "1111222233337"
    with pytest.raises(StubStateError):
        current_stub()


def test_a_decorated_testcase_has_a_fresh_stub_from_setup_to_cleanups() -> None:
    seen: list[object] = []
    stubs: list[AssociationStub] = []

    @AssociationStub()
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            stubs.append(current_stub())
            self.ssm = boto3.client("ssm", region_name=REGION)  # made in setUp: bound
            self.addCleanup(lambda: seen.append(("cleanup", len(current_stub().calls))))

        def tearDown(self) -> None:
            seen.append(("tearDown", len(current_stub().calls)))

        def test_one(self) -> None:
            call_unknown(self.ssm)
            seen.append(("test_one", len(current_stub().calls)))

        def test_two(self) -> None:
            call_unknown(self.ssm)
            call_unknown(self.ssm)
            seen.append(("test_two", len(current_stub().calls)))

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
    assert result.wasSuccessful(), result.errors + result.failures
    assert seen == [
        ("test_one", 1),
        ("tearDown", 1),
        ("cleanup", 1),
        ("test_two", 2),  # fresh state: test_one's call is not counted
        ("tearDown", 2),
        ("cleanup", 2),
    ]
    assert stubs[0] is stubs[1] and len(stubs[0].calls) == 2
    assert not _active()  # stopped after the last test's cleanups
    assert Case.setUp.__wrapped__ is not None  # type: ignore[attr-defined]


def test_a_decorated_testcase_whose_setup_fails_still_stops_the_stub() -> None:
    original = botocore.session.Session.create_client

    @AssociationStub()
    class Case(unittest.TestCase):
        def setUp(self) -> None:
            boto3.client("ssm", region_name=REGION)
            raise RuntimeError("setUp failed")

        def test_never_runs(self) -> None:
            raise AssertionError("unreachable")

    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(Case).run(result)
    assert [str(error[1]).splitlines()[-1] for error in result.errors] == [
        "RuntimeError: setUp failed"
    ]
    assert not _active()
    assert botocore.session.Session.create_client is original


def _active() -> bool:
    try:
        current_stub()
    except StubStateError:
        return False
    return True


@pytest.mark.parametrize(
    "target", [42, "name", dict, type("Plain", (), {})], ids=["int", "str", "dict", "class"]
)
def test_decorating_anything_else_is_a_type_error(target: Any) -> None:
    with pytest.raises(TypeError, match="can decorate a function or a unittest.TestCase class"):
        AssociationStub()(target)


# -- options -----------------------------------------------------------------------------
def test_options_are_keyword_only_and_checked_at_construction() -> None:
    with pytest.raises(TypeError):
        AssociationStub([])  # type: ignore[type-var]
    with pytest.raises(ValueError, match="history_limit must be at least 1"):
        AssociationStub(history_limit=0)
    with pytest.raises(TypeError) as info:
        AssociationStub(acount_id="123456789012")
    assert str(info.value).startswith(
        "ssm_assoc_stub.AssociationStub() got unknown option(s) acount_id; the options are "
        "clients, passthrough, account_id, "
    )
    assert str(info.value).endswith(
        ", clock (the same keywords in @pytest.mark.ssm_assoc_stub(...) for the fixture)"
    )
    with pytest.raises(TypeError) as info:
        AssociationStub(len, history_limit=3)  # type: ignore[call-overload]
    assert str(info.value) == (  # issue 9 item 7
        "ssm_assoc_stub.AssociationStub takes keyword options only: @AssociationStub, "
        "@AssociationStub(option=value, ...) or `with AssociationStub(option=value, ...):`; "
        "with the fixture, @pytest.mark.ssm_assoc_stub(option=value, ...)"
    )
    with pytest.raises(TypeError, match="passthrough= takes True or False"):
        AssociationStub(passthrough="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="clients= takes a list of SSM clients"):
        AssociationStub(clients=boto3.client("ssm", region_name=REGION))


def test_options_reach_the_backend() -> None:
    start = datetime(2024, 3, 1, 12, 0, tzinfo=timezone.utc)
    with AssociationStub(account_id="111122223333", start_time=start) as stub:
        assert stub.backend.options.account_id == "111122223333"
        assert stub.now == start
        assert stub.advance(timedelta(minutes=5)) == start + timedelta(minutes=5)
        assert stub.advance(60) == stub.now == start + timedelta(minutes=6)


# -- test-side controls -------------------------------------------------------------------
CONTROLS: list[tuple[str, tuple[Any, ...], dict[str, Any], tuple[Any, ...], dict[str, Any]]] = [
    # (stub method, args, kwargs, expected backend args, expected backend kwargs)
    ("advance", (30,), {}, (30,), {}),
    ("settle", (), {}, (), {}),
    ("run", ("aid",), {}, ("aid",), {}),
    ("executions", ("aid",), {}, ("aid",), {}),
    (
        "add_instance",
        ("i-1",),
        {"tags": {"a": "b"}, "ping_status": "ConnectionLost"},
        ("i-1",),
        {
            "tags": {"a": "b"},
            "platform": "Linux",
            "ping_status": "ConnectionLost",
            "platform_name": None,
            "platform_version": None,
            "agent_version": None,
            "ip_address": None,
            "computer_name": None,
        },
    ),
    ("remove_instance", ("i-1",), {}, ("i-1",), {}),
    (
        "set_outcome",
        ("i-1", "Failed"),
        {"duration": 5.0, "error": "boom", "exit_code": 3},
        ("i-1", "Failed", 5.0),
        {"output": None, "error": "boom", "exit_code": 3},
    ),
    (
        "set_outcome",
        (),
        {},
        ("*", "Success", None),
        {"output": None, "error": None, "exit_code": None},
    ),
    (
        "add_document",
        ("Doc",),
        {"document_type": "Command"},
        ("Doc",),
        {
            "parameters": None,
            "versions": None,
            "document_type": "Command",
            "schema_version": "2.2",
            "platforms": ("Linux", "Windows", "MacOS"),
            "default_version": None,
            "description": "",
        },
    ),
]


@pytest.mark.parametrize(("name", "args", "kwargs", "want_args", "want_kwargs"), CONTROLS)
def test_controls_delegate_to_the_backend(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    want_args: tuple[Any, ...],
    want_kwargs: dict[str, Any],
) -> None:
    seen: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def record(self: Backend, *a: Any, **k: Any) -> str:
        seen.append((a, k))
        return "answer"

    monkeypatch.setattr(Backend, name, record)
    with AssociationStub() as stub:
        assert getattr(stub, name)(*args, **kwargs) in ("answer", None)
    assert seen == [(want_args, want_kwargs)]


@pytest.mark.parametrize(
    ("name", "use"),
    [
        ("advance", lambda s: s.advance(1)),
        ("settle", lambda s: s.settle()),
        ("run", lambda s: s.run("a")),
        ("add_instance", lambda s: s.add_instance("i-1")),
        ("remove_instance", lambda s: s.remove_instance("i-1")),
        ("set_outcome", lambda s: s.set_outcome()),
        ("add_document", lambda s: s.add_document("Doc")),
        ("inject_error", lambda s: s.inject_error("CreateAssociation", "X")),
    ],
)
def test_controls_need_an_active_stub(name: str, use: Any) -> None:
    stub = AssociationStub()
    with pytest.raises(StubStateError) as info:
        use(stub)
    assert str(info.value) == (  # issue 9 item 7
        f"ssm_assoc_stub.AssociationStub.{name} needs an active stub: use it inside "
        "`with stub:`, a function decorated with @AssociationStub, or a test that takes the "
        "ssm_assoc_stub fixture (options in @pytest.mark.ssm_assoc_stub(...))."
    )
    with stub:
        pass
    with pytest.raises(StubStateError):
        use(stub)  # and not after it stopped either


def test_calls_to_rejects_an_unknown_operation() -> None:
    with pytest.raises(ValueError, match="calls_to\\(\\): unknown operation 'DescribeThing'"):
        AssociationStub().calls_to("DescribeThing")


def test_bad_default_max_concurrency_fails_at_construction() -> None:
    with pytest.raises(ValueError, match="default_max_concurrency"):
        AssociationStub(default_max_concurrency="0")


def test_documents_added_belong_to_the_stub_account() -> None:
    with AssociationStub(account_id="111122223333") as stub:
        stub.add_document("Team-Doc", parameters={"x": {"type": "String", "default": "1"}})
        assert stub.backend.documents.get("Team-Doc").owner == "111122223333"


def test_execution_records_are_public() -> None:
    import ssm_assoc_stub
    from ssm_assoc_stub._service.engine import Execution, TargetResult

    assert ssm_assoc_stub.Execution is Execution
    assert ssm_assoc_stub.TargetResult is TargetResult
