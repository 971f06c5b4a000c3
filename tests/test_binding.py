"""Which clients a stub answers: one rule, whatever the order, the thread or a failure.

The rule is in ``ssm_assoc_stub._binding.hooks``' docstring and docs/usage.md: while
a stub is active every SSM client is answered, by the stub it is bound to (made in
its block, or passed in its ``clients=``), else by the current stub where the call is
made; a client made in a stub's block that has stopped is refused while another stub
is active; with no stub active, every client behaves as without ssm_assoc_stub.

To show that a call is *not* answered by any stub, a client gets fake keys and
a ``before-send`` handler raising ``ReachedSend``: the call got past every stub
hook to where botocore would use the network.
"""

from __future__ import annotations

import os
import random
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.exceptions import NoCredentialsError

from ssm_assoc_stub import AssociationStub, StubStateError, current_stub
from ssm_assoc_stub._binding import credentials

REGION = "eu-west-1"
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
PREFIX = "ssm_assoc_stub"
ORIGINAL_CREATE_CLIENT = botocore.session.Session.create_client


class ReachedSend(Exception):
    """Raised by a before-send handler: no stub answered the call."""


def _raise_reached_send(**kwargs: Any) -> None:
    raise ReachedSend


def new_ssm(*, probe: bool = False, **kwargs: Any) -> Any:
    """A new SSM client; with ``probe``, one that can sign and stops at before-send."""
    if probe:
        kwargs.update(aws_access_key_id="testing", aws_secret_access_key="testing")
    client = boto3.client("ssm", region_name=REGION, **kwargs)
    if probe:
        client.meta.events.register("before-send", _raise_reached_send)
    return client


def create(client: Any) -> str:
    answer = client.create_association(Name="AWS-HelloWorld")
    return str(answer["AssociationDescription"]["AssociationId"])


def assert_unknown(client: Any, association_id: str = UNKNOWN_ID) -> None:
    with pytest.raises(client.exceptions.AssociationDoesNotExist):
        client.describe_association(AssociationId=association_id)


def assert_reaches_send(client: Any) -> None:
    with pytest.raises(ReachedSend):
        client.describe_association(AssociationId=UNKNOWN_ID)


# -- nothing left active (private access, tests only) ---------------------------------
def stub_handler_ids(events: Any) -> list[str]:
    """The unique ids of ssm_assoc_stub's handlers on an emitter (or a client's aliaser)."""
    emitter = getattr(events, "_emitter", events)  # client.meta.events wraps the emitter
    return sorted(uid for uid in emitter._unique_id_handlers if str(uid).startswith(PREFIX))


def assert_no_hooks(*clients: Any) -> None:
    """No stub active, nothing patched, no fake credentials left; clients' calls go on."""
    assert botocore.session.Session.create_client is ORIGINAL_CREATE_CLIENT
    aio = sys.modules.get("aiobotocore.client")
    if aio is not None:
        assert not hasattr(aio.AioClientCreator.create_client, "__wrapped__")
    with pytest.raises(StubStateError, match="no ssm_assoc_stub.AssociationStub is active"):
        current_stub()
    assert not any(os.environ.get(name) == value for name, value in credentials.FAKE.items())
    for client in clients:  # dormant: the call goes on, to the network or a missing key
        if hasattr(client, "__aenter__"):
            continue  # an aiobotocore client: its own tests await such a probe
        probe_id = "test.reached-send"
        client.meta.events.register("before-send", _raise_reached_send, unique_id=probe_id)
        try:
            with pytest.raises((ReachedSend, NoCredentialsError)):
                client.describe_association(AssociationId=UNKNOWN_ID)
        finally:
            client.meta.events.unregister("before-send", unique_id=probe_id)


def test_every_ssm_client_carries_the_two_dormant_handlers() -> None:
    with AssociationStub():
        ssm = new_ssm()
        assert stub_handler_ids(ssm.meta.events) == [f"{PREFIX}.answer", f"{PREFIX}.capture"]
    outside = new_ssm()  # made with no stub active: hooked all the same, and dormant
    assert stub_handler_ids(outside.meta.events) == [f"{PREFIX}.answer", f"{PREFIX}.capture"]
    assert stub_handler_ids(boto3.client("sts", region_name=REGION).meta.events) == []
    assert_no_hooks(ssm, outside)


# -- one rule, several orders -----------------------------------------------------------
# Each scenario gets the association ids made by the scenarios before it, and
# shows that its own stubs start empty (none of those ids exists in them).
Scenario = Callable[[list[str]], None]


def created_inside_the_block(earlier: list[str]) -> None:
    with AssociationStub() as stub:
        ssm = new_ssm()
        for association_id in earlier:
            assert_unknown(ssm, association_id)
        earlier.append(create(ssm))
        ssm.describe_association(AssociationId=earlier[-1])
    assert [c.operation for c in stub.calls][-2:] == ["CreateAssociation", "DescribeAssociation"]
    assert_no_hooks(ssm)


