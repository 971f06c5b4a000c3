"""The document registry, the built-in catalogue and the parameter checks (pure core)."""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import ssm_assoc_stub._service.catalogue as catalogue_module
import ssm_assoc_stub._service.documents as documents_module
from ssm_assoc_stub._service.documents import (
    DEFAULT_ACCOUNT,
    DocumentRegistry,
    check_instance_id_association,
    check_parameters,
    check_platform,
)
from ssm_assoc_stub._service.errors import (
    InvalidDocument,
    InvalidDocumentVersion,
    InvalidParameters,
    UnsupportedPlatformType,
)

GOLDEN = Path(__file__).parent / "golden"
ISSUE_EXAMPLE = {"level": {"type": "String", "default": "1", "description": "..."}}


def golden(name: str) -> dict[str, Any]:
    path = GOLDEN / name
    data: dict[str, Any] = json.loads(path.read_text())
    return data


@pytest.fixture
def registry() -> DocumentRegistry:
    return DocumentRegistry()


def check(registry: DocumentRegistry, name: str, params: Mapping[str, list[str]] | None) -> None:
    document = registry.get(name)
    check_parameters(document, document.version(None), params)


def invalid_parameters(registry: DocumentRegistry, name: str, params: Any) -> str:
    with pytest.raises(InvalidParameters) as exc_info:
        check(registry, name, params)
    return exc_info.value.message


# -- the catalogue ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "document_type", "schema", "platforms"),
    [
        ("AWS-RunShellScript", "Command", "1.2", ("Linux", "MacOS")),
        ("AWS-RunPowerShellScript", "Command", "1.2", ("Windows",)),
        ("AWS-UpdateSSMAgent", "Command", "1.2", ("Windows", "Linux", "MacOS")),
        ("AWS-RunPatchBaseline", "Command", "2.2", ("Windows", "Linux", "MacOS")),
        ("AWS-GatherSoftwareInventory", "Policy", "2.0", ("Windows", "Linux", "MacOS")),
        ("AWS-ConfigureAWSPackage", "Command", "2.2", ("Windows", "Linux", "MacOS")),
        ("AWS-ApplyAnsiblePlaybooks", "Command", "2.2", ("Linux",)),
        ("AWS-RunRemoteScript", "Command", "2.2", ("Windows", "Linux", "MacOS")),
        ("AWS-HelloWorld", "Automation", "0.3", ("Windows", "Linux", "MacOS")),
        ("AWS-StartEC2Instance", "Automation", "0.3", ("Windows", "Linux", "MacOS")),
    ],
)
def test_builtin_document_shape(
    registry: DocumentRegistry, name: str, document_type: str, schema: str, platforms: tuple[str]
) -> None:
    document = registry.get(name)
    assert (document.name, document.document_type) == (name, document_type)
    assert (document.schema_version, document.platforms) == (schema, platforms)
    assert document.owner == "Amazon"
    assert [v.version for v in document.versions] == ["1"]
    assert document.default_version == "1"


@pytest.mark.parametrize("name", DocumentRegistry().names())
def test_builtin_content_is_the_document_json(registry: DocumentRegistry, name: str) -> None:
    document = registry.get(name)
    version = document.version(None)
    content = json.loads(version.content)
    assert content["schemaVersion"] == document.schema_version
    assert list(content["parameters"]) == list(version.parameters)
    for pname, spec in version.parameters.items():
        raw = content["parameters"][pname]
        assert raw["type"] == spec.type
        assert ("default" in raw) == spec.has_default
        assert tuple(raw.get("allowedValues", ())) == spec.allowed_values
    body_key = "runtimeConfig" if document.schema_version == "1.2" else "mainSteps"
    assert content[body_key]
    assert (document.schema_version == "0.3") == (document.document_type == "Automation")


def test_builtins_are_built_once_and_shared() -> None:
    first, second = DocumentRegistry(), DocumentRegistry()
    assert first.get("AWS-RunPatchBaseline") is second.get("AWS-RunPatchBaseline")


def test_update_ssm_agent_content_is_aws_text(registry: DocumentRegistry) -> None:
    expected = golden("describe-effective-instance-associations-ex1.json")
    content = expected["response"]["Associations"][0]["Content"]
    assert registry.get("AWS-UpdateSSMAgent").version("1").content == content


