"""The content rules a create or an update must pass (pure core).

Each check raises the error AWS gives (or the one DECISIONS.md picks) and
changes nothing; the caller stores the association only after all have passed.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import attrs

from .documents import check_instance_id_association, check_parameters, check_platform
from .errors import (
    AssociationAlreadyExists,
    InvalidInstanceId,
    InvalidOutputLocation,
    InvalidTag,
    InvalidTarget,
    InvalidTargetMaps,
    ValidationException,
)
from .fleet import is_instance_ids_key
from .model import AssociationSpec, Target
from .schedule import check_schedule_options, parse_schedule

if TYPE_CHECKING:
    from .state import State

__all__ = [
    "ATPN_MESSAGE",
    "NO_OP_TARGET",
    "RUNBOOK_TARGET_KEYS",
    "check_not_duplicate",
    "check_spec",
    "check_tags",
    "is_runbook_target_key",
]

NO_OP_TARGET = Target("aws:NoOpAutomationTag", ("AWS-NoOpAutomationTarget-Value",))

# D-CRT-1: members that need Targets and cannot go with the legacy InstanceId.
_NOT_WITH_INSTANCE_ID = (
    ("Targets", "targets"),
    ("TargetMaps", "target_maps"),
    ("TargetLocations", "target_locations"),
    ("AssociationName", "association_name"),
    ("DocumentVersion", "document_version"),
    ("MaxErrors", "max_errors"),
    ("MaxConcurrency", "max_concurrency"),
    ("OutputLocation", "output_location"),
    ("ScheduleExpression", "schedule_expression"),
    ("ScheduleOffset", "schedule_offset"),
    ("Duration", "duration"),
    ("CalendarNames", "calendar_names"),
    ("AlarmConfiguration", "alarm_configuration"),
)
_TARGET_KEYS_EXACT = frozenset(
    {"tag-key", "resource-groups:Name", "resource-groups:ResourceTypeFilters", NO_OP_TARGET.key}
)
# D-RB-1: keys only runbook (Automation) associations take (the Target doc's Automation list).
RUNBOOK_TARGET_KEYS = frozenset({"ParameterValues", "ResourceGroup", "CloudConnector"})
# A resource-type key such as ``AWS::EC2::Instance`` (Automation's rate-control form).
_RESOURCE_TYPE_KEY = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
ATPN_MESSAGE = "Must specify both Automation Target Parameter Name and Targets"


def check_spec(
    backend: State,
    region: str,
    spec: AssociationSpec,
    *,
    creating: bool = True,
    targets_sent: bool = True,
) -> AssociationSpec:
    """Validate ``spec`` like a create; returns it, with the Automation placeholder
    target filled in where a runbook association names no targets.

    The node checks of a legacy InstanceId association run on create only:
    UpdateAssociation declares neither InvalidInstanceId nor UnsupportedPlatformType.
    ``targets_sent`` is False for an update that keeps the stored Targets: a
    placeholder target the stub filled in then does not count as targets (D-RB-1).
    """
    if spec.instance_id is not None:
        conflicting = [
            member for member, field in _NOT_WITH_INSTANCE_ID if getattr(spec, field) is not None
        ]
        if spec.apply_only_at_cron_interval:
            conflicting.append("ApplyOnlyAtCronInterval")
        if conflicting:
            raise ValidationException(  # D-CRT-1
                f"InstanceId cannot be combined with {', '.join(conflicting)}: "
                "use Targets with Key=InstanceIds instead."
            )
    if spec.targets is not None and spec.target_maps is not None:
        raise InvalidTargetMaps("Targets and TargetMaps cannot be specified together.")

    document = backend.documents.get(spec.name)
    version = document.version(spec.document_version)
    if creating and spec.instance_id is not None:
        check_instance_id_association(document)
    runbook = document.document_type == "Automation"
    if runbook:
        _check_runbook(spec, targets_sent=targets_sent)
    if spec.instance_id is None and not spec.targets and spec.target_maps is None:
        if spec.target_locations is None and document.document_type != "Automation":
            raise InvalidTarget("Instance ID or targets must be specified")
        if document.document_type == "Automation" and spec.targets is None:
            spec = attrs.evolve(spec, targets=(NO_OP_TARGET,))
    for target in spec.targets or ():
        _check_target(target, runbook=runbook)
    check_parameters(
        document,
        version,
        spec.parameters,
        automation_target_parameter_name=spec.automation_target_parameter_name,
    )

    if spec.schedule_expression is not None:
        parse_schedule(spec.schedule_expression)
    check_schedule_options(
        spec.schedule_expression,
        apply_only_at_cron_interval=spec.apply_only_at_cron_interval,
        schedule_offset=spec.schedule_offset,
    )
    output = spec.output_location
    if output is not None and output.bucket is None:
        raise InvalidOutputLocation("The output location is not valid or does not exist.")
    if creating and spec.instance_id is not None:
        # D-CRT-3: a legacy association needs a node the stub knows.  Look, don't add.
        if not backend.fleet.known(spec.instance_id):
            raise InvalidInstanceId(f"Instance {spec.instance_id} is not a valid managed node.")
        instance = backend.fleet.get(spec.instance_id)
        platform = instance.platform if instance is not None else "Linux"
        check_platform(document, spec.instance_id, platform)
    return spec


def _check_runbook(spec: AssociationSpec, *, targets_sent: bool) -> None:
    """D-RB-1: Targets (or rate controls) on a runbook need AutomationTargetParameterName.

    Targets sent in the request count, the Automation placeholder included (as AWS
    users saw it); a placeholder the stub filled in and an update keeps does not.
    """
    if spec.automation_target_parameter_name is not None:
        return
    targets = spec.targets or ()
    placeholder_kept = not targets_sent and tuple(targets) == (NO_OP_TARGET,)
    rate_controls = spec.max_concurrency is not None or spec.max_errors is not None
    if (targets and not placeholder_kept) or rate_controls:
        raise ValidationException(ATPN_MESSAGE)


def check_not_duplicate(backend: State, region: str, spec: AssociationSpec) -> None:
    """D-CRT-2: only a legacy association may not be repeated on a node."""
    if spec.instance_id is not None and backend.find_legacy(region, spec.name, spec.instance_id):
        raise AssociationAlreadyExists("Association Already Exists")


def is_runbook_target_key(key: str) -> bool:
    """A key only runbook associations take: ParameterValues, ResourceGroup,
    CloudConnector, or a resource type such as ``AWS::EC2::Instance`` (D-RB-1)."""
    return key in RUNBOOK_TARGET_KEYS or _RESOURCE_TYPE_KEY.fullmatch(key) is not None


def _check_target(target: Target, *, runbook: bool) -> None:
    key = target.key
    common = is_instance_ids_key(key) or key in _TARGET_KEYS_EXACT or key.startswith("tag:")
    if not (common or (runbook and is_runbook_target_key(key))):
        raise InvalidTarget("Unsupported Target Type")
    if not target.values:
        raise InvalidTarget(f"Target {key} must have at least one value.")
    if key in ("ResourceGroup", "CloudConnector") and len(target.values) != 1:
        raise InvalidTarget(f"Target {key} takes exactly one value.")


MAX_TAGS = 50  # D-TAG-1, as ops_tags


def check_tags(tags: tuple[tuple[str, str], ...]) -> None:
    if len(dict(tags)) > MAX_TAGS:  # D-TAG-3
        raise InvalidTag(f"An association can have at most {MAX_TAGS} tags, got {len(tags)}.")
    for key, _ in tags:
        if key.lower().startswith("aws:"):
            raise InvalidTag(f"Tag keys beginning with aws: are reserved: {key}")
