# docs/examples/server_controls_test.py
"""Code under test in another process; the test scripts the fleet over HTTP."""

import os
import subprocess
import sys

ROLLOUT = """
import boto3
ssm = boto3.client("ssm")  # the endpoint comes from AWS_ENDPOINT_URL
ssm.create_association(
    Name="AWS-RunPatchBaseline",
    AssociationName="patch-web",
    Parameters={"Operation": ["Install"]},
    Targets=[{"Key": "tag:role", "Values": ["web"]}],
    MaxConcurrency="2",
    MaxErrors="1",
)
"""


def test_a_rollout_script_in_another_process(ssm_assoc_server):
    controls = ssm_assoc_server.controls
    for n in range(1, 11):
        controls.add_instance(f"i-{n:017d}", tags={"role": "web"})
    controls.set_outcome("*", "Success", duration=60)
    controls.set_outcome("i-00000000000000003", "Failed")
    controls.set_outcome("i-00000000000000004", "Failed")

    env = {
        **os.environ,
        "AWS_ENDPOINT_URL": ssm_assoc_server.url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    subprocess.run([sys.executable, "-c", ROLLOUT], env=env, check=True, timeout=120)

    (call,) = controls.calls_to("CreateAssociation")
    assert call.region == "eu-west-1"  # from the request's signature
    association_id = call.response["AssociationDescription"]["AssociationId"]
    (execution,) = controls.executions(association_id)
    assert execution.status == "Failed"
    assert execution.peak_concurrency == 2
    # 1 and 2 succeed; 3 fails (one error is tolerated), its slot goes to 5; 4 fails:
    # two errors cross MaxErrors=1, so 6..10 are skipped and 5 still finishes.
    assert execution.resource_count_by_status == "{Failed=2, Skipped=5, Success=3}"
