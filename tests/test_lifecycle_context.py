"""The current stub follows contextvars; every kind of function can be decorated; results last.

Regression tests for two crashes of issue 8 are named ``test_issue8_...``.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, AssociationStubWarning, StubStateError, current_stub

REGION = "eu-west-1"


class ReachedSend(Exception):
    """A before-send handler saw the call: nothing answered it."""


def _probe() -> Any:
    """An SSM client with keys whose calls stop at before-send if no stub answers them."""
    client = boto3.client(
        "ssm", region_name=REGION, aws_access_key_id="k", aws_secret_access_key="s"
    )

    def reached(**kwargs: Any) -> None:
        raise ReachedSend

    client.meta.events.register("before-send", reached)
    return client


def create(client: Any) -> str:
    answer = client.create_association(Name="AWS-HelloWorld")
    return str(answer["AssociationDescription"]["AssociationId"])


# -- contextvars ---------------------------------------------------------------------
def test_issue8_two_decorated_async_tests_under_gather_do_not_cross_bind() -> None:
    """Issue 8: two decorated async tests interleaved with gather used to share one stub."""
    a_started, b_started = asyncio.Event(), asyncio.Event()
    seen: dict[str, tuple[AssociationStub, str]] = {}

    async def body(name: str, mine: asyncio.Event, other: asyncio.Event) -> None:
        mine.set()
        await other.wait()  # both stubs active now, started in this order: a, b
        stub = current_stub()
        seen[name] = (stub, create(boto3.client("ssm", region_name=REGION)))
        await asyncio.sleep(0)
        assert current_stub() is stub

    @AssociationStub()
    async def test_a() -> None:
        await body("a", a_started, b_started)

    @AssociationStub()
    async def test_b() -> None:
        await body("b", b_started, a_started)

    async def both() -> None:
        await asyncio.gather(test_a(), test_b())

    asyncio.run(both())
    (stub_a, id_a), (stub_b, id_b) = seen["a"], seen["b"]
    assert stub_a is not stub_b
    assert [c.response["AssociationDescription"]["AssociationId"] for c in stub_a.calls] == [id_a]
    assert [c.response["AssociationDescription"]["AssociationId"] for c in stub_b.calls] == [id_b]


def test_a_task_created_inside_a_block_sees_the_stub() -> None:
    async def inside() -> AssociationStub:
        return current_stub()

    async def main() -> None:
        with AssociationStub() as stub:
            assert await asyncio.create_task(inside()) is stub

    asyncio.run(main())


def test_a_thread_run_in_the_tests_context_sees_its_stub_among_several() -> None:
    barrier = threading.Barrier(2)
    found: list[bool] = []

    def other_test() -> None:
        with AssociationStub():
            barrier.wait()
            barrier.wait()

    worker = threading.Thread(target=other_test)
    worker.start()
    try:
        with AssociationStub() as stub:
            barrier.wait()  # two stubs, in two threads
            context = contextvars.copy_context()
            helper = threading.Thread(
                target=lambda: found.append(context.run(current_stub) is stub)
            )
            helper.start()
            helper.join()
            bare = threading.Thread(target=lambda: found.append(_refused(current_stub)))
            bare.start()
            bare.join()
            barrier.wait()
    finally:
        worker.join()
    assert found == [True, True]


def _refused(call: Any) -> bool:
    try:
        call()
    except StubStateError as error:
        return "contextvars.copy_context().run" in str(error)
    return False


# -- generators --------------------------------------------------------------------------
def test_issue8_a_decorated_generator_keeps_the_stub_active_while_it_runs() -> None:
    """Issue 8: the stub stopped before a generator's body ran; its calls went on."""
    seen: list[Any] = []

    @AssociationStub()
    def steps() -> Iterator[str]:
        stub = current_stub()
        seen.append(stub)
        first = yield create(boto3.client("ssm", region_name=REGION))  # answered
        assert first == "sent in"
        yield create(boto3.client("ssm", region_name=REGION))
        seen.append(len(stub.calls))
        return

    gen = steps()
    with pytest.raises(StubStateError):
        current_stub()  # nothing runs before the first step
    next(gen)
    assert current_stub() is seen[0]  # active between the steps
    gen.send("sent in")
    with pytest.raises(StopIteration):
        next(gen)
    assert seen[1] == 2
    with pytest.raises(StubStateError):
        current_stub()  # stopped with the generator


def test_a_generator_closed_early_or_failing_stops_its_stub() -> None:
    @AssociationStub()
    def endless() -> Iterator[int]:
        while True:
            yield len(current_stub().calls)

    gen = endless()
    assert next(gen) == 0
    gen.close()
    with pytest.raises(StubStateError):
        current_stub()

    @AssociationStub()
    def failing() -> Iterator[int]:
        yield 1
        raise KeyError("inside")

    gen = failing()
    next(gen)
    with pytest.raises(KeyError, match="inside"):
        next(gen)
    with pytest.raises(StubStateError):
        current_stub()


