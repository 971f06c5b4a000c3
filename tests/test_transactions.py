"""Every call is all-or-nothing, by construction (``_service.journal``).

The strongest check: make an operation crash right after its first change, then
after its second, ... until it runs through; each time the state must be exactly
as before the call, the error must say it is a bug in ssm_assoc_stub (naming the
operation, the original exception chained), and the call must be recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub, StubInternalError
from ssm_assoc_stub._service import journal as journal_module
from ssm_assoc_stub._service.journal import Journal, TxDeque, TxDict, TxList, transaction

REGION = "eu-west-1"
NODES = ("i-0123456789abcdef0", "i-0fedcba987654321f")
START = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
SHELL = {"commands": ["echo hi"]}
TARGETS = [{"Key": "InstanceIds", "Values": list(NODES)}]


class Injected(RuntimeError):
    """The crash the tests inject."""


def picture(stub: AssociationStub) -> Any:
    """Everything a call can change, in comparable form."""
    backend = stub.backend
    associations = {
        aid: (
            state.region,
            tuple(state.versions),
            state.legacy_status,
            state.tags,
            state.last_update,
            state.last_execution_date,
            state.last_successful_execution_date,
            state.overview_execution,
            tuple(state.executions),
            dict(state.node_results),
            state.rerun_after_stop,
            state.deleted,
        )
        for aid, state in backend.by_id.items()
    }
    return (
        associations,
        {region: list(states) for region, states in backend.regions.items()},
        {
            region: (ordered.end, [(p, state.association_id) for p, state in ordered.scan(0)])
            for region, ordered in backend._ordered.items()
        },
        dict(backend.legacy_index),
        [(i.instance_id, dict(i.tags), i.platform) for i in backend.fleet],
        sorted(backend.scheduler._timers),
        {aid: backend.engine.snapshot(aid) for aid in backend.by_id},
        backend.clock.now,
        backend.simulator.next_event_time(),
    )


@pytest.fixture(params=["immediate", "manual"])
def stub(request: pytest.FixtureRequest) -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression=request.param) as active:
        for node in NODES:
            active.add_instance(node)
        yield active


def _seed(ssm: Any, stub: AssociationStub) -> dict[str, str]:
    scheduled = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=TARGETS,
        ScheduleExpression="rate(30 minutes)",
    )["AssociationDescription"]["AssociationId"]
    legacy = ssm.create_association(Name="AWS-UpdateSSMAgent", InstanceId=NODES[0])[
        "AssociationDescription"
    ]["AssociationId"]
    stub.advance(31 * 60)
    return {"scheduled": scheduled, "legacy": legacy}


CALLS: dict[str, Callable[[Any, dict[str, str]], Any]] = {
    "CreateAssociation": lambda ssm, ids: ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=TARGETS,
        ScheduleExpression="cron(0 2 ? * SUN *)",
    ),
    "CreateAssociationBatch": lambda ssm, ids: ssm.create_association_batch(
        Entries=[
            {"Name": "AWS-RunShellScript", "Parameters": SHELL, "Targets": TARGETS},
            {"Name": "AWS-UpdateSSMAgent", "InstanceId": NODES[1]},
        ]
    ),
    "UpdateAssociation": lambda ssm, ids: ssm.update_association(
        AssociationId=ids["scheduled"],
        Parameters={"commands": ["echo again"]},
        ScheduleExpression="rate(1 hour)",
    ),
    "UpdateAssociationStatus": lambda ssm, ids: ssm.update_association_status(
        Name="AWS-UpdateSSMAgent",
        InstanceId=NODES[0],
        AssociationStatus={"Date": START, "Name": "Failed", "Message": "agent down"},
    ),
    "DeleteAssociation": lambda ssm, ids: ssm.delete_association(AssociationId=ids["scheduled"]),
    "StartAssociationsOnce": lambda ssm, ids: ssm.start_associations_once(
        AssociationIds=[ids["scheduled"], ids["legacy"]]
    ),
    "ListAssociations": lambda ssm, ids: ssm.list_associations(MaxResults=1),
    "PutComplianceItems": lambda ssm, ids: ssm.put_compliance_items(
        ResourceId=NODES[0],
        ResourceType="ManagedInstance",
        ComplianceType="Association",
        ExecutionSummary={"ExecutionTime": START},
        Items=[{"Id": ids["scheduled"], "Severity": "HIGH", "Status": "COMPLIANT"}],
    ),
}


@pytest.mark.parametrize("operation", sorted(CALLS))
def test_a_crash_after_any_change_leaves_the_state_as_it_was(
    stub: AssociationStub, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    ids = _seed(ssm, stub)
    budget = {"left": 0}
    record, copy_once = Journal.record, Journal.copy_once

    def counting(method: Callable[..., None]) -> Callable[..., None]:
        def wrapper(self: Journal, *args: Any) -> None:
            method(self, *args)
            budget["left"] -= 1
            if budget["left"] == 0:
                raise Injected(f"crash after change {crash_after}")

        return wrapper

    monkeypatch.setattr(Journal, "record", counting(record))
    monkeypatch.setattr(Journal, "copy_once", counting(copy_once))
    crash_after = 1
    while True:
        before, calls = picture(stub), len(stub.calls)
        budget["left"] = crash_after
        try:
            CALLS[operation](ssm, ids)
        except StubInternalError as bug:
            assert bug.operation == operation
            assert isinstance(bug.__cause__, Injected) and bug.original is bug.__cause__
            assert str(bug).startswith(f"Bug in ssm_assoc_stub: {operation} raised Injected")
            assert picture(stub) == before, f"crash after change {crash_after}"
            assert len(stub.calls) == calls + 1
            recorded = stub.calls[-1]
            assert recorded.operation == operation and recorded.error is not None
            assert recorded.error.code == "StubInternalError"
            crash_after += 1
            continue
        break
    budget["left"] = -1
    if operation == "ListAssociations":
        pass  # a read: at most it builds its page-position cache (journaled like the rest)
    else:
        assert crash_after > 2, "the operation made changes the test should have crashed"
    assert stub.calls[-1].ok


def test_a_rejected_call_after_changes_is_rolled_back(
    stub: AssociationStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ServiceError raised after the operation changed things still changes nothing."""
    from ssm_assoc_stub._service import ops_associations
    from ssm_assoc_stub._service.errors import InvalidTarget

    ssm = boto3.client("ssm", region_name=REGION)
    _seed(ssm, stub)

    def late_failure(*args: Any, **kwargs: Any) -> Any:
        raise InvalidTarget("raised after the association was stored")

    monkeypatch.setattr(ops_associations, "_describe", late_failure)
    before = picture(stub)
    with pytest.raises(ClientError, match="raised after the association was stored"):
        CALLS["CreateAssociation"](ssm, {})
    assert picture(stub) == before
    assert stub.calls[-1].error is not None and stub.calls[-1].error.code == "InvalidTarget"


