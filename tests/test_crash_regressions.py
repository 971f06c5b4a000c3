"""One regression test per crash issue 8 lists ("Why"), named after what it pins.

Each used to raise a raw Python exception out of an ordinary boto3 call (or a
test-side control), or to store state and then crash.  Now: AWS's error naming
the field, state unchanged, the call in ``stub.calls``; or a ``TypeError`` /
``ValueError`` at once from the control.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from ssm_assoc_stub import AssociationStub, NoTargetsWarning

from .helpers import error_code, error_message

REGION = "eu-west-1"
NODE = "i-0123456789abcdef0"
START = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
SHELL = {"commands": ["echo hi"]}


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub(start_time=START) as active:
        active.add_instance(NODE)
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name=REGION)


@pytest.fixture
def loose(stub: AssociationStub) -> Any:
    """A client that skips botocore's own validation and sends whatever it is given."""
    return boto3.client("ssm", region_name=REGION, config=Config(parameter_validation=False))


def _create(ssm: Any, **extra: Any) -> str:
    response = ssm.create_association(
        Name="AWS-RunShellScript",
        Parameters=SHELL,
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        **extra,
    )
    return str(response["AssociationDescription"]["AssociationId"])


def _rejected(stub: AssociationStub, call: Any, code: str = "ValidationException") -> str:
    """Run ``call``; it must fail with ``code``, change nothing and be recorded."""
    before, calls = stub.backend.state_snapshot(), len(stub.calls)
    with pytest.raises(ClientError) as info:
        call()
    assert error_code(info) == code
    assert stub.backend.state_snapshot() == before
    assert len(stub.calls) == calls + 1
    recorded = stub.calls[-1].error
    assert recorded is not None and recorded.code == code
    return error_message(info)


# -- with botocore's parameter validation on ---------------------------------------------
def test_last_executed_before_past_year_9999_in_utc_is_a_validation_exception(
    stub: AssociationStub, ssm: Any
) -> None:
    _create(ssm)
    message = _rejected(
        stub,
        lambda: ssm.list_associations(
            AssociationFilterList=[
                {"key": "LastExecutedBefore", "value": "9999-12-31T23:59:59-23:59"}
            ]
        ),
    )
    assert "LastExecutedBefore" in message and "9999-12-31T23:59:59-23:59" in message


def test_created_time_before_year_1_in_utc_is_a_validation_exception(
    stub: AssociationStub, ssm: Any
) -> None:
    association_id = _create(ssm)
    message = _rejected(
        stub,
        lambda: ssm.describe_association_executions(
            AssociationId=association_id,
            Filters=[
                {"Key": "CreatedTime", "Value": "0001-01-01T00:00:00+23:59", "Type": "LESS_THAN"}
            ],
        ),
    )
    assert "CreatedTime" in message


def test_a_4301_digit_association_version_is_an_invalid_version(
    stub: AssociationStub, ssm: Any
) -> None:
    association_id = _create(ssm)
    message = _rejected(
        stub,
        lambda: ssm.describe_association(
            AssociationId=association_id, AssociationVersion="1" + "0" * 4300
        ),
        "InvalidAssociationVersion",
    )
    assert association_id in message


def test_an_empty_instance_ids_value_names_no_node_and_is_recorded(
    stub: AssociationStub, ssm: Any
) -> None:
    # Used to store the association, then crash (ValueError) with the call unrecorded.
    with pytest.warns(NoTargetsWarning, match="ran on no node"):  # issue 9: reaches nothing
        response = ssm.create_association(
            Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [""]}]
        )
        association_id = response["AssociationDescription"]["AssociationId"]
        assert stub.calls[-1].operation == "CreateAssociation" and stub.calls[-1].ok
        (execution,) = stub.executions(association_id)
    assert dict(execution.targets) == {}  # "" is no node id: it reaches nothing (D-SAFE-2)
    assert [n.instance_id for n in stub.backend.fleet] == [NODE]


