"""SSM documents that associations name, and the checks made against them (pure core).

A ``DocumentRegistry`` starts with the built-in catalogue of AWS-owned documents
(``_catalogue``) and takes the test author's own through ``add``.  The backend
resolves ``Name`` with ``get``, the version with ``Document.version`` and checks
``Parameters`` with ``check_parameters``.

Decisions where AWS is silent (the stub's choice, see docs/behaviour):

* ``InvalidDocument``: ``Document <name> does not exist.`` (the name as sent).
* ``InvalidDocumentVersion``: ``Version "<v>" of document <name> does not exist.``;
  any selector that is not ``$DEFAULT``, ``$LATEST`` or an existing number.
* Unknown parameter: ``Parameter "<p>" is not defined in document <name>.``
* Missing required parameter: AWS's own ``Parameter "<p>" requires a value.``
  (aws-cli#6878).  No value, an empty list or only empty strings count as missing.
* Value outside ``allowedValues``: AWS's Automation wording
  ``Parameter "<p>" has value "<v>" not found in [A, B].``
* Checks run in that order (unknown, required, allowed); the first problem wins.
* ``{{ssm:name}}`` values are Parameter Store references: accepted unchecked.
* An ARN (``arn:<partition>:ssm:<region>:<account>:document/<name>``, the
  account may be empty for AWS-owned documents) resolves to its name part.
* Built-in documents cannot be replaced with ``add``; anything else can.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Protocol

import attrs

from .catalogue import CATALOGUE, Entry
from .errors import (
    InvalidDocument,
    InvalidDocumentVersion,
    InvalidParameters,
    UnsupportedPlatformType,
)

__all__ = [
    "DEFAULT_ACCOUNT",
    "DOCUMENT_TYPES",
    "PARAMETER_TYPES",
    "PLATFORMS",
    "SCHEMA_VERSIONS",
    "Document",
    "DocumentRegistry",
    "DocumentSource",
    "DocumentVersion",
    "ParameterSpec",
    "check_instance_id_association",
    "check_parameters",
    "check_platform",
    "external_document",
    "parse_parameters",
    "platforms_of",
]

PARAMETER_TYPES = ("String", "StringList", "Boolean", "Integer", "MapList", "StringMap")
DOCUMENT_TYPES = ("Command", "Automation", "Policy")
SCHEMA_VERSIONS = ("1.2", "2.0", "2.2", "0.3")
PLATFORMS = ("Linux", "Windows", "MacOS")
DEFAULT_ACCOUNT = "123456789012"  # owner of added documents when ``owner`` isn't given
_VERSIONS_HELP = "versions must be a count or a list of parameter sections (one per version)"

_NAME = re.compile(r"^[a-zA-Z0-9_\-.]{3,128}$")
_ARN = re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]*:(?:\d{12})?:document/(?P<name>[^/]+)$")
_SSM_REFERENCE = re.compile(r"^\{\{\s*ssm:[^{}]+\}\}$")
_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "String": (str,),
    "StringList": (list, tuple),
    "Boolean": (bool,),
    "Integer": (int,),
    "MapList": (list, tuple),
    "StringMap": (dict, Mapping),
}


def _frozen(value: object) -> object:
    """A read-only copy of a JSON value: lists become tuples, objects read-only maps."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): _frozen(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_frozen(item) for item in value)
    return value


@attrs.frozen
class ParameterSpec:
    """One entry of a document's ``parameters`` section."""

    name: str
    type: str
    default: object | None
    has_default: bool
    description: str = ""
    allowed_values: tuple[str, ...] = ()

    @property
    def required(self) -> bool:
        """A parameter without a default must be given a value."""
        return not self.has_default


@attrs.frozen
class DocumentVersion:
    """One version of a document: its parameters (document order) and its JSON."""

    version: str
    parameters: Mapping[str, ParameterSpec]
    content: str


