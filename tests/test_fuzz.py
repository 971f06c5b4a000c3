"""Property-based tests: requests generated from the botocore model against the stub's contract.

For the six association operations, whatever the request:

* the stub raises nothing but botocore's ``ParamValidationError`` or a
  ``ClientError`` (the client's modelled exceptions are ``ClientError``\\ s);
* an error code is one the operation declares, or ``ValidationException``;
* a success response validates against the operation's output shape;
* a rejected call leaves the state as it was;
* every association's versions, as ListAssociationVersions pages them, run 1..n.

Each example gets a fresh stub; one client (made outside any stub) is bound to
each stub with ``clients=``, which keeps client creation out of the loop.
"""

from __future__ import annotations

import functools
from collections import Counter
from datetime import datetime, timezone
from typing import Any

import boto3
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.constraints import compile_java_pattern

from .helpers import declared_errors, output_problems
from .strategies import (
    CUSTOM_DOCUMENT,
    CUSTOM_DOCUMENT_SPEC,
    INSTANCE_POOL,
    MODEL,
    OPERATIONS,
    OTHER_OPERATIONS,
    WINDOWS_INSTANCE,
    Hints,
    invalid_values,
    request,
    shapes_with_constraints,
)

START = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
REGION = "eu-west-1"
SHELL = {"commands": ["echo hi"]}
FAST = settings(
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)


@functools.cache
def _client() -> Any:
    """One SSM client for the whole module (made lazily, inside a test's clean environment)."""
    return boto3.client("ssm", region_name=REGION)


def _new_stub(progression: str = "manual") -> AssociationStub:
    stub = AssociationStub(clients=[_client()], progression=progression, start_time=START)
    stub.start()
    try:
        stub.add_document(CUSTOM_DOCUMENT, **CUSTOM_DOCUMENT_SPEC)
        for instance in INSTANCE_POOL:
            platform = "Windows" if instance == WINDOWS_INSTANCE else "Linux"
            stub.add_instance(instance, tags={"role": "web"}, platform=platform)
    except BaseException:
        stub.stop()
        raise
    return stub


def _snapshot(stub: AssociationStub) -> Any:
    return stub.backend.state_snapshot()


def call(stub: AssociationStub, operation: str, params: dict[str, Any]) -> tuple[str, Any]:
    """Make one call and check the contract; returns ``("ok", response)`` or ``(code, None)``."""
    before = _snapshot(stub)
    method = getattr(_client(), xform_name(operation))
    try:
        response = method(**params)
    except ParamValidationError:
        assert _snapshot(stub) == before
        return "ParamValidationError", None
    except ClientError as error:
        code = error.response["Error"]["Code"]
        assert code in declared_errors(operation) | {"ValidationException"}, (operation, code)
        assert _snapshot(stub) == before, f"{operation} failed with {code} but changed state"
        return code, None
    problems = output_problems(operation, response)
    assert problems == "", problems
    return "ok", response


def versions_of(stub: AssociationStub, association_id: str) -> list[str]:
    """Every version number of an association, paging ListAssociationVersions by 7."""
    numbers: list[str] = []
    params: dict[str, Any] = {"AssociationId": association_id, "MaxResults": 7}
    while True:
        code, page = call(stub, "ListAssociationVersions", params)
        assert code == "ok", code
        numbers += [v["AssociationVersion"] for v in page["AssociationVersions"]]
        if "NextToken" not in page:
            return numbers
        params = {**params, "NextToken": page["NextToken"]}


def created_ids(operation: str, response: Any) -> list[str]:
    if operation == "CreateAssociationBatch":
        return [d["AssociationId"] for d in response["Successful"]]
    if operation == "CreateAssociation":
        return [response["AssociationDescription"]["AssociationId"]]
    return []


def _seed(stub: AssociationStub) -> Hints:
    """A Targets association with two versions, and a legacy InstanceId association."""
    ssm = _client()
    targets = [{"Key": "tag:role", "Values": ["web"]}]
    by_targets = ssm.create_association(
        Name="AWS-RunShellScript", Parameters=SHELL, Targets=targets
    )["AssociationDescription"]["AssociationId"]
    ssm.update_association(AssociationId=by_targets, Parameters=SHELL, Targets=targets)
    legacy = ssm.create_association(
        Name="AWS-RunShellScript", InstanceId=INSTANCE_POOL[0], Parameters=SHELL
    )["AssociationDescription"]["AssociationId"]
    page = ssm.list_association_versions(AssociationId=by_targets, MaxResults=1)
    return Hints(association_ids=(by_targets, legacy), next_tokens=(page["NextToken"],))


