"""A picture of your own test's execution: ``timeline()`` and ``to_svg()`` (docs/rate-control.md).

Run with ``python -m pytest docs/examples/picture_test.py -s`` (in a checkout of
ssm_assoc_stub itself add ``-p ssm_assoc_stub.plugin``).
"""

from __future__ import annotations

from pathlib import Path

import boto3

from ssm_assoc_stub import AssociationStub


def test_draw_my_failing_rollout(ssm_assoc_stub: AssociationStub, tmp_path: Path) -> None:
    ssm = boto3.client("ssm", region_name="eu-west-1")
    for n in range(20):
        ssm_assoc_stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
    ssm_assoc_stub.set_outcome("*", "Failed", duration=30)
    created = ssm.create_association(
        Name="AWS-RunPatchBaseline",
        Parameters={"Operation": ["Install"]},
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
        MaxConcurrency="4",
        MaxErrors="2",
    )
    (execution,) = ssm_assoc_stub.executions(created["AssociationDescription"]["AssociationId"])
    print(execution.timeline())  # what each node did and when, as text
    picture = tmp_path / "rollout.svg"  # open it in a browser
    picture.write_text(execution.to_svg())
    assert "THRESHOLD error 3 > 2 tolerated: dispatch stops" in execution.timeline()
    assert picture.read_text().startswith("<svg")