def test_a_decorated_async_generator_keeps_the_stub_active_and_forwards_sends() -> None:
    log: list[Any] = []

    @AssociationStub()
    async def steps() -> AsyncIterator[str]:
        stub = current_stub()
        received = yield create(boto3.client("ssm", region_name=REGION))
        log.append(received)
        try:
            yield "second"
        except ValueError as thrown:
            log.append(str(thrown))
            yield "recovered"
        log.append(len(stub.calls))

    async def main() -> None:
        gen = steps()
        await gen.__anext__()
        assert await gen.asend("hello") == "second"
        assert await gen.athrow(ValueError("thrown in")) == "recovered"
        with pytest.raises(StopAsyncIteration):
            await gen.__anext__()
        with pytest.raises(StubStateError):
            current_stub()
        closed = steps()
        await closed.__anext__()
        await closed.aclose()
        with pytest.raises(StubStateError):
            current_stub()

    asyncio.run(main())
    assert log == ["hello", "thrown in", 1]


def test_a_decorated_yield_fixture_gives_the_test_an_active_stub(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
import boto3, pytest
from ssm_assoc_stub import AssociationStub, current_stub

@pytest.fixture
@AssociationStub
def ssm():
    yield boto3.client("ssm", region_name="eu-west-1")
    assert len(current_stub().calls) == 1  # the test's call, seen at teardown

def test_uses_it(ssm):
    ssm.create_association(Name="AWS-HelloWorld")
"""
    )
    pytester.runpytest("-p", "no:ssm_assoc_stub").assert_outcomes(passed=1)


# -- the bare decorator -------------------------------------------------------------------
@AssociationStub
def test_the_bare_decorator_works_like_the_called_one() -> None:
    stub = current_stub()
    create(boto3.client("ssm", region_name=REGION))
    assert len(stub.calls) == 1


@AssociationStub
async def _bare_async() -> int:
    create(boto3.client("ssm", region_name=REGION))
    return len(current_stub().calls)


def test_the_bare_decorator_on_a_coroutine_function_and_a_bad_target() -> None:
    assert asyncio.run(_bare_async()) == 1
    assert asyncio.run(_bare_async()) == 1  # a fresh run per call
    with pytest.raises(TypeError, match="can decorate a function"):
        AssociationStub(42)  # type: ignore[type-var]


# -- two stubs on one test ---------------------------------------------------------------
def test_a_decorator_on_a_test_using_the_fixture_warns(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
from ssm_assoc_stub import AssociationStub, AssociationStubWarning

@AssociationStub
def test_both(ssm_assoc_stub):
    pass

@AssociationStub()
@AssociationStub()
def test_stacked():
    pass

def test_nested_blocks_are_intentional(ssm_assoc_stub):
    with AssociationStub():
        pass
"""
    )
    result = pytester.runpytest(
        "-p", "no:ssm_assoc_stub", "-p", "ssm_assoc_stub.plugin", "-W", "error"
    )
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(
        [
            "*AssociationStubWarning: Two ssm_assoc_stub.AssociationStub instances are active "
            "on one test: the "
            "ssm_assoc_stub fixture's and the @AssociationStub decorator's.*",
            "*AssociationStubWarning: Two ssm_assoc_stub.AssociationStub instances are active "
            "on one test: the "
            "@AssociationStub decorator's and the @AssociationStub decorator's.*",
        ]
    )


def test_the_warning_is_the_stubs_own_category() -> None:
    outer, inner = AssociationStub(), AssociationStub()
    with pytest.warns(AssociationStubWarning, match="Use one of them"):
        outer(inner(lambda: None))()


# -- results after the stub stopped -----------------------------------------------------------
def test_results_stay_readable_after_the_stub_stops() -> None:
    stub = AssociationStub(progression="manual")
    with pytest.raises(StubStateError, match="needs a stub that has started"):
        stub.executions("x")
    with stub:
        stub.set_outcome("*", "Success", duration=5)
        ssm = boto3.client("ssm", region_name=REGION)
        aid = ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": ["i-1"]}]
        )["AssociationDescription"]["AssociationId"]
        stub.advance(10)
        ended = stub.now
    assert stub.now == ended
    assert [e.status for e in stub.executions(aid)] == ["Success"]
    assert [c.operation for c in stub.calls] == ["CreateAssociation"]
    assert stub.backend.documents.get("AWS-HelloWorld").name == "AWS-HelloWorld"
    with pytest.raises(StubStateError, match="needs an active stub"):
        stub.advance(1)