def test_update_ssm_agent_parameters_match_golden(registry: DocumentRegistry) -> None:
    params = golden("list-association-versions-ex1.json")["response"]["AssociationVersions"][0]
    version = registry.get("AWS-UpdateSSMAgent").version(None)
    assert list(version.parameters) == ["version", "allowDowngrade"]
    assert version.parameters["allowDowngrade"].allowed_values == ("true", "false")
    for name, values in params["Parameters"].items():
        assert version.parameters[name].default == values[0]
    check(registry, "AWS-UpdateSSMAgent", params["Parameters"])


def test_golden_inventory_parameters_pass_with_their_real_defaults(
    registry: DocumentRegistry,
) -> None:
    description = golden("describe-association-ex1-by-id.json")["response"]
    params = description["AssociationDescription"]["Parameters"]
    version = registry.get("AWS-GatherSoftwareInventory").version(None)
    assert len(params) == 10
    for name, values in params.items():
        assert version.parameters[name].default == values[0], name
    check(registry, "AWS-GatherSoftwareInventory", params)
    check(registry, "AWS-GatherSoftwareInventory", None)


@pytest.mark.parametrize(
    "name",
    [
        "userguide/create-association-inventory.json",
        "userguide/create-association-tag-targets.json",
        "create-association-ex1-instance-id.json",
    ],
)
def test_golden_create_requests_pass(registry: DocumentRegistry, name: str) -> None:
    request = golden(name)["request"]
    check(registry, request["Name"], request.get("Parameters"))


def test_golden_runbook_target_parameter_counts_as_given(registry: DocumentRegistry) -> None:
    request = golden("userguide/create-association-automation-runbook.json")["request"]
    document = registry.get(request["Name"])
    target = request["AutomationTargetParameterName"]
    check_parameters(
        document,
        document.version(None),
        request["Parameters"],
        automation_target_parameter_name=target,
    )
    with pytest.raises(InvalidParameters, match='^Parameter "InstanceId" requires a value.$'):
        check_parameters(document, document.version(None), request["Parameters"])


def test_patch_baseline_parameters(registry: DocumentRegistry) -> None:
    version = registry.get("AWS-RunPatchBaseline").version(None)
    assert list(version.parameters) == [
        "Operation",
        "SnapshotId",
        "InstallOverrideList",
        "BaselineOverride",
        "RebootOption",
    ]
    assert version.parameters["Operation"].required
    assert version.parameters["Operation"].allowed_values == ("Scan", "Install")
    assert version.parameters["RebootOption"].default == "RebootIfNeeded"
    assert version.parameters["RebootOption"].allowed_values == ("RebootIfNeeded", "NoReboot")
    check(
        registry, "AWS-RunPatchBaseline", {"Operation": ["Install"], "RebootOption": ["NoReboot"]}
    )


@pytest.mark.parametrize(
    ("name", "required"),
    [
        ("AWS-RunShellScript", ["commands"]),
        ("AWS-ConfigureAWSPackage", ["action", "name"]),
        ("AWS-RunRemoteScript", ["sourceType", "sourceInfo", "commandLine"]),
        ("AWS-HelloWorld", []),
        ("AWS-GatherSoftwareInventory", []),
    ],
)
def test_required_parameters(registry: DocumentRegistry, name: str, required: list[str]) -> None:
    version = registry.get(name).version(None)
    assert [p.name for p in version.parameters.values() if p.required] == required


# -- lookups, ARNs, versions -------------------------------------------------------------------


def test_unknown_document(registry: DocumentRegistry) -> None:
    with pytest.raises(InvalidDocument) as exc_info:
        registry.get("AWS-NoSuchDocument")
    assert exc_info.value.message == "Document AWS-NoSuchDocument does not exist."
    assert (exc_info.value.code, exc_info.value.status) == ("InvalidDocument", 404)
    assert "AWS-NoSuchDocument" not in registry


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:ssm:us-east-1::document/AWS-RunShellScript",
        "arn:aws:ssm:us-east-1:123456789012:document/AWS-RunShellScript",
        "arn:aws-cn:ssm:cn-north-1::document/AWS-RunShellScript",
    ],
)
def test_arns_resolve_to_the_name(registry: DocumentRegistry, arn: str) -> None:
    assert registry.get(arn) is registry.get("AWS-RunShellScript")
    assert arn in registry