# -- one call at a time ---------------------------------------------------------------------


def _one_call(operation: str, data: st.DataObject, outcomes: Counter[str]) -> None:
    stub = _new_stub()
    try:
        hints = _seed(stub)
        params = data.draw(request(operation, hints), label="request")
        code, response = call(stub, operation, params)
        outcomes[code] += 1
        created = created_ids(operation, response) if response else []
        for association_id in [*hints.association_ids, *created]:
            if association_id not in stub.backend.by_id:  # only a delete may remove one
                assert (operation, code) == ("DeleteAssociation", "ok"), (operation, code)
                continue
            numbers = versions_of(stub, association_id)
            assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
    finally:
        stub.stop()


@pytest.mark.parametrize("operation", OPERATIONS)
@settings(FAST, max_examples=25)
@given(data=st.data())
def test_any_request_keeps_the_contract(operation: str, data: st.DataObject) -> None:
    _one_call(operation, data, Counter())


@pytest.mark.parametrize("operation", OTHER_OPERATIONS)
@settings(FAST, max_examples=15)
@given(data=st.data())
def test_the_rest_of_the_api_keeps_the_contract(operation: str, data: st.DataObject) -> None:
    """List, delete, run once, history and per-node status: same contract as the six."""
    _one_call(operation, data, Counter())


def test_generated_requests_reach_past_validation() -> None:
    """The strategies are worth their name: calls succeed, and fail in several ways."""
    outcomes: Counter[str] = Counter()

    @settings(FAST, max_examples=60, derandomize=True, database=None)
    @given(operation=st.sampled_from(OPERATIONS), data=st.data())
    def run(operation: str, data: st.DataObject) -> None:
        _one_call(operation, data, outcomes)

    run()
    assert outcomes["ok"] >= 15, outcomes
    assert outcomes["ValidationException"] + outcomes["ParamValidationError"] >= 2, outcomes
    deeper = set(outcomes) - {"ok", "ValidationException", "ParamValidationError"}
    assert len(deeper) >= 3, outcomes


def _breaks(constraint: str, bound: Any, value: Any) -> bool:
    """Whether ``value`` breaks one constraint of a shape (the server-side ones)."""
    if constraint == "enum":
        return isinstance(value, str) and value not in bound
    if constraint == "pattern":
        regex = compile_java_pattern(bound)
        return isinstance(value, str) and regex is not None and regex.fullmatch(value) is None
    if isinstance(value, bool):
        return False
    size = len(value) if isinstance(value, str | list | dict) else value
    return isinstance(size, int) and size > bound  # "max": below "min" is botocore's


@pytest.mark.parametrize("operation", OPERATIONS)
def test_every_pattern_bound_and_enum_gets_broken(operation: str) -> None:
    """The strategies draw a value breaking each pattern, max, range and enum of the input."""
    for name, constraints in shapes_with_constraints(operation).items():
        for constraint, bound in constraints.items():
            if constraint == "min" or (constraint == "pattern" and not compile_java_pattern(bound)):
                continue
            strategy = invalid_values(MODEL.shape_for(name))
            assert strategy is not None, name
            find(
                strategy.map(functools.partial(_breaks, constraint, bound)),  # keeps reprs small
                bool,
                settings=settings(FAST, max_examples=300, database=None, phases=[Phase.generate]),
            )


# -- interleaved calls ------------------------------------------------------------------------


