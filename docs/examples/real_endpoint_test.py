# docs/examples/real_endpoint_test.py
"""One test body, three endpoints: the emulated server (default), another endpoint
(--ssm-assoc-endpoint URL), or real AWS (--ssm-assoc-against-real-aws)."""

import pytest

SHELL = {"commands": ["echo hello"]}
NODE = "i-0123456789abcdef0"


def test_a_run_ends_and_reads_back(ssm_assoc_server):
    ssm = ssm_assoc_server.client()
    association = ssm.create_association(
        Name="AWS-RunShellScript",
        Targets=[{"Key": "InstanceIds", "Values": [NODE]}],
        Parameters=SHELL,
        MaxConcurrency="1",
        MaxErrors="0",
    )["AssociationDescription"]
    association_id = association["AssociationId"]
    try:
        # Emulated: settles the run on the simulated clock, instantly.
        # Elsewhere: polls DescribeAssociationExecutions until the run ends.
        execution = ssm_assoc_server.wait_for_execution(association_id, timeout=900, poll=15)
        assert execution["Status"] == "Success"
        assert execution["ResourceCountByStatus"] == "{Success=1}"
        (target,) = ssm.describe_association_execution_targets(
            AssociationId=association_id, ExecutionId=execution["ExecutionId"]
        )["AssociationExecutionTargets"]
        assert target["ResourceId"] == NODE
    finally:
        ssm.delete_association(AssociationId=association_id)


@pytest.mark.ssm_assoc_stub_only  # scripts the fleet: skipped against a real endpoint
def test_a_failing_node_stops_the_rollout(ssm_assoc_server):
    controls = ssm_assoc_server.controls
    for n in range(1, 6):
        controls.add_instance(f"i-{n:017d}", tags={"role": "web"})
    controls.set_outcome("i-00000000000000001", "Failed")
    ssm = ssm_assoc_server.client()
    association_id = ssm.create_association(
        Name="AWS-RunShellScript",
        Targets=[{"Key": "tag:role", "Values": ["web"]}],
        Parameters=SHELL,
        MaxConcurrency="1",
        MaxErrors="0",
    )["AssociationDescription"]["AssociationId"]
    execution = ssm_assoc_server.wait_for_execution(association_id)
    assert execution["Status"] == "Failed"
    assert execution["ResourceCountByStatus"] == "{Failed=1, Skipped=4}"