def test_shared_document_arn(registry: DocumentRegistry) -> None:
    added = registry.add("Shared_Doc")
    assert registry.get("arn:aws:ssm:eu-west-1:210987654321:document/Shared_Doc") is added


def test_unknown_arn_names_what_was_sent(registry: DocumentRegistry) -> None:
    arn = "arn:aws:ssm:us-east-1:123456789012:document/Missing"
    with pytest.raises(InvalidDocument) as info:
        registry.get(arn)
    # AWS's words, then where such a document could come from (issue 9)
    assert info.value.message == (
        f"Document {arn} does not exist. (ssm_assoc_stub: register it with "
        'stub.add_document("Missing", ...) on the ssm_assoc_stub.AssociationStub (in a test '
        'with the fixture: ssm_assoc_stub.add_document("Missing", ...)), or create it in '
        "moto with ssm.create_document(...) inside mock_aws.)"
    )


def test_version_selectors(registry: DocumentRegistry) -> None:
    document = registry.add("Three", versions=3, default_version="2")
    assert document.version(None).version == "2"
    assert document.version("$DEFAULT").version == "2"
    assert document.version("$LATEST").version == "3"
    assert document.version("1").version == "1"


@pytest.mark.parametrize("selector", ["4", "0", "abc", ""])
def test_unknown_version(registry: DocumentRegistry, selector: str) -> None:
    document = registry.add("Three", versions=3)
    with pytest.raises(InvalidDocumentVersion) as exc_info:
        document.version(selector)
    assert exc_info.value.message == f'Version "{selector}" of document Three does not exist.'


def test_names_sorted_and_include_added(registry: DocumentRegistry) -> None:
    registry.add("my-doc")
    names = registry.names()
    assert names == tuple(sorted(names))
    assert {"my-doc", "AWS-RunShellScript", "AWS-HelloWorld"} <= set(names)


# -- check_parameters ----------------------------------------------------------------------------


def test_missing_required_parameter_message(registry: DocumentRegistry) -> None:
    message = invalid_parameters(registry, "AWS-RunShellScript", {})
    assert message == 'Parameter "commands" requires a value.'


@pytest.mark.parametrize("values", [[], [""], ["", ""]])
def test_empty_values_count_as_missing(registry: DocumentRegistry, values: list[str]) -> None:
    message = invalid_parameters(registry, "AWS-RunShellScript", {"commands": values})
    assert message == 'Parameter "commands" requires a value.'


def test_unknown_parameter_message(registry: DocumentRegistry) -> None:
    params = {"commands": ["ls"], "foo": ["1"]}
    message = invalid_parameters(registry, "AWS-RunShellScript", params)
    assert message == 'Parameter "foo" is not defined in document AWS-RunShellScript.'


def test_parameter_names_are_case_sensitive(registry: DocumentRegistry) -> None:
    message = invalid_parameters(registry, "AWS-RunShellScript", {"Commands": ["ls"]})
    assert message == 'Parameter "Commands" is not defined in document AWS-RunShellScript.'


def test_unknown_is_reported_before_missing(registry: DocumentRegistry) -> None:
    message = invalid_parameters(registry, "AWS-ConfigureAWSPackage", {"Action": ["Install"]})
    assert message == 'Parameter "Action" is not defined in document AWS-ConfigureAWSPackage.'


def test_allowed_values_message_does_not_echo_the_sensitive_value(
    registry: DocumentRegistry,
) -> None:
    # Parameters is a sensitive shape: the message names the parameter, never its value.
    message = invalid_parameters(registry, "AWS-RunPatchBaseline", {"Operation": ["Patch"]})
    assert message == 'Parameter "Operation" has a value not found in [Scan, Install].'


def test_parameter_store_references_are_not_checked(registry: DocumentRegistry) -> None:
    check(registry, "AWS-RunPatchBaseline", {"Operation": ["{{ssm:patch-operation}}"]})
    check(registry, "AWS-RunShellScript", {"commands": ["{{ ssm:/my/commands }}"]})


def test_unknown_target_parameter_name(registry: DocumentRegistry) -> None:
    document = registry.get("AWS-StartEC2Instance")
    with pytest.raises(InvalidParameters, match='^Parameter "InstanceIds" is not defined'):
        check_parameters(
            document, document.version(None), {}, automation_target_parameter_name="InstanceIds"
        )


