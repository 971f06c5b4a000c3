"""A hypothesis state machine over the whole association API and the test-side controls.

Rules: the 13 operations (through a validating client, and garbage through a client
with ``parameter_validation=False``) plus advance, settle, add_instance,
remove_instance and set_outcome.  After every step:

* every rejected or crashing call left the state exactly as it was;
* each association's versions run 1..n (ListAssociationVersions, paged);
* ListAssociations lists exactly the associations created minus those deleted, in
  creation order, each item paged exactly once (pages of 1 and of 2);
* a finished execution's Overview counts equal its per-target statuses;
* no execution had more targets in flight than its concurrency slots (plus one per
  node that joined while it ran, D-RC-8), nor more errors than tolerated + slots.

In the suite it runs a few examples; ``SSM_ASSOC_STUB_LONG_PROPERTIES=1`` (or a
number: the example count) makes it a long run (see docs/architecture.md, "Property
tests").
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.ratecontrol import concurrency_slots, tolerated_errors

from .test_transactions import picture

REGION = "eu-west-1"
START = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
POOL = ("i-0123456789abcdef0", "i-0fedcba987654321f", "i-0aaaaaaaaaaaaaaa1", "i-1234abcd")
ERRORS = ("Failed", "TimedOut")
_LONG = os.environ.get("SSM_ASSOC_STUB_LONG_PROPERTIES", "")
EXAMPLES = (int(_LONG) if _LONG.isdigit() and int(_LONG) > 1 else 300) if _LONG else 4
STEPS = 40 if _LONG else 12

concurrency = st.sampled_from([None, "1", "2", "50%", "100%"])
max_errors = st.sampled_from([None, "0", "1", "50%"])
schedules = st.sampled_from([None, "rate(30 minutes)", "cron(0 2 ? * SUN *)", "rate(1 day)"])
commands = st.sampled_from([["echo hi"], ["echo two", "echo lines"]])
target_lists = st.one_of(
    st.lists(st.sampled_from(POOL), min_size=1, max_size=3, unique=True).map(
        lambda ids: [{"Key": "InstanceIds", "Values": ids}]
    ),
    st.sampled_from(
        [[{"Key": "tag:role", "Values": ["web"]}], [{"Key": "tag-key", "Values": ["role"]}]]
    ),
)
garbage_values = st.sampled_from(
    [5, [], {}, None, "", True, 10**30, [5], {"a": 5}, "9999-12-31T23:59:59-23:59"]
)


_OPERATION_NAMES = {
    "create_association": "CreateAssociation",
    "describe_association": "DescribeAssociation",
    "update_association": "UpdateAssociation",
    "delete_association": "DeleteAssociation",
    "list_associations": "ListAssociations",
    "describe_association_executions": "DescribeAssociationExecutions",
    "start_associations_once": "StartAssociationsOnce",
    "create_association_batch": "CreateAssociationBatch",
}


def _code(error: ClientError) -> str:
    return str(error.response["Error"]["Code"])


class APIMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.stub = AssociationStub(start_time=START, progression="manual")
        self.stub.start()
        self.ssm = boto3.client("ssm", region_name=REGION)
        self.loose = boto3.client(
            "ssm", region_name=REGION, config=Config(parameter_validation=False)
        )
        self.created: list[str] = []  # in creation order
        self.deleted: set[str] = set()
        self.legacy: dict[str, str] = {}  # node -> legacy association id
        self.joins = 0  # nodes added while something ran (D-RC-8 may exceed the slots)
        for node in POOL[:2]:
            self.stub.add_instance(node, tags={"role": "web"})

    def teardown(self) -> None:
        self.stub.stop()

    # -- helpers ---------------------------------------------------------------------
    @property
    def live(self) -> list[str]:
        return [aid for aid in self.created if aid not in self.deleted]

    def call(self, client: Any, method: str, **params: Any) -> dict[str, Any] | None:
        """One call; a rejected one must leave the state as it was."""
        before, calls = picture(self.stub), len(self.stub.calls)
        try:
            response: dict[str, Any] = getattr(client, method)(**params)
        except ClientError as error:
            assert picture(self.stub) == before, (method, params, _code(error))
            assert len(self.stub.calls) == calls + 1 and not self.stub.calls[-1].ok
            return None
        assert len(self.stub.calls) == calls + 1 and self.stub.calls[-1].ok
        return response

    def pick(self, data: st.DataObject) -> str:
        choices = self.live or ["00000000-0000-0000-0000-000000000000"]
        return str(data.draw(st.sampled_from(choices), label="association"))

    # -- operations --------------------------------------------------------------------
    @rule(
        where=target_lists,
        concurrency=concurrency,
        errors=max_errors,
        schedule=schedules,
        commands=commands,
        apply_only=st.booleans(),
        broken=st.sampled_from([None, "name", "parameters"]),
    )
    def create(
        self,
        where: list[dict[str, Any]],
        concurrency: str | None,
        errors: str | None,
        schedule: str | None,
        commands: list[str],
        apply_only: bool,
        broken: str | None,
    ) -> None:
        params: dict[str, Any] = {
            "Name": "No-Such-Document" if broken == "name" else "AWS-RunShellScript",
            "Targets": where,
            "Parameters": {"nope": ["x"]} if broken == "parameters" else {"commands": commands},
        }
        for key, value in (
            ("MaxConcurrency", concurrency),
            ("MaxErrors", errors),
            ("ScheduleExpression", schedule),
        ):
            if value is not None:
                params[key] = value
        if apply_only and schedule is not None:
            params["ApplyOnlyAtCronInterval"] = True
        response = self.call(self.ssm, "create_association", **params)
        if response is not None:
            self.created.append(response["AssociationDescription"]["AssociationId"])

    @rule(node=st.sampled_from(POOL))
    def create_legacy(self, node: str) -> None:
        response = self.call(
            self.ssm, "create_association", Name="AWS-UpdateSSMAgent", InstanceId=node
        )
        if response is not None:
            aid = response["AssociationDescription"]["AssociationId"]
            self.created.append(aid)
            self.legacy[node] = aid

    @rule(count=st.integers(1, 3), bad=st.booleans(), where=target_lists)
    def create_batch(self, count: int, bad: bool, where: list[dict[str, Any]]) -> None:
        entries: list[dict[str, Any]] = [
            {"Name": "AWS-RunShellScript", "Parameters": {"commands": ["b"]}, "Targets": where}
        ] * count
        if bad:
            entries = [*entries, {"Name": "No-Such-Document", "Targets": where}]
        response = self.call(self.ssm, "create_association_batch", Entries=entries)
        if response is not None:
            self.created += [d["AssociationId"] for d in response["Successful"]]
            assert len(response["Failed"]) == (1 if bad else 0)

    @rule(data=st.data(), concurrency=concurrency, commands=commands, version=st.booleans())
    def update(
        self, data: st.DataObject, concurrency: str | None, commands: list[str], version: bool
    ) -> None:
        params: dict[str, Any] = {"AssociationId": self.pick(data)}
        if concurrency is not None:
            params["MaxConcurrency"] = concurrency
        if version:
            params["AssociationVersion"] = "1"  # stale once updated: InvalidAssociationVersion
        params["Parameters"] = {"commands": commands}
        self.call(self.ssm, "update_association", **params)

    @rule(node=st.sampled_from(POOL), name=st.sampled_from(["Success", "Failed", "Pending"]))
    def update_status(self, node: str, name: str) -> None:
        self.call(
            self.ssm,
            "update_association_status",
            Name="AWS-UpdateSSMAgent",
            InstanceId=node,
            AssociationStatus={"Date": START, "Name": name, "Message": f"now {name}"},
        )

    @rule(data=st.data(), version=st.sampled_from([None, "$LATEST", "1", "2", "1" + "0" * 30]))
    def describe(self, data: st.DataObject, version: str | None) -> None:
        params = {"AssociationId": self.pick(data)}
        if version is not None:
            params["AssociationVersion"] = version
        self.call(self.ssm, "describe_association", **params)

    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        aid = self.pick(data)
        if self.call(self.ssm, "delete_association", AssociationId=aid) is not None:
            self.deleted.add(aid)
            self.legacy = {n: a for n, a in self.legacy.items() if a != aid}

    @rule(data=st.data(), unknown=st.booleans())
    def start_once(self, data: st.DataObject, unknown: bool) -> None:
        ids = [self.pick(data)] + (["00000000-0000-0000-0000-000000000000"] if unknown else [])
        self.call(self.ssm, "start_associations_once", AssociationIds=ids)

    @rule(data=st.data())
    def describe_executions(self, data: st.DataObject) -> None:
        aid = self.pick(data)
        response = self.call(self.ssm, "describe_association_executions", AssociationId=aid)
        if response and response["AssociationExecutions"]:
            execution_id = response["AssociationExecutions"][0]["ExecutionId"]
            self.call(
                self.ssm,
                "describe_association_execution_targets",
                AssociationId=aid,
                ExecutionId=execution_id,
                MaxResults=1,
            )

    @rule(node=st.sampled_from(POOL), effective=st.booleans())
    def per_node(self, node: str, effective: bool) -> None:
        method = (
            "describe_effective_instance_associations"
            if effective
            else "describe_instance_associations_status"
        )
        self.call(self.ssm, method, InstanceId=node)

    @rule(
        method=st.sampled_from(
            [
                "create_association",
                "describe_association",
                "update_association",
                "delete_association",
                "list_associations",
                "describe_association_executions",
                "start_associations_once",
                "create_association_batch",
            ]
        ),
        member=st.sampled_from(
            ["Name", "AssociationId", "Targets", "MaxConcurrency", "AssociationIds", "Entries"]
        ),
        value=garbage_values,
    )
    def garbage(self, method: str, member: str, value: Any) -> None:
        """A client without botocore's validation sends a value of the wrong type."""
        shape = self.ssm.meta.service_model.operation_model(_OPERATION_NAMES[method]).input_shape
        if member not in shape.members:
            return
        params: dict[str, Any] = {"Name": "AWS-RunShellScript"} if "create" in method else {}
        params[member] = value
        calls = len(self.stub.calls)
        try:
            self.call(self.loose, method, **params)
        except (TypeError, ValueError, KeyError, AttributeError):
            # botocore's own serializer gave up before sending: the stub saw nothing.
            assert len(self.stub.calls) == calls

    # -- controls ------------------------------------------------------------------------
    @rule(seconds=st.sampled_from([0, 1, 30, 1800, 4000, 86400]))
    def advance(self, seconds: int) -> None:
        self.stub.advance(seconds)

    @rule()
    def settle(self) -> None:
        self.stub.settle()

    @rule(node=st.sampled_from(POOL), web=st.booleans())
    def add_instance(self, node: str, web: bool) -> None:
        if any(self.stub.backend.engine.running(aid) for aid in self.live):
            self.joins += 1
        self.stub.add_instance(node, tags={"role": "web"} if web else {"role": "db"})

    @precondition(lambda self: bool(list(self.stub.backend.fleet)))
    @rule(data=st.data())
    def remove_instance(self, data: st.DataObject) -> None:
        nodes = [n.instance_id for n in self.stub.backend.fleet]
        self.stub.remove_instance(data.draw(st.sampled_from(nodes)))

    @rule(
        node=st.sampled_from(("*", *POOL)),
        status=st.sampled_from(["Success", "Failed", "TimedOut"]),
        duration=st.sampled_from([0, 1, 45, 4000]),
    )
    def set_outcome(self, node: str, status: str, duration: int) -> None:
        self.stub.set_outcome(node, status, duration=duration)

    # -- invariants ----------------------------------------------------------------------
    def _all_pages(self, method: str, key: str, size: int, **params: Any) -> list[Any]:
        items: list[Any] = []
        token = None
        for _ in range(10_000):
            extra = {"NextToken": token} if token else {}
            page = getattr(self.ssm, method)(MaxResults=size, **params, **extra)
            items += page[key]
            token = page.get("NextToken")
            if not token:
                return items
        raise AssertionError("paging never ended")

    @invariant()
    def listings_equal_created_minus_deleted_each_paged_once(self) -> None:
        for size in (1, 2):
            listed = [
                item["AssociationId"]
                for item in self._all_pages("list_associations", "Associations", size)
            ]
            assert listed == self.live, (size, listed, self.live)

    @invariant()
    def versions_are_contiguous(self) -> None:
        for aid in self.live[-3:]:
            versions = self._all_pages(
                "list_association_versions", "AssociationVersions", 1, AssociationId=aid
            )
            numbers = [v["AssociationVersion"] for v in versions]
            assert numbers == [str(n) for n in range(1, len(numbers) + 1)]

    @invariant()
    def executions_respect_rate_control_and_overview(self) -> None:
        backend = self.stub.backend
        for aid in self.live:
            state = backend.by_id[aid]
            for execution in self.stub.executions(aid):
                total = len(execution.targets)
                spec = state.versions[int(execution.association_version) - 1].spec
                slots = concurrency_slots(
                    spec.max_concurrency, total, default=backend.options.default_max_concurrency
                )
                assert execution.peak_concurrency <= slots + self.joins
                errors = sum(1 for t in execution.targets.values() if t.status in ERRORS)
                assert errors <= tolerated_errors(spec.max_errors, total) + slots + self.joins
                statuses = Counter(t.status for t in execution.targets.values())
                assert dict(statuses) == dict(execution.status_counts)
            # Read first: the call starts what was pending (a node that joined, D-RC-12),
            # and the Overview shows that run, so the guard reads the state after it.
            overview = self.ssm.describe_association(AssociationId=aid)["AssociationDescription"][
                "Overview"
            ]
            shown = state.overview_execution
            if (
                shown is not None
                and state.join_overview is None
                and not backend.engine.running(aid)
            ):
                counts = Counter(t.status for t in shown.targets.values())
                assert overview.get("AssociationStatusAggregatedCount", {}) == dict(counts)
                assert overview["Status"] == shown.status


# A run may reach no node (every node removed): AWS accepts it, and the stub's warning
# (D-WARN-1, an error under the suite's filterwarnings) is expected here.
TestAPIMachine = pytest.mark.filterwarnings("ignore::ssm_assoc_stub.NoTargetsWarning")(
    APIMachine.TestCase
)
TestAPIMachine.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