@attrs.frozen
class Document:
    """An SSM document with all its versions."""

    name: str
    """The document's name, e.g. ``"AWS-RunShellScript"``."""
    document_type: str
    """``Command``, ``Automation``, ``Policy``, ..."""
    schema_version: str
    """The content's schema version, e.g. ``"2.2"``."""
    platforms: tuple[str, ...]
    """The platform types it runs on (``Linux``, ``Windows``, ``MacOS``)."""
    versions: tuple[DocumentVersion, ...]
    """Every version, oldest first."""
    default_version: str = "1"
    """The version ``$DEFAULT`` (and no version) selects."""
    owner: str = "Amazon"
    """``Amazon`` for the built-in documents; the account id (or ``owner=``) for yours."""

    def version(self, selector: str | None) -> DocumentVersion:
        """``None``/``$DEFAULT`` → default, ``$LATEST`` → latest, ``"N"`` → version N."""
        wanted = self.default_version if selector in (None, "$DEFAULT") else selector
        if wanted == "$LATEST":
            return self.versions[-1]
        for candidate in self.versions:
            if candidate.version == wanted:
                return candidate
        raise InvalidDocumentVersion(
            f'Version "{selector}" of document {self.name} does not exist.'
        )


def parse_parameters(
    section: Mapping[str, Mapping[str, object]] | None, *, where: str = "parameters"
) -> dict[str, ParameterSpec]:
    """``ParameterSpec`` objects, in order, from a document's ``parameters`` section.

    Raises ``TypeError`` or ``ValueError`` naming ``where`` and the bad entry.
    """
    if section is None:
        return {}
    if not isinstance(section, Mapping):
        raise TypeError(f"{where} must map parameter names to definitions, got {section!r}")
    return {name: _parse_one(name, spec, f"{where}[{name!r}]") for name, spec in section.items()}


def _parse_one(name: object, definition: object, where: str) -> ParameterSpec:
    if not isinstance(name, str) or not name:
        raise ValueError(f"{where}: a parameter name must be a non-empty string")
    if not isinstance(definition, Mapping):
        example = '{"type": "String", "default": "1"}'
        raise TypeError(f"{where} must be a mapping like {example}, got {definition!r}")
    type_ = definition.get("type")
    if not isinstance(type_, str) or type_ not in PARAMETER_TYPES:
        raise ValueError(f"{where}: type {type_!r} is not one of {', '.join(PARAMETER_TYPES)}")
    has_default = "default" in definition
    default = definition.get("default")
    integer_bool = type_ == "Integer" and isinstance(default, bool)
    if has_default and (integer_bool or not isinstance(default, _DEFAULT_TYPES[type_])):
        raise ValueError(f"{where}: default {default!r} is not a {type_} value")
    description = definition.get("description", "")
    if not isinstance(description, str):
        raise ValueError(f"{where}: description must be a string, got {description!r}")
    allowed = definition.get("allowedValues", [])
    if not isinstance(allowed, list | tuple) or not all(isinstance(v, str) for v in allowed):
        raise ValueError(f"{where}: allowedValues must be a list of strings, got {allowed!r}")
    frozen_default = _frozen(default) if has_default else None
    return ParameterSpec(name, type_, frozen_default, has_default, description, tuple(allowed))


def _lenient_one(name: str, definition: object) -> ParameterSpec:
    """A parameter of a document made elsewhere (moto): whatever its types, keep what
    the checks need (is there a default, the allowed values)."""
    try:
        return _parse_one(name, definition, name)
    except (TypeError, ValueError):
        pass
    if not isinstance(definition, Mapping):
        return ParameterSpec(name, "String", None, False)
    allowed = definition.get("allowedValues", [])
    allowed_values = tuple(str(v) for v in allowed) if isinstance(allowed, list | tuple) else ()
    has_default = "default" in definition
    default = _frozen(definition.get("default")) if has_default else None
    return ParameterSpec(
        name, str(definition.get("type", "String")), default, has_default, "", allowed_values
    )


_PLUGIN_PLATFORMS = {
    "aws:runShellScript": ("Linux", "MacOS"),
    "aws:runPowerShellScript": ("Windows",),
}