# -- with Config(parameter_validation=False) ---------------------------------------------
def test_a_targets_key_of_5_is_a_validation_exception_naming_the_key(
    stub: AssociationStub, loose: Any
) -> None:
    message = _rejected(
        stub,
        lambda: loose.create_association(
            Name="AWS-HelloWorld", Targets=[{"Key": 5, "Values": [NODE]}]
        ),
    )
    assert message == (
        "1 validation error detected: Value '5' at 'targets.1.member.key' failed to satisfy "
        "constraint: Member must be a string"
    )


def test_max_concurrency_of_5_as_a_number_is_a_validation_exception(
    stub: AssociationStub, loose: Any
) -> None:
    message = _rejected(
        stub,
        lambda: loose.create_association(
            Name="AWS-RunShellScript",
            Parameters=SHELL,
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            MaxConcurrency=5,
        ),
    )
    assert "'maxConcurrency'" in message and "Member must be a string" in message


def test_a_name_of_5_is_a_validation_exception(stub: AssociationStub, loose: Any) -> None:
    message = _rejected(stub, lambda: loose.create_association(Name=5))
    assert "Value '5' at 'name' failed to satisfy constraint: Member must be a string" in message


def test_a_missing_required_association_id_is_a_validation_exception(
    stub: AssociationStub, loose: Any
) -> None:
    message = _rejected(stub, lambda: loose.describe_association_executions())
    assert message == (
        "1 validation error detected: Value null at 'associationId' failed to satisfy "
        "constraint: Member must not be null"
    )


def test_an_association_id_that_is_a_list_is_a_validation_exception(
    stub: AssociationStub, loose: Any
) -> None:
    message = _rejected(stub, lambda: loose.describe_association(AssociationId=[]))
    assert "at 'associationId'" in message and "Member must be a string" in message


def test_a_batch_with_one_bad_entry_stores_neither(stub: AssociationStub, loose: Any) -> None:
    # Used to store both entries, then crash on the InstanceId of 5.
    message = _rejected(
        stub,
        lambda: loose.create_association_batch(
            Entries=[
                {
                    "Name": "AWS-RunShellScript",
                    "Parameters": SHELL,
                    "Targets": [{"Key": "InstanceIds", "Values": [NODE]}],
                },
                {"Name": "AWS-RunShellScript", "InstanceId": 5},
            ]
        ),
    )
    assert "'entries.2.member.instanceId'" in message
    assert stub.backend.by_id == {}


def test_an_output_s3_key_prefix_of_5_is_rejected_and_cannot_poison_later_calls(
    stub: AssociationStub, loose: Any, ssm: Any
) -> None:
    message = _rejected(
        stub,
        lambda: loose.create_association(
            Name="AWS-RunShellScript",
            Parameters=SHELL,
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
            OutputLocation={"S3Location": {"OutputS3BucketName": "bkt", "OutputS3KeyPrefix": 5}},
        ),
    )
    assert "'outputLocation.s3Location.outputS3KeyPrefix'" in message
    _create(ssm, OutputLocation={"S3Location": {"OutputS3BucketName": "bkt"}})
    infos = ssm.describe_instance_associations_status(InstanceId=NODE)
    assert len(infos["InstanceAssociationStatusInfos"]) == 1


def test_a_sensitive_parameter_of_the_wrong_type_is_not_echoed(
    stub: AssociationStub, loose: Any
) -> None:
    message = _rejected(
        stub,
        lambda: loose.create_association(
            Name="AWS-RunShellScript",
            Parameters={"commands": [["hunter2"]]},
            Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        ),
    )
    assert "hunter2" not in message
    assert message == (
        "1 validation error detected: Value at 'parameters.***.1.member' failed to satisfy "
        "constraint: Member must be a string"
    )


def test_a_huge_integer_is_a_validation_exception(stub: AssociationStub, loose: Any) -> None:
    message = _rejected(stub, lambda: loose.list_associations(MaxResults=10**30))
    assert "'maxResults'" in message and "32-bit integer" in message


# -- test-side controls -----------------------------------------------------------------
@pytest.mark.parametrize("duration", [math.inf, math.nan, 1e300, -1.0])
def test_set_outcome_refuses_a_duration_that_is_not_finite_and_sane_at_once(
    stub: AssociationStub, ssm: Any, duration: float
) -> None:
    with pytest.raises(ValueError, match="duration must be a finite number of seconds"):
        stub.set_outcome("*", "Success", duration=duration)
    _create(ssm)  # used to blow up here, inside the create
    assert stub.calls[-1].ok


