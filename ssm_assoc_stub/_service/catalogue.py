"""The built-in catalogue of AWS-owned SSM documents (pure core, data only).

Each entry is written the way the document itself is: a ``parameters`` section
(``type``, ``description``, ``default``, ``allowedValues``) and the body that
follows it (``runtimeConfig`` for schema 1.2, ``mainSteps`` otherwise).
``_documents`` turns the entries into ``Document`` objects once per process.

Parameter names, types, defaults and allowed values are AWS's; descriptions are
short paraphrases and the steps are plausible stand-ins, not AWS's text.  The
one exception is AWS-UpdateSSMAgent, whose content is AWS's own, byte for byte,
as printed by DescribeEffectiveInstanceAssociations (golden
``describe-effective-instance-associations-ex1.json``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypedDict

__all__ = ["CATALOGUE", "Entry"]


class Entry(TypedDict):
    """One built-in document; ``content`` is verbatim JSON, or None to generate it.

    With verbatim ``content``, ``parameters`` and ``body`` are unused: the
    parameters are read from the content.
    """

    name: str
    document_type: str
    schema_version: str
    platforms: tuple[str, ...]
    description: str
    parameters: dict[str, dict[str, object]]
    body: dict[str, object]
    content: str | None


_ALL = ("Windows", "Linux", "MacOS")
_ENABLED = ("Enabled", "Disabled")
_TRUE_FALSE = ("True", "False")
_NO_DEFAULT = object()


def _p(
    type_: str, description: str, default: object = _NO_DEFAULT, allowed: tuple[str, ...] = ()
) -> dict[str, object]:
    """A parameter definition in document form; no ``default`` means required."""
    spec: dict[str, object] = {"type": type_, "description": description}
    if default is not _NO_DEFAULT:
        spec["default"] = default
    if allowed:
        spec["allowedValues"] = list(allowed)
    return spec


def _s(description: str, default: object = _NO_DEFAULT, *allowed: str) -> dict[str, object]:
    """A ``String`` parameter."""
    return _p("String", description, default, allowed)


def _inventory(what: str) -> dict[str, object]:
    return _s(f"(Optional) Collect data for {what}.", "Enabled", *_ENABLED)


def _refs(*names: str) -> dict[str, object]:
    """Step inputs that pass each parameter through: ``{"x": "{{ x }}"}``."""
    return {name: f"{{{{ {name} }}}}" for name in names}


def _step(
    action: str, name: str, inputs: Mapping[str, object], platform: str | None = None
) -> dict[str, object]:
    step: dict[str, object] = {"action": action, "name": name, "inputs": dict(inputs)}
    if platform is not None:
        step = {"precondition": {"StringEquals": ["platformType", platform]}, **step}
    return step


def _steps(*steps: dict[str, object], role: bool = False) -> dict[str, object]:
    """A ``mainSteps`` body; ``role`` adds an Automation ``assumeRole``."""
    body: dict[str, object] = {"assumeRole": "{{ AutomationAssumeRole }}"} if role else {}
    body["mainSteps"] = list(steps)
    return body


def _entry(
    name: str,
    kind: str,
    schema: str,
    platforms: tuple[str, ...],
    description: str,
    parameters: dict[str, dict[str, object]],
    body: dict[str, object],
    content: str | None = None,
) -> Entry:
    return {
        "name": name,
        "document_type": kind,
        "schema_version": schema,
        "platforms": platforms,
        "description": description,
        "parameters": parameters,
        "body": body,
        "content": content,
    }


def _script_document(name: str, platforms: tuple[str, ...], shell: str, plugin: str) -> Entry:
    """AWS-RunShellScript and AWS-RunPowerShellScript: schema 1.2, same parameters."""
    properties = {"id": f"0.{plugin}", "runCommand": "{{ commands }}"}
    properties |= {"workingDirectory": "{{ workingDirectory }}"}
    properties |= {"timeoutSeconds": "{{ executionTimeout }}"}
    parameters = {
        "commands": _p("StringList", f"(Required) The {shell} commands or script to run."),
        "workingDirectory": _s("(Optional) The directory to run the commands in.", ""),
        "executionTimeout": _s("(Optional) Seconds before the command counts as failed.", "3600"),
    }
    body: dict[str, object] = {"runtimeConfig": {plugin: {"properties": [properties]}}}
    return _entry(name, "Command", "1.2", platforms, f"Run a {shell} script.", parameters, body)


_ROLE = {"AutomationAssumeRole": _s("(Optional) The role Automation assumes.", "")}
_PATCH_COMMAND = {"runCommand": ["# patch-baseline-operations {{ Operation }}"]}

_UPDATE_SSM_AGENT_CONTENT = """\
{
    "schemaVersion": "1.2",
    "description": "Update the Amazon SSM Agent to the latest version or specified version.",
    "parameters": {
        "version": {
            "default": "",
            "description": "(Optional) A specific version of the Amazon SSM Agent to install. \
If not specified, the agent will be updated to the latest version.",
            "type": "String"
        },
        "allowDowngrade": {
            "default": "false",
            "description": "(Optional) Allow the Amazon SSM Agent service to be downgraded to \
an earlier version. If set to false, the service can be upgraded to newer versions only \
(default). If set to true, specify the earlier version.",
            "type": "String",
            "allowedValues": [
                "true",
                "false"
            ]
        }
    },
    "runtimeConfig": {
        "aws:updateSsmAgent": {
            "properties": [
                {
                "agentName": "amazon-ssm-agent",
                "source": "https://s3.{Region}.amazonaws.com/amazon-ssm-{Region}/\
ssm-agent-manifest.json",
                "allowDowngrade": "{{ allowDowngrade }}",
                "targetVersion": "{{ version }}"
                }
            ]
        }
    }
}
"""

_INVENTORY_ITEMS = (
    "applications",
    "awsComponents",
    "files",
    "networkConfig",
    "billingInfo",
    "windowsUpdates",
    "instanceDetailedInformation",
    "services",
    "windowsRegistry",
    "windowsRoles",
    "customInventory",
)

CATALOGUE: tuple[Entry, ...] = (
    _script_document("AWS-RunShellScript", ("Linux", "MacOS"), "shell", "aws:runShellScript"),
    _script_document(
        "AWS-RunPowerShellScript", ("Windows",), "PowerShell", "aws:runPowerShellScript"
    ),
    _entry(
        "AWS-UpdateSSMAgent",
        "Command",
        "1.2",
        _ALL,
        "Update the Amazon SSM Agent to the latest version or specified version.",
        {},  # verbatim content: its parameters are version and allowDowngrade
        {},
        _UPDATE_SSM_AGENT_CONTENT,
    ),
    _entry(
        "AWS-RunPatchBaseline",
        "Command",
        "2.2",
        _ALL,
        "Scan for or install patches from a patch baseline.",
        {
            "Operation": _s(
                "(Required) Scan for, or install, missing patches.", _NO_DEFAULT, "Scan", "Install"
            ),
            "SnapshotId": _s("(Optional) GUID of the patch baseline snapshot.", ""),
            "InstallOverrideList": _s("(Optional) https/s3 URL of a YAML list of patches.", ""),
            "BaselineOverride": _s("(Optional) https/s3 URL of a JSON baseline override.", ""),
            "RebootOption": _s(
                "(Optional) Reboot after installing patches.",
                "RebootIfNeeded",
                "RebootIfNeeded",
                "NoReboot",
            ),
        },
        _steps(
            _step("aws:runPowerShellScript", "PatchWindows", _PATCH_COMMAND, "Windows"),
            _step("aws:runShellScript", "PatchLinux", _PATCH_COMMAND, "Linux"),
            _step("aws:runShellScript", "PatchMacOS", _PATCH_COMMAND, "MacOS"),
        ),
    ),
    _entry(
        "AWS-GatherSoftwareInventory",
        "Policy",
        "2.0",
        _ALL,
        "Software inventory policy document.",
        {
            "applications": _inventory("installed applications"),
            "awsComponents": _inventory("AWS components such as amazon-ssm-agent"),
            "files": _s("(Optional) JSON list of file paths to collect data for.", ""),
            "networkConfig": _inventory("network configuration"),
            "billingInfo": _inventory("platform billing information"),
            "windowsUpdates": _inventory("Windows updates"),
            "instanceDetailedInformation": _inventory("CPU, memory and other node details"),
            "services": _inventory("services"),
            "windowsRegistry": _s("(Optional) JSON list of registry keys to collect.", ""),
            "windowsRoles": _inventory("Windows roles"),
            "customInventory": _inventory("custom inventory"),
        },
        _steps(
            _step(
                "aws:softwareInventory", "collectSoftwareInventoryItems", _refs(*_INVENTORY_ITEMS)
            )
        ),
    ),
    _entry(
        "AWS-ConfigureAWSPackage",
        "Command",
        "2.2",
        _ALL,
        "Install or uninstall a Distributor package.",
        {
            "action": _s("(Required) Install or uninstall.", _NO_DEFAULT, "Install", "Uninstall"),
            "installationType": _s(
                "(Optional) How an installed package is updated.",
                "Uninstall and reinstall",
                "Uninstall and reinstall",
                "In-place update",
            ),
            "name": _s("(Required) The package name or ARN."),
            "version": _s("(Optional) The package version; the latest when empty.", ""),
            "additionalArguments": _p(
                "StringMap", "(Optional) Arguments for the package scripts.", {}
            ),
        },
        _steps(
            _step(
                "aws:configurePackage",
                "configurePackage",
                _refs("name", "action", "installationType", "version", "additionalArguments"),
            )
        ),
    ),
    _entry(
        "AWS-ApplyAnsiblePlaybooks",
        "Command",
        "2.2",
        ("Linux",),
        "Run Ansible playbooks downloaded from GitHub or Amazon S3.",
        {
            "SourceType": _s("(Optional) Where the playbooks are.", _NO_DEFAULT, "GitHub", "S3"),
            "SourceInfo": _p("StringMap", "(Optional) How to reach the source.", {}),
            "InstallDependencies": _s("(Required) Install Ansible first.", "True", *_TRUE_FALSE),
            "PlaybookFile": _s("(Optional) The playbook to run.", "hello-world-playbook.yml"),
            "ExtraVariables": _s("(Optional) key=value pairs for Ansible.", "SSM=True"),
            "Check": _s("(Optional) Dry run.", "False", *_TRUE_FALSE),
            "Verbose": _s("(Optional) Log verbosity.", "-v", "-v", "-vv", "-vvv", "-vvvv"),
            "TimeoutSeconds": _s("(Optional) Seconds before failing.", "3600"),
        },
        _steps(
            _step("aws:downloadContent", "downloadContent", _refs("SourceType", "SourceInfo")),
            _step(
                "aws:runShellScript",
                "runShellScript",
                {"runCommand": ["ansible-playbook {{ PlaybookFile }}"]},
            ),
        ),
    ),
    _entry(
        "AWS-RunAnsiblePlaybook",
        "Command",
        "2.0",
        ("Linux",),
        "Run an Ansible playbook given as YAML text or a URL (deprecated).",
        {
            "playbook": _s("(Optional) Playbook YAML, when no URL is given.", ""),
            "playbookurl": _s("(Optional) URL of the playbook.", ""),
            "extravars": _s("(Optional) key=value pairs for Ansible.", "SSM=True"),
            "check": _s("(Optional) Dry run.", "False", *_TRUE_FALSE),
        },
        _steps(
            _step(
                "aws:runShellScript",
                "runShellScript",
                {"runCommand": ["ansible-playbook playbook.yml"]},
            )
        ),
    ),
    _entry(
        "AWS-RunRemoteScript",
        "Command",
        "2.2",
        _ALL,
        "Run a script downloaded from GitHub or Amazon S3.",
        {
            "sourceType": _s("(Required) Where the script is.", _NO_DEFAULT, "GitHub", "S3"),
            "sourceInfo": _p("StringMap", "(Required) How to reach the source."),
            "commandLine": _s("(Required) The command line to run."),
            "workingDirectory": _s("(Optional) Where to download and run.", ""),
            "executionTimeout": _s("(Optional) Seconds before failing.", "3600"),
        },
        _steps(
            _step("aws:downloadContent", "downloadContent", _refs("sourceType", "sourceInfo")),
            _step(
                "aws:runPowerShellScript",
                "runPowerShellScript",
                {"runCommand": ["{{ commandLine }}"]},
                "Windows",
            ),
            _step(
                "aws:runShellScript",
                "runShellScript",
                {"runCommand": ["{{ commandLine }}"]},
                "Linux",
            ),
        ),
    ),
    _entry(
        "AWS-RefreshAssociation",
        "Command",
        "2.0",
        _ALL,
        "Apply associations again on the node.",
        {
            "associationIds": _p(
                "StringList", "(Optional) Associations to apply; all when empty.", []
            )
        },
        _steps(_step("aws:refreshAssociation", "refreshAssociation", _refs("associationIds"))),
    ),
    _entry(
        "AWS-ConfigureCloudWatch",
        "Command",
        "1.2",
        ("Windows",),
        "Export metrics and log files from the node to Amazon CloudWatch.",
        {
            "status": _s("(Optional) Turn the integration on or off.", "Enabled", *_ENABLED),
            "properties": _s("(Optional) The integration's JSON configuration.", ""),
        },
        {
            "runtimeConfig": {
                "aws:cloudWatch": {
                    "settings": {"startType": "{{ status }}"},
                    "properties": "{{ properties }}",
                }
            }
        },
    ),
    _entry(
        "AWS-HelloWorld",
        "Automation",
        "0.3",
        _ALL,
        "Example Automation runbook.",
        dict(_ROLE),
        _steps(_step("aws:sleep", "sleep", {"Duration": "PT1S"}), role=True),
    ),
    _entry(
        "AWS-StartEC2Instance",
        "Automation",
        "0.3",
        _ALL,
        "Start EC2 instances.",
        {"InstanceId": _p("StringList", "(Required) The instances to start."), **_ROLE},
        _steps(
            _step(
                "aws:changeInstanceState",
                "startInstances",
                {"InstanceIds": "{{ InstanceId }}", "DesiredState": "running"},
            ),
            role=True,
        ),
    ),
)