def platforms_of(document: object) -> tuple[str, ...]:
    """The platform types AWS derives from a document's plugins: shell scripts run on
    Linux and macOS, PowerShell on Windows, anything else everywhere."""
    if not isinstance(document, Mapping):
        return PLATFORMS
    plugins: list[str] = []
    steps = document.get("mainSteps")
    if isinstance(steps, list):
        plugins += [str(step.get("action")) for step in steps if isinstance(step, Mapping)]
    runtime = document.get("runtimeConfig")
    if isinstance(runtime, Mapping):
        plugins += [str(name) for name in runtime]
    found: set[str] = set()
    for plugin in plugins:
        found.update(_PLUGIN_PLATFORMS.get(plugin, PLATFORMS))
    return tuple(p for p in PLATFORMS if p in found) or PLATFORMS


def external_document(
    *,
    name: str,
    document_type: str,
    schema_version: str,
    platforms: Sequence[str],
    versions: Sequence[tuple[str, object, str]],
    default_version: str,
    owner: str,
) -> Document:
    """A document read from outside the stub (moto): ``versions`` holds, per version
    in order, its number, its parsed content (None if unreadable) and the content.

    ``platforms`` as reported are used when they are platform types; otherwise (moto
    reports none) they are derived from the default version's plugins.
    """
    built = []
    parsed_by_number: dict[str, object] = {}
    for number, parsed, content in versions:
        section = parsed.get("parameters") if isinstance(parsed, Mapping) else None
        items = section.items() if isinstance(section, Mapping) else ()
        specs = {str(key): _lenient_one(str(key), value) for key, value in items}
        built.append(DocumentVersion(number, MappingProxyType(specs), content))
        parsed_by_number[number] = parsed
    known = [v.version for v in built]
    default = default_version if default_version in known else (known[0] if known else "1")
    reported = tuple(p for p in PLATFORMS if p in platforms)
    return Document(
        name,
        document_type,
        schema_version,
        reported or platforms_of(parsed_by_number.get(default)),
        tuple(built),
        default,
        owner,
    )


def _json_copy(value: object, where: str) -> object:
    try:
        copied: object = json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where} is not JSON-serialisable: {exc}") from None
    return copied


def _content(
    schema_version: str,
    description: str,
    parameters: Mapping[str, object],
    body: Mapping[str, object],
) -> str:
    document: dict[str, object] = {"schemaVersion": schema_version, "description": description}
    document["parameters"] = parameters
    document.update(body)
    return json.dumps(document, indent=4) + "\n"


def _generated_body(
    schema_version: str, platforms: Sequence[str], names: Sequence[str]
) -> dict[str, object]:
    """A plausible body for a test author's document: echo each parameter."""
    if schema_version == "0.3":
        return {
            "mainSteps": [{"name": "sleep", "action": "aws:sleep", "inputs": {"Duration": "PT1S"}}]
        }
    shell = "Linux" in platforms or "MacOS" in platforms
    plugin = "aws:runShellScript" if shell else "aws:runPowerShellScript"
    commands = [f"echo {name}={{{{ {name} }}}}" for name in names] or ["echo ok"]
    if schema_version == "1.2":
        step = {"id": f"0.{plugin}", "runCommand": commands}
        return {"runtimeConfig": {plugin: {"properties": [step]}}}
    return {
        "mainSteps": [{"action": plugin, "name": plugin[4:], "inputs": {"runCommand": commands}}]
    }


def _from_entry(entry: Entry) -> Document:
    content = entry["content"]
    if content is None:  # generate it; verbatim content carries its own parameters
        parameters = _json_copy(entry["parameters"], entry["name"])
        assert isinstance(parameters, dict)
        content = _content(entry["schema_version"], entry["description"], parameters, entry["body"])
    parameters = json.loads(content)["parameters"]
    version = DocumentVersion("1", MappingProxyType(parse_parameters(parameters)), content)
    kind, schema = entry["document_type"], entry["schema_version"]
    return Document(entry["name"], kind, schema, entry["platforms"], (version,))


