"""Many threads, one stub: nothing is lost, nothing is answered twice, no stray exception.

Threads start together at a barrier so that their calls overlap.  Failures in a
thread are collected and asserted on in the test's own thread: a modelled
service error is a ``ClientError``; anything else is a bug in the stub.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub

# Many of these associations target tags no node has, on purpose (issue 9's warning).
pytestmark = pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
REGION = "eu-west-1"
SHELL = {"commands": ["echo hi"]}
TARGETS = [{"Key": "tag:role", "Values": ["web"]}]
THREADS = 8


def run_threads(count: int, work: Callable[[int], None]) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads released together; the exceptions they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def body(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            work(index)
        except BaseException as exc:  # reported to the test below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return errors


def unmodelled(errors: list[BaseException]) -> list[BaseException]:
    return [error for error in errors if not isinstance(error, ClientError)]


def all_versions(ssm: Any, association_id: str) -> list[int]:
    pages = ssm.get_paginator("list_association_versions").paginate(AssociationId=association_id)
    return [int(v["AssociationVersion"]) for page in pages for v in page["AssociationVersions"]]


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START, progression="manual") as active:
        for n in range(4):
            active.add_instance(f"i-{n:017x}", tags={"role": "web"})
        yield active


def create(ssm: Any, **extra: Any) -> str:
    request = {"Name": "AWS-RunShellScript", "Parameters": SHELL, "Targets": TARGETS, **extra}
    return str(ssm.create_association(**request)["AssociationDescription"]["AssociationId"])


def test_eight_threads_of_100_updates_end_at_version_801(stub: AssociationStub) -> None:
    clients = [boto3.client("ssm", region_name=REGION) for _ in range(2)]  # shared by 4 each
    association_id = create(clients[0])
    answered: list[list[str]] = [[] for _ in range(THREADS)]

    def work(index: int) -> None:
        ssm = clients[index % 2]
        for n in range(100):
            response = ssm.update_association(
                AssociationId=association_id,
                Parameters={"commands": [f"echo {index}-{n}"]},
                Targets=TARGETS,
            )
            answered[index].append(response["AssociationDescription"]["AssociationVersion"])

    assert run_threads(THREADS, work) == []
    ssm = clients[1]
    description = ssm.describe_association(AssociationId=association_id)
    assert description["AssociationDescription"]["AssociationVersion"] == "801"
    assert all_versions(ssm, association_id) == list(range(1, 802))
    # Every update got a version of its own, and each thread saw its versions increase.
    numbers = [int(v) for versions in answered for v in versions]
    assert sorted(numbers) == list(range(2, 802))
    for versions in answered:
        assert [int(v) for v in versions] == sorted(int(v) for v in versions)
    # The recorded calls are in state order: the nth update made version n + 1.
    updates = stub.calls_to("UpdateAssociation")
    assert len(updates) == 800
    made = []
    for call in updates:
        assert call.response is not None
        made.append(call.response["AssociationDescription"]["AssociationVersion"])
    assert made == [str(n) for n in range(2, 802)]


def test_readers_never_see_a_half_made_version(stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    association_id = create(ssm)
    seen: list[tuple[int, list[int]]] = []

    def work(index: int) -> None:
        if index < 4:
            for _ in range(40):
                ssm.update_association(AssociationId=association_id, Parameters=SHELL)
            return
        for _ in range(15):
            latest = ssm.describe_association(AssociationId=association_id)
            versions = all_versions(ssm, association_id)
            seen.append((int(latest["AssociationDescription"]["AssociationVersion"]), versions))

    assert run_threads(THREADS, work) == []
    assert len(seen) == 60
    for latest, versions in seen:
        # Pages are read one call at a time, so the list may have grown since the
        # describe; it is always 1..n with nothing missing.
        assert versions == list(range(1, len(versions) + 1))
        assert len(versions) >= latest
    assert all_versions(ssm, association_id) == list(range(1, 162))


def test_optimistic_concurrency_lets_exactly_one_stale_writer_win(stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    association_id = create(ssm)
    won: list[int] = []

    def work(index: int) -> None:
        ssm.update_association(
            AssociationId=association_id,
            AssociationVersion="1",
            Parameters={"commands": [f"echo {index}"]},
            Targets=TARGETS,
        )
        won.append(index)

    errors = run_threads(THREADS, work)
    assert unmodelled(errors) == []
    codes = [error.response["Error"]["Code"] for error in errors]  # type: ignore[attr-defined]
    assert codes == ["InvalidAssociationVersion"] * (THREADS - 1)
    assert len(won) == 1
    assert all_versions(ssm, association_id) == [1, 2]
    latest = ssm.describe_association(AssociationId=association_id)["AssociationDescription"]
    assert latest["Parameters"] == {"commands": [f"echo {won[0]}"]}


@pytest.mark.parametrize("clients", ["one shared client", "a client per thread"])
def test_creates_from_many_threads_get_distinct_ids(stub: AssociationStub, clients: str) -> None:
    shared = boto3.client("ssm", region_name=REGION)
    created: list[list[str]] = [[] for _ in range(THREADS)]

    def work(index: int) -> None:
        # A client made in the thread, inside the stub's block, binds to the stub.
        ssm = shared if clients == "one shared client" else boto3.client("ssm", region_name=REGION)
        for n in range(25):
            legacy = f"i-{index:08x}{n:09x}"  # one legacy association per node
            stub.add_instance(legacy)  # D-CRT-3: a known node
            created[index].append(create(ssm))
            created[index].append(
                str(
                    ssm.create_association(
                        Name="AWS-RunShellScript", InstanceId=legacy, Parameters=SHELL
                    )["AssociationDescription"]["AssociationId"]
                )
            )

    assert run_threads(THREADS, work) == []
    ids = [i for per_thread in created for i in per_thread]
    assert len(ids) == len(set(ids)) == THREADS * 50
    assert set(stub.backend.state_snapshot()) == set(ids)
    assert len(stub.calls_to("CreateAssociation")) == THREADS * 50
    for association_id in ids[::37]:
        assert all_versions(shared, association_id) == [1]


def test_updates_racing_the_clock_keep_versions_and_executions_whole(
    stub: AssociationStub,
) -> None:
    ssm = boto3.client("ssm", region_name=REGION)
    scheduled = {"ScheduleExpression": "rate(30 minutes)", "MaxConcurrency": "1"}
    association_id = create(ssm, **scheduled)
    stub.set_outcome("*", "Success", duration=60)

    def work(index: int) -> None:
        if index == 0:
            for _ in range(30):
                stub.advance(900)
            return
        for _ in range(30):
            ssm.update_association(
                AssociationId=association_id, Parameters=SHELL, Targets=TARGETS, **scheduled
            )
            ssm.describe_association(AssociationId=association_id)

    assert run_threads(THREADS, work) == []
    assert all_versions(ssm, association_id) == list(range(1, 212))
    stub.settle()
    for execution in stub.executions(association_id):
        assert execution.status in ("Success", "Failed"), execution
        assert int(execution.association_version) <= 211


@pytest.mark.parametrize("binding", ["clients=", "made inside the block"])
def test_two_stubs_in_two_threads_do_not_see_each_other(binding: str) -> None:
    clients = [boto3.client("ssm", region_name=REGION) for _ in range(2)]  # before any stub
    ids: list[str | None] = [None, None]
    both_active = threading.Barrier(2)
    checked = threading.Barrier(2)
    foreign: list[str] = ["", ""]

    def work(index: int) -> None:
        passed = [clients[index]] if binding == "clients=" else []
        with AssociationStub(clients=passed, progression="manual") as mine:
            both_active.wait(timeout=30)  # both stubs are active before any client is made
            ssm = clients[index] if passed else boto3.client("ssm", region_name=REGION)
            ids[index] = create(ssm)
            both_active.wait(timeout=30)
            both_active.wait(timeout=30)
            other = ids[1 - index]
            assert other is not None
            with pytest.raises(ClientError) as caught:
                ssm.describe_association(AssociationId=other)
            foreign[index] = caught.value.response["Error"]["Code"]
            assert set(mine.backend.state_snapshot()) == {ids[index]}
            checked.wait(timeout=30)

    assert run_threads(2, work) == []
    assert foreign == ["AssociationDoesNotExist", "AssociationDoesNotExist"]
    assert ids[0] != ids[1]
