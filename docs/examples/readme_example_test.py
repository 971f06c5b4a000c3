"""The README's example, line for line: ``tests/test_docs.py`` checks that it still is.

Run it with ``python -m pytest docs/examples/readme_example_test.py``.
"""

from __future__ import annotations  # noqa: I001 (the README block below keeps its own layout)

# fmt: off
import boto3
from ssm_assoc_stub import AssociationStub

def test_rollout_stops_at_the_error_threshold():
    with AssociationStub() as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        for n in range(50):
            stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
        stub.set_outcome("*", "Failed")                      # a bad patch
        aid = ssm.create_association(
            Name="AWS-RunPatchBaseline", Parameters={"Operation": ["Install"]},
            Targets=[{"Key": "tag:role", "Values": ["web"]}],
            MaxConcurrency="5", MaxErrors="10%",
        )["AssociationDescription"]["AssociationId"]
        overview = ssm.describe_association(AssociationId=aid)["AssociationDescription"]["Overview"]
        assert overview["AssociationStatusAggregatedCount"] == {"Failed": 10, "Skipped": 40}
# fmt: on