@functools.cache
def _builtin_documents() -> Mapping[str, Document]:
    """The catalogue, built once per process; the objects are immutable and shared."""
    return MappingProxyType({entry["name"]: _from_entry(entry) for entry in CATALOGUE})


def _hint(name: str) -> str:
    """Where an unknown custom document could come from (issue 9); AWS's text stays first."""
    if name.startswith(("AWS-", "AWSEC2-", "AWSSupport-", "AmazonCloudWatch-")):
        return ""
    return (
        f' (ssm_assoc_stub: register it with stub.add_document("{name}", ...) on the '
        "ssm_assoc_stub.AssociationStub (in a test with the fixture: "
        f'ssm_assoc_stub.add_document("{name}", ...)), or create it in moto with '
        "ssm.create_document(...) inside mock_aws.)"
    )


def _choice(value: object, allowed: Sequence[str], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(allowed)}")


class DocumentSource(Protocol):
    """Documents held elsewhere (``sources.ExternalSource`` is one)."""

    def document(self, name: str) -> Document | None:
        """The document called ``name``, or None."""


class DocumentRegistry:
    """The documents one stub knows: the built-in catalogue plus the test author's."""

    def __init__(self) -> None:
        self._documents: dict[str, Document] = dict(_builtin_documents())
        # The rest of AWS (moto), asked for a name the stub does not know; set per call.
        self.source: DocumentSource | None = None

    def names(self) -> tuple[str, ...]:
        """Every document name, sorted."""
        return tuple(sorted(self._documents))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._resolve(name) in self._documents

    @staticmethod
    def _resolve(name: str) -> str:
        match = _ARN.match(name)
        return match.group("name") if match else name

    def canonical_name(self, name: str) -> str:
        """The document's name whether ``name`` is the name or a document ARN."""
        return self._resolve(name)

    def get(self, name: str) -> Document:
        """The document called ``name`` (or named by a document ARN); else ``InvalidDocument``."""
        resolved = self._resolve(name)
        document = self._documents.get(resolved)
        if document is None and self.source is not None:
            document = self.source.document(resolved)
        if document is None:
            raise InvalidDocument(f"Document {name} does not exist.{_hint(resolved)}")
        return document

    def add(
        self,
        name: str,
        *,
        parameters: Mapping[str, Mapping[str, object]] | None = None,
        versions: int | Sequence[Mapping[str, Mapping[str, object]]] | None = None,
        document_type: str = "Command",
        schema_version: str = "2.2",
        platforms: Sequence[str] = PLATFORMS,
        default_version: str | None = None,
        description: str = "",
        owner: str | None = None,
    ) -> Document:
        """Register (or replace) a document and return it.

        ``parameters`` is a document's ``parameters`` section; an entry without
        ``"default"`` is required.  ``versions`` is a count of versions sharing
        ``parameters``, or one ``parameters`` section per version.  Bad input
        raises ``TypeError``/``ValueError``: this is the test author's API.
        """
        if not isinstance(name, str) or not _NAME.match(name):
            raise ValueError(
                f"document name {name!r} must be 3-128 characters of a-z, A-Z, 0-9, _, - and ."
            )
        if name in _builtin_documents():
            raise ValueError(
                f"{name} is a built-in AWS document and cannot be replaced; "
                "add your own document under another name"
            )
        _choice(document_type, DOCUMENT_TYPES, "document_type")
        _choice(schema_version, SCHEMA_VERSIONS, "schema_version")
        if (document_type == "Automation") != (schema_version == "0.3"):
            raise ValueError(
                f"document_type {document_type!r} does not go with schema_version "
                f"{schema_version!r}: Automation runbooks use 0.3, other documents 1.2/2.0/2.2"
            )
        if isinstance(platforms, str) or not isinstance(platforms, Sequence) or not platforms:
            raise TypeError(f"platforms must be a non-empty list of {PLATFORMS}, got {platforms!r}")
        for platform in platforms:
            _choice(platform, PLATFORMS, "platform")
        sections = self._version_sections(parameters, versions)
        texts = description or f"Test document {name} registered with ssm_assoc_stub."
        built: list[DocumentVersion] = []
        for number, section in enumerate(sections, start=1):
            where = f"{name} version {number} parameters"
            specs = parse_parameters(section, where=where)
            raw = _json_copy(dict(section or {}), where)
            assert isinstance(raw, dict)
            body = _generated_body(schema_version, platforms, list(specs))
            content = _content(schema_version, texts, raw, body)
            built.append(DocumentVersion(str(number), MappingProxyType(specs), content))
        default_version = "1" if default_version is None else default_version
        _choice(default_version, [v.version for v in built], "default_version")
        if owner is None:
            reserved = name.lower().startswith(("aws", "amazon", "amzn"))
            owner = "Amazon" if reserved else DEFAULT_ACCOUNT
        document = Document(
            name,
            document_type,
            schema_version,
            tuple(platforms),
            tuple(built),
            default_version,
            owner,
        )
        self._documents[name] = document
        return document

    @staticmethod
    def _version_sections(
        parameters: Mapping[str, Mapping[str, object]] | None,
        versions: int | Sequence[Mapping[str, Mapping[str, object]]] | None,
    ) -> list[Mapping[str, Mapping[str, object]] | None]:
        if versions is None:
            return [parameters]
        if isinstance(versions, bool):
            raise TypeError(f"{_VERSIONS_HELP}, got {versions!r}")
        if isinstance(versions, int):
            if versions < 1:
                raise ValueError(f"versions must be at least 1, got {versions}")
            return [parameters] * versions
        if parameters is not None:
            raise ValueError(
                "pass either parameters (shared by every version) or a list of "
                "per-version parameter sections in versions, not both"
            )
        if isinstance(versions, str | Mapping) or not isinstance(versions, Sequence):
            raise TypeError(f"{_VERSIONS_HELP}, got {versions!r}")
        if not versions:
            raise ValueError("versions must list at least one parameter section")
        return list(versions)


