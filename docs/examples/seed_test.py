"""Reproducible ids for snapshot tests: ``seed=`` (docs/usage.md, docs/plugin.md).

Run with ``python -m pytest docs/examples/seed_test.py`` (in a checkout of ssm_assoc_stub
itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from datetime import datetime, timezone

import boto3
import pytest

from ssm_assoc_stub import AssociationStub

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


@pytest.mark.ssm_assoc_stub(seed=1, start_time=START)
def test_a_snapshot_with_fixed_ids(ssm_assoc_stub: AssociationStub) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    ssm_assoc_stub.add_instance("i-0123456789abcdef0")
    created = ssm.create_association(
        Name="AWS-RunPatchBaseline",
        Parameters={"Operation": ["Scan"]},
        Targets=[{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}],
    )
    description = created["AssociationDescription"]
    # The same on every run of this test: compare with a stored snapshot as it is.
    assert description["AssociationId"] == "2d746602-36e4-48f4-ab6a-1509689ce8c5"
    assert created["ResponseMetadata"]["RequestId"] == "c0916647-f349-4efd-8cb4-8a7ddc034d03"
    (execution,) = ssm.describe_association_executions(AssociationId=description["AssociationId"])[
        "AssociationExecutions"
    ]
    assert execution["ExecutionId"] == "3c65c047-ee10-4a8a-8e22-0f227eb9bf45"
    assert execution["CreatedTime"] == START


def test_seeded_stubs_repeat_their_ids() -> None:
    def run() -> list[str]:
        with AssociationStub(seed="nightly"):
            ssm = boto3.client("ssm", region_name="eu-west-1")
            ids = [
                ssm.create_association(Name="AWS-HelloWorld")["AssociationDescription"][
                    "AssociationId"
                ]
                for _ in range(3)
            ]
            return ids

    first, second = run(), run()
    assert first == second  # the same seed: the same ids, in the same order
    assert len(set(first)) == 3  # still unique within the run