def test_an_outcome_function_error_is_the_tests_own_and_rolls_back(
    stub: AssociationStub,
) -> None:
    ssm = boto3.client("ssm", region_name=REGION)

    class Mine(Exception):
        pass

    def outcome(description: Any, instance_id: str) -> str:
        raise Mine(f"no outcome for {instance_id}")

    stub.set_outcome("*", outcome)
    before, calls = picture(stub), len(stub.calls)
    if stub.backend.options.progression == "manual":
        # D-ST-1: the run begins once the clock moves, so the error comes from settle()
        CALLS["CreateAssociation"](ssm, {})
        with pytest.raises(Mine, match="no outcome for i-"):
            stub.settle()
        return
    with pytest.raises(Mine, match="no outcome for i-"):  # the run starts within the call
        CALLS["CreateAssociation"](ssm, {})
    assert picture(stub) == before
    assert len(stub.calls) == calls + 1
    recorded = stub.calls[-1].error
    assert recorded is not None and recorded.code == "CallbackError"


# -- the journal itself -------------------------------------------------------------------
def test_a_dict_gets_its_keys_and_their_order_back() -> None:
    d: TxDict[str, int] = TxDict(a=1, b=2, c=3)
    with pytest.raises(Injected), transaction():
        d["b"] = 20
        d["d"] = 4
        del d["a"]
        d.pop("c")
        d.setdefault("e", 5)
        d.update(f=6)
        raise Injected
    assert list(d.items()) == [("a", 1), ("b", 2), ("c", 3)]


def test_lists_deques_and_attributes_come_back() -> None:
    items: TxList[int] = TxList([1, 2, 3])
    recent: TxDeque[int] = TxDeque([1, 2], maxlen=2)
    with pytest.raises(Injected), transaction():
        items.append(4)
        items.sort(reverse=True)
        del items[0]
        recent.append(3)  # evicts 1
        raise Injected
    assert items == [1, 2, 3]
    assert list(recent) == [1, 2]


def test_a_nested_transaction_rolls_back_alone_or_with_its_parent() -> None:
    d: TxDict[str, int] = TxDict()
    with transaction():
        d["outer"] = 1
        with pytest.raises(Injected), transaction():
            d["inner"] = 2
            raise Injected
        assert dict(d) == {"outer": 1}
    assert dict(d) == {"outer": 1}
    with pytest.raises(Injected), transaction():
        with transaction():
            d["committed-inner"] = 3
        raise Injected
    assert dict(d) == {"outer": 1}


def test_outside_a_transaction_nothing_is_recorded() -> None:
    d: TxDict[str, int] = TxDict()
    d["x"] = 1
    assert journal_module.current() is None
    assert dict(d) == {"x": 1}
