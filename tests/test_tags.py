"""Tags on associations: AddTagsToResource, RemoveTagsFromResource, ListTagsForResource.

Decisions pinned here: D-TAG-1 (50 per association), D-TAG-2 (``aws:`` reserved),
D-TAG-3 (too many at create), D-TAG-4 (order, absent keys), D-TAG-5 (unknown IDs).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from ssm_assoc_stub import AssociationStub, UnsupportedOperationError

from .helpers import declared_errors, error_code, output_problems

WEB = [{"Key": "InstanceIds", "Values": ["i-0123456789abcdef0"]}]


@pytest.fixture
def stub() -> Iterator[AssociationStub]:
    with AssociationStub() as active:
        yield active


@pytest.fixture
def ssm(stub: AssociationStub) -> Any:
    return boto3.client("ssm", region_name="eu-west-1")


def create(ssm: Any, tags: list[dict[str, str]] | None = None) -> str:
    extra = {"Tags": tags} if tags is not None else {}
    answer = ssm.create_association(Name="AWS-UpdateSSMAgent", Targets=WEB, **extra)
    return str(answer["AssociationDescription"]["AssociationId"])


def tags_of(ssm: Any, association_id: str) -> list[tuple[str, str]]:
    answer = ssm.list_tags_for_resource(ResourceType="Association", ResourceId=association_id)
    assert output_problems("ListTagsForResource", answer) == ""
    return [(t["Key"], t["Value"]) for t in answer["TagList"]]


def test_the_tags_given_at_create_are_listed_in_their_order(ssm: Any) -> None:  # D-TAG-4
    aid = create(ssm, [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
    assert tags_of(ssm, aid) == [("team", "ops"), ("env", "dev")]
    assert tags_of(ssm, create(ssm)) == []


def test_add_overwrites_in_place_and_appends_new_keys(ssm: Any) -> None:  # D-TAG-4
    aid = create(ssm, [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
    answer = ssm.add_tags_to_resource(
        ResourceType="Association",
        ResourceId=aid,
        Tags=[{"Key": "team", "Value": "sre"}, {"Key": "cost", "Value": ""}],
    )
    assert output_problems("AddTagsToResource", answer) == ""
    assert tags_of(ssm, aid) == [("team", "sre"), ("env", "dev"), ("cost", "")]


def test_remove_drops_the_keys_and_ignores_absent_ones(ssm: Any) -> None:  # D-TAG-4
    aid = create(ssm, [{"Key": "team", "Value": "ops"}, {"Key": "env", "Value": "dev"}])
    answer = ssm.remove_tags_from_resource(
        ResourceType="Association", ResourceId=aid, TagKeys=["team", "never-there"]
    )
    assert output_problems("RemoveTagsFromResource", answer) == ""
    assert tags_of(ssm, aid) == [("env", "dev")]


def test_update_neither_carries_nor_resets_the_tags(ssm: Any) -> None:
    aid = create(ssm, [{"Key": "team", "Value": "ops"}])
    ssm.update_association(AssociationId=aid, Targets=WEB, MaxConcurrency="2")
    assert tags_of(ssm, aid) == [("team", "ops")]
    description = ssm.describe_association(AssociationId=aid)["AssociationDescription"]
    assert "Tags" not in description


def test_fifty_tags_fit_and_the_fifty_first_is_too_many(
    ssm: Any, stub: AssociationStub
) -> None:  # D-TAG-1
    aid = create(ssm, [{"Key": f"k{n}", "Value": "v"} for n in range(49)])
    ssm.add_tags_to_resource(
        ResourceType="Association", ResourceId=aid, Tags=[{"Key": "k49", "Value": "v"}]
    )
    before = stub.backend.state_snapshot()
    with pytest.raises(ssm.exceptions.TooManyTagsError) as info:
        ssm.add_tags_to_resource(
            ResourceType="Association",
            ResourceId=aid,
            Tags=[{"Key": "k0", "Value": "new"}, {"Key": "k50", "Value": "v"}],
        )
    assert "at most 50 tags" in info.value.response["Error"]["Message"]
    assert stub.backend.state_snapshot() == before  # the overwrite of k0 did not happen
    # overwriting at the limit is fine
    ssm.add_tags_to_resource(
        ResourceType="Association", ResourceId=aid, Tags=[{"Key": "k0", "Value": "new"}]
    )
    assert tags_of(ssm, aid)[0] == ("k0", "new")


def test_more_than_fifty_tags_at_create_is_invalid_tag(ssm: Any) -> None:  # D-TAG-3
    with pytest.raises(ssm.exceptions.InvalidTag, match="at most 50 tags"):
        create(ssm, [{"Key": f"k{n}", "Value": "v"} for n in range(51)])
    assert ssm.list_associations()["Associations"] == []


def test_aws_prefixed_keys_are_reserved(ssm: Any) -> None:  # D-TAG-2
    aid = create(ssm)
    with pytest.raises(ssm.exceptions.ClientError) as info:
        ssm.add_tags_to_resource(
            ResourceType="Association", ResourceId=aid, Tags=[{"Key": "AWS:owner", "Value": "x"}]
        )
    assert error_code(info) == "ValidationException"
    assert "reserved" in info.value.response["Error"]["Message"]
    with pytest.raises(ssm.exceptions.InvalidTag):
        create(ssm, [{"Key": "aws:owner", "Value": "x"}])
    assert tags_of(ssm, aid) == []


@pytest.mark.parametrize("operation", ["add", "remove", "list"])
def test_unknown_deleted_or_foreign_ids_are_invalid_resource_id(
    ssm: Any, operation: str
) -> None:  # D-TAG-5
    aid = create(ssm, [{"Key": "team", "Value": "ops"}])
    other = boto3.client("ssm", region_name="us-east-1")
    ssm.delete_association(AssociationId=create(ssm))
    deleted = ssm.list_associations()["Associations"]
    assert [a["AssociationId"] for a in deleted] == [aid]

    def call(client: Any, resource_id: str) -> Any:
        common = {"ResourceType": "Association", "ResourceId": resource_id}
        if operation == "add":
            return client.add_tags_to_resource(**common, Tags=[{"Key": "a", "Value": "b"}])
        if operation == "remove":
            return client.remove_tags_from_resource(**common, TagKeys=["team"])
        return client.list_tags_for_resource(**common)

    for client, resource_id in [
        (ssm, "00000000-0000-4000-8000-000000000000"),
        (ssm, "not-an-id"),
        (other, aid),  # another Region's
    ]:
        with pytest.raises(client.exceptions.InvalidResourceId) as info:
            call(client, resource_id)
        assert error_code(info) in declared_errors(
            {"add": "AddTagsToResource", "remove": "RemoveTagsFromResource"}.get(
                operation, "ListTagsForResource"
            )
        )
    assert tags_of(ssm, aid) == [("team", "ops")]


def test_tags_go_with_the_association(ssm: Any) -> None:  # D-TAG-5
    aid = create(ssm, [{"Key": "team", "Value": "ops"}])
    ssm.delete_association(AssociationId=aid)
    with pytest.raises(ssm.exceptions.InvalidResourceId):
        tags_of(ssm, aid)


def test_the_calls_are_recorded(ssm: Any, stub: AssociationStub) -> None:
    aid = create(ssm)
    ssm.add_tags_to_resource(
        ResourceType="Association", ResourceId=aid, Tags=[{"Key": "a", "Value": "b"}]
    )
    tags_of(ssm, aid)
    assert [c.operation for c in stub.calls] == [
        "CreateAssociation",
        "AddTagsToResource",
        "ListTagsForResource",
    ]
    assert stub.calls_to("ListTagsForResource")[0].response["TagList"] == [
        {"Key": "a", "Value": "b"}
    ]


def test_other_resource_types_are_not_the_stubs_without_moto(ssm: Any) -> None:
    with pytest.raises(UnsupportedOperationError) as info:
        ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/colour")
    assert str(info.value).startswith(
        "ssm_assoc_stub emulates ListTagsForResource for ResourceType Association only. "
        "Nothing else would answer it"
    )
    assert info.value.operation == "ListTagsForResource"


@pytest.mark.parametrize("passthrough", [False, True])
def test_other_resource_types_go_on_to_moto_unchanged(passthrough: bool) -> None:
    moto = pytest.importorskip("moto")
    with moto.mock_aws(), AssociationStub(passthrough=passthrough) as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        ssm.put_parameter(Name="/app/colour", Value="blue", Type="String")  # moto's
        ssm.add_tags_to_resource(
            ResourceType="Parameter",
            ResourceId="/app/colour",
            Tags=[{"Key": "team", "Value": "ops"}],
        )
        listed = ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/colour")
        assert listed["TagList"] == [{"Key": "team", "Value": "ops"}]
        aid = create(ssm, [{"Key": "team", "Value": "web"}])  # the stub's
        assert tags_of(ssm, aid) == [("team", "web")]
    assert [c.operation for c in stub.calls] == ["CreateAssociation", "ListTagsForResource"]