def test_set_outcome_refuses_a_duration_that_is_not_a_number(stub: AssociationStub) -> None:
    with pytest.raises(TypeError, match="duration must be a number of seconds"):
        stub.set_outcome("*", "Success", duration="5")  # type: ignore[arg-type]


def test_set_outcome_refuses_a_status_outside_the_closed_set(stub: AssociationStub) -> None:
    with pytest.raises(ValueError, match="Success, Failed, TimedOut"):
        stub.set_outcome("*", "Succeeded")


def test_set_outcome_refuses_a_malformed_target(stub: AssociationStub) -> None:
    with pytest.raises(ValueError, match="managed node id"):
        stub.set_outcome("i 1", "Failed")
    with pytest.raises(TypeError, match="must be a string"):
        stub.set_outcome(5, "Failed")  # type: ignore[arg-type]


def test_add_instance_takes_a_tag_mapping_or_the_aws_tag_list(stub: AssociationStub) -> None:
    stub.add_instance("i-0000000000000000a", tags=[{"Key": "role", "Value": "web"}])
    stub.add_instance("i-0000000000000000b", tags={"role": "db"})
    fleet = stub.backend.fleet
    assert dict(fleet.get("i-0000000000000000a").tags) == {"role": "web"}  # type: ignore[union-attr]
    assert dict(fleet.get("i-0000000000000000b").tags) == {"role": "db"}  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("tags", "error"),
    [
        (["role"], TypeError),
        ([{"Key": "role"}], TypeError),
        ("role=web", TypeError),
        (5, TypeError),
        ({"role": 5}, ValueError),
        ({5: "web"}, ValueError),
        ([{"Key": "role", "Value": 5}], ValueError),
    ],
    ids=["list-of-str", "no-value", "string", "int", "int-value", "int-key", "aws-int-value"],
)
def test_add_instance_refuses_tags_that_are_not_strings(
    stub: AssociationStub, tags: Any, error: type[Exception]
) -> None:
    with pytest.raises(error, match="tags must"):
        stub.add_instance("i-0000000000000000c", tags=tags)
    assert stub.backend.fleet.get("i-0000000000000000c") is None


@pytest.mark.parametrize("instance_id", ["", "i 1", "-i", "i-" + "x" * 120])
def test_add_instance_refuses_a_malformed_instance_id(
    stub: AssociationStub, instance_id: str
) -> None:
    with pytest.raises(ValueError, match="managed node id"):
        stub.add_instance(instance_id)


def test_a_rate_schedule_near_year_9999_never_overflows() -> None:
    # Used to store the association, then raise OverflowError planning its next run.
    late = datetime(9999, 12, 31, 23, 0, tzinfo=timezone.utc)
    with AssociationStub(start_time=late) as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        stub.add_instance(NODE)
        association_id = _create(ssm, ScheduleExpression="rate(30 minutes)")
        assert stub.calls[-1].ok
        stub.advance(50 * 60)  # 23:50: the 23:30 run happened; 00:00 of year 10000 never will
        assert len(stub.executions(association_id)) == 2
        with pytest.raises(ValueError, match="past the end of year 9999"):
            stub.advance(3600)


def test_a_run_that_would_end_after_year_9999_stays_in_progress() -> None:
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)
    with AssociationStub(start_time=late, progression="manual") as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        stub.add_instance(NODE)
        stub.set_outcome("*", "Success", duration=3600)
        association_id = _create(ssm)
        stub.advance(1)
        (execution,) = stub.executions(association_id)
        assert execution.status == "InProgress"


@pytest.mark.parametrize(
    "start",
    [
        datetime(1, 1, 1, 1, tzinfo=timezone(timedelta(hours=5))),
        datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
    ],
    ids=["before-year-1-in-utc", "after-year-9999-in-utc"],
)
def test_a_start_time_outside_the_datetime_range_in_utc_is_refused_at_once(
    start: datetime,
) -> None:
    with pytest.raises(ValueError, match="outside years 1 to 9999"):
        AssociationStub(start_time=start)