class AssociationMachine(RuleBasedStateMachine):
    """Create, update, describe, list versions and update status on a small pool."""

    progression = "manual"

    def __init__(self) -> None:
        super().__init__()
        self.stub = _new_stub(self.progression)
        self.ids: list[str] = []
        self.tokens: list[str] = []

    def teardown(self) -> None:
        self.stub.stop()

    def hints(self) -> Hints:
        return Hints(association_ids=tuple(self.ids[-4:]), next_tokens=tuple(self.tokens[-3:]))

    def step(self, operation: str, data: st.DataObject) -> Any:
        params = data.draw(request(operation, self.hints()), label=operation)
        _, response = call(self.stub, operation, params)
        if response is not None:
            self.ids += created_ids(operation, response)
            if "NextToken" in response:
                self.tokens.append(response["NextToken"])
        return response

    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        self.step("CreateAssociation", data)

    @rule(data=st.data())
    def create_batch(self, data: st.DataObject) -> None:
        self.step("CreateAssociationBatch", data)

    @rule(data=st.data())
    def update(self, data: st.DataObject) -> None:
        self.step("UpdateAssociation", data)

    @rule(data=st.data())
    def describe(self, data: st.DataObject) -> None:
        self.step("DescribeAssociation", data)

    @rule(data=st.data())
    def list_versions(self, data: st.DataObject) -> None:
        self.step("ListAssociationVersions", data)

    @rule(data=st.data())
    def update_status(self, data: st.DataObject) -> None:
        self.step("UpdateAssociationStatus", data)

    @rule(seconds=st.integers(0, 3 * 86400))
    def let_time_pass(self, seconds: int) -> None:
        self.stub.advance(seconds)

    @rule(
        node=st.sampled_from(("*", *INSTANCE_POOL)),
        status=st.sampled_from(["Success", "Failed", "TimedOut"]),
        duration=st.sampled_from([0, 1, 45, 4000]),
    )
    def nodes_report(self, node: str, status: str, duration: int) -> None:
        self.stub.set_outcome(node, status, duration=duration)

    @invariant()
    def versions_run_from_one(self) -> None:
        for association_id in self.ids[-4:]:
            numbers = versions_of(self.stub, association_id)
            assert numbers == [str(n) for n in range(1, len(numbers) + 1)]
            code, latest = call(self.stub, "DescribeAssociation", {"AssociationId": association_id})
            assert code == "ok"
            assert latest["AssociationDescription"]["AssociationVersion"] == numbers[-1]


TestAssociationMachine = AssociationMachine.TestCase
TestAssociationMachine.settings = settings(FAST, max_examples=10, stateful_step_count=12)


# -- stub bugs the properties above found, pinned now that they are fixed ----------------------


def test_a_token_with_a_non_ascii_signature_is_invalid_next_token() -> None:
    stub = _new_stub()
    try:
        hints = _seed(stub)
        token = hints.next_tokens[0] + "\u00e9"
        with pytest.raises(ClientError) as caught:
            _client().list_association_versions(
                AssociationId=hints.association_ids[0], NextToken=token
            )
        assert caught.value.response["Error"]["Code"] == "InvalidNextToken"
    finally:
        stub.stop()


def test_a_rejected_create_adds_no_node_to_the_fleet() -> None:
    stub = _new_stub()
    try:
        ssm = _client()
        unknown = "i-0fffffffffffffff0"
        with pytest.raises(ClientError) as caught:  # D-CRT-3: an unknown node is refused
            ssm.create_association(
                Name="AWS-RunPowerShellScript", InstanceId=unknown, Parameters=SHELL
            )
        assert caught.value.response["Error"]["Code"] == "InvalidInstanceId"
        # Visible through the API: an association on every node now runs on it too.
        every_node = [{"Key": "InstanceIds", "Values": ["*"]}]
        created = ssm.create_association(
            Name="AWS-RunShellScript", Parameters=SHELL, Targets=every_node
        )
        stub.settle()
        overview = ssm.describe_association(
            AssociationId=created["AssociationDescription"]["AssociationId"]
        )["AssociationDescription"]["Overview"]
        counts = overview["AssociationStatusAggregatedCount"]
        assert sum(counts.values()) == len(INSTANCE_POOL), counts
    finally:
        stub.stop()


def test_a_document_arn_names_the_same_legacy_association() -> None:
    stub = _new_stub()
    try:
        ssm = _client()
        arn = "arn:aws:ssm:eu-west-1::document/AWS-RunShellScript"
        ssm.create_association(
            Name="AWS-RunShellScript", InstanceId=INSTANCE_POOL[1], Parameters=SHELL
        )
        with pytest.raises(ClientError) as caught:
            ssm.create_association(Name=arn, InstanceId=INSTANCE_POOL[1], Parameters=SHELL)
        assert caught.value.response["Error"]["Code"] == "AssociationAlreadyExists"
    finally:
        stub.stop()