def check_parameters(
    document: Document,
    version: DocumentVersion,
    parameters: Mapping[str, Sequence[str]] | None,
    *,
    automation_target_parameter_name: str | None = None,
) -> None:
    """Raise ``InvalidParameters`` unless ``parameters`` suit ``version`` of ``document``.

    ``automation_target_parameter_name`` names a parameter that State Manager
    fills from the targets, so it counts as given.
    """
    given = dict(parameters or {})
    defined = version.parameters
    for name in [*given, *filter(None, [automation_target_parameter_name])]:
        if name not in defined:
            raise InvalidParameters(
                f'Parameter "{name}" is not defined in document {document.name}.'
            )
    for spec in defined.values():
        if spec.name == automation_target_parameter_name or not spec.required:
            continue
        if not any(value != "" for value in given.get(spec.name, ())):
            raise InvalidParameters(f'Parameter "{spec.name}" requires a value.')
    for name, values in given.items():
        allowed = defined[name].allowed_values
        for value in values:
            if allowed and value not in allowed and not _SSM_REFERENCE.match(value):
                raise InvalidParameters(  # Parameters is sensitive: the value is not shown
                    f'Parameter "{name}" has a value not found in [{", ".join(allowed)}].'
                )


def check_platform(document: Document, instance_id: str, platform_type: str) -> None:
    """``UnsupportedPlatformType`` when a Command/Policy document can't run on the node.

    Automation runbooks run in the service, not on nodes, so they always pass.
    The message is AWS's (aws-sdk-java#1209).
    """
    if document.document_type == "Automation" or platform_type in document.platforms:
        return
    raise UnsupportedPlatformType(
        f"Cannot perform operation for instance id {instance_id} of platform type {platform_type}"
    )


def check_instance_id_association(document: Document) -> None:
    """``InvalidDocument`` for a legacy ``InstanceId`` association with a schema ≥2.0 document.

    Only schema 1.2 documents may be associated by ``InstanceId``; the message is
    AWS's (aws-cli#6878).
    """
    if document.schema_version != "1.2":
        raise InvalidDocument(
            f"Document schema version, {document.schema_version}, is not supported by "
            "association that is created with instance id"
        )