def passed_in_clients(earlier: list[str]) -> None:
    ssm = new_ssm(probe=True)
    with AssociationStub(clients=[ssm]) as stub:
        for association_id in earlier:
            assert_unknown(ssm, association_id)
        earlier.append(create(ssm))
    assert len(stub.calls) == len(earlier)
    assert_reaches_send(ssm)
    assert_no_hooks(ssm)


def made_earlier_by_the_default_session(earlier: list[str]) -> None:
    ssm = boto3.client(
        "ssm", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    ssm.meta.events.register("before-send", _raise_reached_send)
    with AssociationStub() as stub:
        for association_id in earlier:
            assert_unknown(ssm, association_id)  # answered by the current stub, fresh
        earlier.append(create(ssm))
        new_ssm().describe_association(AssociationId=earlier[-1])  # one state for both
    assert len(stub.calls) == len(earlier) + 1
    assert_reaches_send(ssm)  # and dormant again
    assert_no_hooks(ssm)


def made_inside_an_earlier_stubs_block(earlier: list[str]) -> None:
    with AssociationStub() as first:
        ssm = new_ssm(probe=True)
        earlier.append(create(ssm))
    refused = pytest.raises(
        StubStateError, match="created inside an ssm_assoc_stub.AssociationStub's block"
    )
    with AssociationStub() as second, refused:
        ssm.describe_association(AssociationId=earlier[-1])  # neither state: refused
    with AssociationStub(clients=[ssm]) as third:
        assert_unknown(ssm, earlier[-1])  # the third stub's own, empty, state
    assert (len(first.calls), len(second.calls), len(third.calls)) == (1, 0, 1)
    assert_reaches_send(ssm)
    assert_no_hooks(ssm)


def nested_and_lent(earlier: list[str]) -> None:
    with AssociationStub() as outer:
        outer_client = new_ssm()
        with AssociationStub() as inner:
            inner_client = new_ssm()
            assert_unknown(outer_client)
            earlier.append(create(inner_client))
            with AssociationStub(clients=[outer_client]) as lender:
                assert_unknown(outer_client, earlier[-1])
            assert_unknown(outer_client, earlier[-1])  # back to the outer stub
            inner_client.describe_association(AssociationId=earlier[-1])
    assert (len(outer.calls), len(inner.calls), len(lender.calls)) == (2, 2, 1)
    assert_no_hooks(outer_client, inner_client)


SCENARIOS: list[Scenario] = [
    created_inside_the_block,
    passed_in_clients,
    made_earlier_by_the_default_session,
    made_inside_an_earlier_stubs_block,
    nested_and_lent,
]


def _shuffled(seed: int) -> list[Scenario]:
    order = list(SCENARIOS)
    random.Random(seed).shuffle(order)
    return order


ORDERS = {
    "forwards": list(SCENARIOS),
    "backwards": SCENARIOS[::-1],
    "shuffled-1": _shuffled(1),
    "shuffled-2": _shuffled(2),
}


@pytest.mark.parametrize("order", ORDERS.values(), ids=ORDERS.keys())
def test_the_binding_rule_holds_in_any_order(order: list[Scenario]) -> None:
    # D-BND-1
    earlier: list[str] = []
    for scenario in order + order:  # and again, after every other one
        scenario(earlier)
    assert len(set(earlier)) == len(earlier) == 2 * 5  # each scenario creates one


# -- nothing is left behind when a test fails ------------------------------------------
class BodyFailed(Exception):
    pass


def _fail_inside(made: list[Any], lent: Any) -> None:
    made.append(new_ssm())
    assert_unknown(made[-1])
    assert_unknown(lent)
    raise BodyFailed


def test_nothing_is_left_after_a_failure_in_the_context_manager() -> None:
    lent, made = new_ssm(), []
    with pytest.raises(BodyFailed), AssociationStub(clients=[lent]) as stub:
        _fail_inside(made, lent)
    assert len(stub.calls) == 2
    assert_no_hooks(lent, *made)
    with AssociationStub(clients=[lent]) as after:
        assert after.calls == ()
        assert_unknown(lent)


def test_nothing_is_left_after_a_failure_in_a_decorated_function() -> None:
    lent, made = new_ssm(), []

    @AssociationStub(clients=[lent])
    def failing_test() -> None:
        _fail_inside(made, lent)

    with pytest.raises(BodyFailed):
        failing_test()
    assert_no_hooks(lent, *made)


def test_nothing_is_left_after_a_failure_in_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
import pytest
from tests.test_binding import assert_no_hooks, assert_unknown, create, new_ssm

LENT = new_ssm()
kept = {}

@pytest.mark.ssm_assoc_stub(clients=[LENT])
def test_fails(ssm_assoc_stub):
    kept["made"] = new_ssm()
    kept["id"] = create(kept["made"])
    assert_unknown(LENT)
    assert False, "the test's own failure"

def test_nothing_left():
    assert_no_hooks(LENT, kept["made"])

def test_the_next_one_starts_empty(ssm_assoc_stub):
    assert ssm_assoc_stub.calls == ()
    assert_unknown(new_ssm(), kept["id"])
"""
    )
    result = pytester.runpytest("-p", "no:ssm_assoc_stub", "-p", "ssm_assoc_stub.plugin")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: the test's own failure*"])


# -- threads ----------------------------------------------------------------------------
def run_in_threads(*work: Callable[[], Any]) -> list[Any]:
    """Run each callable in its own thread; re-raise the first failure."""
    results: list[Any] = [None] * len(work)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = work[index]()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=target, args=(i,)) for i in range(len(work))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return results


def test_two_stubs_in_two_threads_do_not_see_each_others_associations() -> None:
    barrier = threading.Barrier(2)
    ids: dict[str, str] = {}

    def test_in_a_thread(name: str) -> tuple[int, str]:
        try:
            barrier.wait()
            with AssociationStub() as stub:
                barrier.wait()  # both stubs active: each thread's is innermost for it
                ssm = new_ssm()
                assert current_stub() is stub
                ids[name] = create(ssm)
                barrier.wait()  # both associations exist
                other = ids["b" if name == "a" else "a"]
                assert_unknown(ssm, other)
                ssm.describe_association(AssociationId=ids[name])
                barrier.wait()
            return len(stub.calls), stub.calls[0].response["AssociationDescription"]["Name"]
        except BaseException:
            barrier.abort()  # let the other thread fail fast instead of waiting
            raise

    results = run_in_threads(lambda: test_in_a_thread("a"), lambda: test_in_a_thread("b"))
    assert results == [(3, "AWS-HelloWorld")] * 2
    assert ids["a"] != ids["b"]
    assert_no_hooks()


def test_a_worker_thread_started_inside_the_block_binds_to_the_stub() -> None:
    with AssociationStub() as stub:
        made = run_in_threads(lambda: (current_stub(), create(new_ssm())))
        with ThreadPoolExecutor(max_workers=2) as pool:
            pooled = list(pool.map(lambda _: create(new_ssm()), range(2)))
        assert made[0][0] is stub
        ssm = new_ssm()
        for association_id in [made[0][1], *pooled]:
            ssm.describe_association(AssociationId=association_id)
    assert [c.operation for c in stub.calls].count("CreateAssociation") == 3
    assert_no_hooks(ssm)


def test_a_thread_without_a_stub_follows_the_one_thread_that_has_stubs() -> None:
    with AssociationStub(), AssociationStub() as inner:
        assert run_in_threads(current_stub) == [inner]


def test_a_thread_without_a_stub_refuses_to_guess_between_two_threads_stubs() -> None:
    barrier = threading.Barrier(3)
    seen: list[str] = []

    def owner() -> None:
        with AssociationStub():
            barrier.wait()  # both owners active
            barrier.wait()  # the bystander has looked

    def bystander() -> None:
        barrier.wait()
        for attempt in (current_stub, new_ssm):
            with pytest.raises(StubStateError) as info:
                attempt()
            seen.append(str(info.value))
        barrier.wait()

    run_in_threads(owner, owner, bystander)
    assert (
        seen
        == [
            "No ssm_assoc_stub.AssociationStub is current here, and 2 are active elsewhere "
            "(in other threads or asyncio tasks): there is no telling which one this code "
            "works for. Create the SSM client where the stub started and hand it over; pass "
            "it in `with AssociationStub(clients=[...]):`, or with the fixture "
            "@pytest.mark.ssm_assoc_stub(clients=[...]); or run this thread's work in the "
            "test's context (contextvars.copy_context().run)."
        ]
        * 2
    )
    assert_no_hooks()


def test_a_stub_started_in_one_thread_can_be_stopped_in_another() -> None:
    stub = AssociationStub()
    (ssm,) = run_in_threads(lambda: (stub.start(), new_ssm())[1])
    assert current_stub() is stub  # this thread has none: it follows the worker's
    assert_unknown(ssm)
    stub.stop()
    assert_no_hooks(ssm)


@pytest.fixture(autouse=True)
def _no_stub_left() -> Iterator[None]:
    yield
    assert_no_hooks()


def test_a_shared_client_is_answered_by_each_threads_stub_and_refused_between_them() -> None:
    # D-BND-1
    shared = new_ssm(probe=True)  # a session fixture's client, say
    barrier = threading.Barrier(3)
    answered: list[int] = []
    refused: list[str] = []

    def a_test() -> None:
        with AssociationStub() as stub:
            create(shared)  # answered by this thread's stub
            barrier.wait()  # both stubs active
            barrier.wait()  # the bystander has tried
        answered.append(len(stub.calls))

    def bystander() -> None:
        barrier.wait()
        try:
            shared.list_associations()
        except StubStateError as error:
            refused.append(str(error))
        barrier.wait()

    run_in_threads(a_test, a_test, bystander)
    assert answered == [1, 1]
    assert len(refused) == 1 and "@pytest.mark.ssm_assoc_stub(clients=[...])" in refused[0]
    assert_reaches_send(shared)
