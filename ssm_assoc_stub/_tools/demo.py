"""``python -m ssm_assoc_stub demo``: real boto3 calls through the stub, narrated."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, TextIO

__all__ = ["run_demo"]

START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def _overview(description: dict[str, Any]) -> str:
    return json.dumps(description["Overview"], sort_keys=True)


def run_demo(out: TextIO) -> int:
    import boto3

    from .._lifecycle.stub import AssociationStub

    def say(text: str = "") -> None:
        print(text, file=out)

    with AssociationStub(start_time=START) as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        for n in range(1, 21):
            stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
        say("A fleet of 20 web servers (tag role=web), a clock at " + stub.now.isoformat())
        say()
        say("1. create_association: AWS-RunShellScript on tag:role=web,")
        say("   MaxConcurrency=25% (5 at a time), MaxErrors=2, every day")
        # Everything the association sets: UpdateAssociation resets what it is not sent.
        members: dict[str, Any] = {
            "Name": "AWS-RunShellScript",
            "AssociationName": "web-hardening",
            "Parameters": {"commands": ["harden.sh"]},
            "Targets": [{"Key": "tag:role", "Values": ["web"]}],
            "ScheduleExpression": "rate(1 day)",
            "MaxConcurrency": "25%",
            "MaxErrors": "2",
        }
        created = ssm.create_association(**members)["AssociationDescription"]
        aid = created["AssociationId"]
        say(f"   -> version {created['AssociationVersion']}, Overview {_overview(created)}")
        described = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
        say(f"   describe_association right after: Overview {_overview(described)}")
        say(f"   (the first run went through all 20 nodes; the clock is now {stub.now:%H:%M:%S})")
        say()
        say("2. update_association sending only MaxConcurrency (the null-overwrite trap):")
        try:
            ssm.update_association(AssociationId=aid, MaxConcurrency="50%")
        except ssm.exceptions.InvalidParameters as error:
            say(f"   -> {type(error).__name__}: {error.response['Error']['Message']}")
        say("   AWS resets every member you leave out; without Parameters the required")
        say("   'commands' parameter is missing, and nothing changed.")
        say()
        say("3. update_association with a stale AssociationVersion (optimistic concurrency):")
        members["Parameters"] = {"commands": ["harden.sh --v2"]}
        ssm.update_association(AssociationId=aid, AssociationVersion="1", **members)
        try:
            ssm.update_association(
                AssociationId=aid,
                Parameters={"commands": ["harden.sh --v3"]},
                AssociationVersion="1",
            )
        except ssm.exceptions.InvalidAssociationVersion as error:
            say(f"   -> {type(error).__name__}: {error.response['Error']['Message']}")
        say()
        say("4. a bad change: nodes 2, 3 and 4 fail after 10 s, the others succeed after 30 s;")
        say("   MaxErrors=2 tolerates two errors, the third stops dispatch")
        stub.set_outcome("*", "Success", duration=30)
        for n in (2, 3, 4):
            stub.set_outcome(f"i-{n:017x}", "Failed", duration=10)
        members["Parameters"] = {"commands": ["harden.sh --v3"]}
        updated = ssm.update_association(AssociationId=aid, **members)["AssociationDescription"]
        say(f"   -> version {updated['AssociationVersion']}, Overview {_overview(updated)}")
        after = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
        say(f"   once it ran: Overview {_overview(after)}")
        execution = stub.executions(aid)[-1]
        say(
            f"   ResourceCountByStatus {execution.resource_count_by_status}, "
            f"peak concurrency {execution.peak_concurrency}"
        )
        skipped = [i for i, r in execution.targets.items() if r.status == "Skipped"]
        say(f"   {len(skipped)} nodes were never dispatched (Skipped), e.g. {skipped[:3]}")
        crossed = execution.threshold_crossed_at
        late = [
            i
            for i, r in execution.targets.items()
            if r.status == "Success" and crossed is not None and r.ended and r.ended > crossed
        ]
        say(f"   {len(late)} nodes still succeeded after the threshold: they were already running")
        say("   (stopping dispatch does not stop the runs in progress)")
        say()
        say("5. list_association_versions:")
        for version in ssm.list_association_versions(AssociationId=aid)["AssociationVersions"]:
            say(
                f"   version {version['AssociationVersion']} created "
                f"{version['CreatedDate']:%H:%M:%S} commands={version['Parameters']['commands']}"
            )
        say()
        say("6. the fix ships and a day passes: the schedule runs it again")
        for n in (2, 3, 4):
            stub.set_outcome(f"i-{n:017x}", "Success", duration=30)
        stub.advance(24 * 3600)
        final = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
        say(f"   Overview {_overview(final)}")
        last_success = final["LastSuccessfulExecutionDate"]
        say(f"   LastSuccessfulExecutionDate {last_success:%Y-%m-%d %H:%M:%S}")
        say()
        say(f"{len(stub.calls)} boto3 calls answered in-process; no AWS account, no network.")
    say()
    say("Next: write a test of your own with the quickstart, docs/quickstart.md in the source")
    say("(or https://ssm-assoc-stub.readthedocs.io/quickstart/): pip install the package and")
    say("pytest, and the ssm_assoc_stub fixture answers your boto3 SSM client.")
    return 0