# -- add() -----------------------------------------------------------------------------------------


def test_add_issue_example(registry: DocumentRegistry) -> None:
    document = registry.add("My-Doc", parameters=ISSUE_EXAMPLE)
    assert registry.get("My-Doc") is document
    assert (document.document_type, document.schema_version) == ("Command", "2.2")
    assert document.owner == DEFAULT_ACCOUNT
    spec = document.version(None).parameters["level"]
    assert (spec.type, spec.default, spec.has_default, spec.required) == (
        "String",
        "1",
        True,
        False,
    )
    assert spec.description == "..."
    check_parameters(document, document.version(None), None)
    content = json.loads(document.version(None).content)
    assert content["schemaVersion"] == "2.2"
    assert content["parameters"] == ISSUE_EXAMPLE
    assert content["mainSteps"][0]["action"] == "aws:runShellScript"


def test_add_with_required_parameter(registry: DocumentRegistry) -> None:
    document = registry.add("Needs-Level", parameters={"level": {"type": "String"}})
    version = document.version(None)
    assert version.parameters["level"].required
    assert version.parameters["level"].default is None
    with pytest.raises(InvalidParameters, match='^Parameter "level" requires a value.$'):
        check_parameters(document, version, {})
    check_parameters(document, version, {"level": ["3"]})


def test_versions_as_count_share_parameters(registry: DocumentRegistry) -> None:
    document = registry.add("Counted", parameters=ISSUE_EXAMPLE, versions=3)
    assert [v.version for v in document.versions] == ["1", "2", "3"]
    assert all(list(v.parameters) == ["level"] for v in document.versions)


def test_versions_as_list_differ(registry: DocumentRegistry) -> None:
    second = {"level": {"type": "String"}, "mode": {"type": "String", "default": "fast"}}
    document = registry.add("Listed", versions=[ISSUE_EXAMPLE, second])
    first_version, second_version = document.version("1"), document.version("$LATEST")
    assert list(second_version.parameters) == ["level", "mode"]
    assert json.loads(second_version.content)["parameters"] == second
    with pytest.raises(InvalidParameters, match='"mode" is not defined in document Listed'):
        check_parameters(document, first_version, {"mode": ["slow"]})
    with pytest.raises(InvalidParameters, match='^Parameter "level" requires a value.$'):
        check_parameters(document, second_version, {"mode": ["slow"]})


def test_add_schema_bodies(registry: DocumentRegistry) -> None:
    legacy = registry.add("Legacy-Doc", schema_version="1.2", platforms=["Windows"])
    assert "aws:runPowerShellScript" in json.loads(legacy.versions[0].content)["runtimeConfig"]
    runbook = registry.add("My-Runbook", document_type="Automation", schema_version="0.3")
    content = json.loads(runbook.versions[0].content)
    assert (content["schemaVersion"], content["mainSteps"][0]["action"]) == ("0.3", "aws:sleep")


def test_add_content_is_deterministic() -> None:
    first = DocumentRegistry().add("Same", parameters=ISSUE_EXAMPLE, versions=2)
    second = DocumentRegistry().add("Same", parameters=ISSUE_EXAMPLE, versions=2)
    assert [v.content for v in first.versions] == [v.content for v in second.versions]


def test_defaults_are_frozen(registry: DocumentRegistry) -> None:
    params: dict[str, dict[str, Any]] = {
        "tags": {"type": "StringList", "default": ["a", "b"]},
        "extra": {"type": "StringMap", "default": {"k": "v"}},
    }
    document = registry.add("Frozen", parameters=params)
    specs = document.version(None).parameters
    assert specs["tags"].default == ("a", "b")
    extra = specs["extra"].default
    assert isinstance(extra, Mapping) and dict(extra) == {"k": "v"}
    with pytest.raises(TypeError):
        extra["k"] = "changed"  # type: ignore[index]
    params["tags"]["default"] = ["changed"]
    assert specs["tags"].default == ("a", "b")


def test_replacing_a_user_document_and_independent_registries() -> None:
    first, second = DocumentRegistry(), DocumentRegistry()
    first.add("Mine", parameters=ISSUE_EXAMPLE)
    replaced = first.add("Mine", versions=2)
    assert first.get("Mine") is replaced
    assert "Mine" not in second


