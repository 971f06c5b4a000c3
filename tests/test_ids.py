"""Reproducible ids: ``seed=`` makes every id the same on every run, well-formed, unique."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub
from ssm_assoc_stub._service.ids import IdSource

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
REGION = "eu-west-1"
NODE = "i-0123456789abcdef0"


def scenario(**options: Any) -> dict[str, list[str]]:
    """Every id one small test sees: associations, executions, RequestIds (also of errors)."""
    ids: dict[str, list[str]] = {"association": [], "execution": [], "request": []}
    with AssociationStub(**options) as stub:
        ssm = boto3.client("ssm", region_name=REGION)
        stub.add_instance(NODE)
        for _ in range(2):
            created = ssm.create_association(
                Name="AWS-UpdateSSMAgent", Targets=[{"Key": "InstanceIds", "Values": [NODE]}]
            )
            association_id = created["AssociationDescription"]["AssociationId"]
            ids["association"].append(association_id)
            ssm.start_associations_once(AssociationIds=[association_id])
            executions = ssm.describe_association_executions(AssociationId=association_id)
            ids["execution"].extend(e["ExecutionId"] for e in executions["AssociationExecutions"])
        with pytest.raises(ssm.exceptions.AssociationDoesNotExist) as failed:
            ssm.describe_association(AssociationId="00000000-0000-4000-8000-000000000000")
        ids["request"] = [
            call.response["ResponseMetadata"]["RequestId"]
            for call in stub.calls
            if call.response is not None
        ]
        ids["request"].append(failed.value.response["ResponseMetadata"]["RequestId"])
        metadata = failed.value.response["ResponseMetadata"]
        assert metadata["HTTPHeaders"]["x-amzn-requestid"] == ids["request"][-1]
    return ids


def test_a_seed_repeats_every_id_and_keeps_them_well_formed_and_unique() -> None:
    first, second = scenario(seed=7), scenario(seed=7)
    assert first == second
    every = [made for kind in first.values() for made in kind]
    assert len(first["association"]) == 2 and len(first["execution"]) == 4
    assert len(first["request"]) == 7  # 6 answered calls and the error
    assert all(UUID4.fullmatch(made) for made in every), every
    assert len(set(every)) == len(every)


def test_other_seeds_and_no_seed_give_other_ids() -> None:
    seeded = scenario(seed=7)
    assert scenario(seed=8)["association"] != seeded["association"]
    assert scenario(seed="7")["association"] == seeded["association"]  # "7" and 7 alike
    unseeded = scenario(), scenario()
    assert unseeded[0]["association"] != unseeded[1]["association"]
    assert all(UUID4.fullmatch(made) for made in unseeded[0]["association"])


def test_seeded_ids_are_the_same_in_another_process() -> None:
    """Not hash randomisation, not import order: only the seed and the call order count."""
    script = (
        "from ssm_assoc_stub._service.ids import IdSource\n"
        "ids = IdSource('x')\n"
        "print(ids.new('association'), ids.request_id(), ids.command_id())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={"PYTHONHASHSEED": hash_seed, "PATH": "/usr/bin:/bin"},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for hash_seed in ("1", "2")
    }
    here = IdSource("x")
    assert outputs == {f"{here.new('association')} {here.request_id()} {here.command_id()}\n"}


def test_each_kind_has_its_own_stream() -> None:
    """An extra call (a RequestId) does not shift the association ids."""
    quiet, busy = IdSource(3), IdSource(3)
    for _ in range(5):
        busy.request_id()
    assert [quiet.new("association") for _ in range(3)] == [
        busy.new("association") for _ in range(3)
    ]


def test_a_repeat_is_drawn_again(monkeypatch: pytest.MonkeyPatch) -> None:
    ids = IdSource(1)
    draws = iter([5, 5, 6])
    stream = ids._streams.setdefault("command", __import__("random").Random())
    monkeypatch.setattr(stream, "getrandbits", lambda bits: next(draws))
    assert ids.command_id() != ids.command_id()


@pytest.mark.parametrize("seed", [True, 1.5, b"x", ["x"]])
def test_a_seed_is_an_int_or_a_str(seed: Any) -> None:
    with pytest.raises(TypeError, match="seed must be an int, a str or None"):
        AssociationStub(seed=seed)