def test_owner(registry: DocumentRegistry) -> None:
    assert registry.add("AWS-ConfigureDocker").owner == "Amazon"
    assert registry.add("Team-Doc", owner="210987654321").owner == "210987654321"


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"parameters": ["level"]}, TypeError, "must map parameter names"),
        ({"parameters": {"level": "String"}}, TypeError, "must be a mapping like"),
        ({"parameters": {"level": {"type": "Str"}}}, ValueError, "not one of String, StringList"),
        ({"parameters": {"level": {}}}, ValueError, "type None is not one of"),
        ({"parameters": {"n": {"type": "Integer", "default": "1"}}}, ValueError, "Integer value"),
        ({"parameters": {"n": {"type": "Integer", "default": True}}}, ValueError, "Integer value"),
        ({"parameters": {"s": {"type": "String", "allowedValues": "ab"}}}, ValueError, "list of"),
        ({"parameters": {"m": {"type": "StringMap", "default": {"k": {1}}}}}, ValueError, "JSON"),
        ({"versions": 0}, ValueError, "at least 1"),
        ({"versions": True}, TypeError, "count or a list"),
        ({"versions": []}, ValueError, "at least one"),
        ({"versions": [ISSUE_EXAMPLE], "parameters": ISSUE_EXAMPLE}, ValueError, "not both"),
        ({"versions": 2, "default_version": "3"}, ValueError, "default_version '3'"),
        ({"document_type": "Session"}, ValueError, "Command, Automation, Policy"),
        ({"schema_version": "3.0"}, ValueError, "schema_version '3.0'"),
        ({"document_type": "Automation"}, ValueError, "Automation runbooks use 0.3"),
        ({"platforms": "Linux"}, TypeError, "non-empty list"),
        ({"platforms": ["Solaris"]}, ValueError, "platform 'Solaris'"),
    ],
)
def test_bad_add_input(
    registry: DocumentRegistry, kwargs: dict[str, Any], error: type[Exception], fragment: str
) -> None:
    with pytest.raises(error) as exc_info:
        registry.add("Bad-Doc", **kwargs)
    assert fragment in str(exc_info.value)
    assert "Bad-Doc" not in registry


@pytest.mark.parametrize("name", ["ab", "has space", "a/b", "x" * 129])
def test_bad_document_name(registry: DocumentRegistry, name: str) -> None:
    with pytest.raises(ValueError, match="must be 3-128 characters"):
        registry.add(name)


def test_builtin_documents_cannot_be_replaced(registry: DocumentRegistry) -> None:
    with pytest.raises(ValueError, match="AWS-RunShellScript is a built-in AWS document"):
        registry.add("AWS-RunShellScript", parameters=ISSUE_EXAMPLE)
    assert registry.get("AWS-RunShellScript").version(None).parameters["commands"].required


# -- platform and legacy InstanceId checks ----------------------------------------------------


def test_platform_mismatch(registry: DocumentRegistry) -> None:
    document = registry.get("AWS-RunPowerShellScript")
    check_platform(document, "i-1", "Windows")
    with pytest.raises(UnsupportedPlatformType) as exc_info:
        check_platform(document, "i-0123456789abcdef0", "Linux")
    expected = "Cannot perform operation for instance id i-0123456789abcdef0 of platform type Linux"
    assert exc_info.value.message == expected
    check_platform(registry.get("AWS-HelloWorld"), "i-1", "Solaris")


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("AWS-HelloWorld", "0.3"),
        ("AWS-RunPatchBaseline", "2.2"),
        ("AWS-GatherSoftwareInventory", "2.0"),
    ],
)
def test_instance_id_association_needs_schema_1_2(
    registry: DocumentRegistry, name: str, schema: str
) -> None:
    check_instance_id_association(registry.get("AWS-UpdateSSMAgent"))
    with pytest.raises(InvalidDocument) as exc_info:
        check_instance_id_association(registry.get(name))
    assert exc_info.value.message == (
        f"Document schema version, {schema}, is not supported by association that is created "
        "with instance id"
    )


def test_modules_stay_pure() -> None:
    for module in (documents_module, catalogue_module):
        assert module.__file__ is not None
        tree = ast.parse(Path(module.__file__).read_text())
        imported = {
            alias.name.split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            (node.module or "").split(".")[0]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom)
        }
        assert not imported & {"botocore", "boto3"}, module.__name__
