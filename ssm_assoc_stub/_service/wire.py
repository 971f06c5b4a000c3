"""Conversion between API dicts (PascalCase, as on the wire) and core records.

PascalCase lives here only.  Requests arrive as the JSON-decoded body botocore
serialised; responses leave with aware UTC datetimes (the glue converts them
to what botocore's parser yields).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .model import (
    AssociationSpec,
    AssociationState,
    AssociationVersion,
    LegacyStatus,
    OutputLocation,
    Overview,
    Target,
)

__all__ = [
    "SPEC_MEMBERS",
    "description",
    "overview_to_api",
    "spec_to_api",
    "targets_to_api",
    "triggered_alarms_to_api",
    "version_info",
]

# API member -> (spec field, kind).  Order is the order of AssociationDescription.
SPEC_MEMBERS: dict[str, tuple[str, str]] = {
    "Name": ("name", "str"),
    "InstanceId": ("instance_id", "str"),
    "DocumentVersion": ("document_version", "str"),
    "AutomationTargetParameterName": ("automation_target_parameter_name", "str"),
    "Parameters": ("parameters", "params"),
    "Targets": ("targets", "targets"),
    "ScheduleExpression": ("schedule_expression", "str"),
    "OutputLocation": ("output_location", "output"),
    "AssociationName": ("association_name", "str"),
    "MaxErrors": ("max_errors", "str"),
    "MaxConcurrency": ("max_concurrency", "str"),
    "ComplianceSeverity": ("compliance_severity", "str"),
    "SyncCompliance": ("sync_compliance", "str"),
    "ApplyOnlyAtCronInterval": ("apply_only_at_cron_interval", "bool"),
    "CalendarNames": ("calendar_names", "strs"),
    "TargetLocations": ("target_locations", "json"),
    "ScheduleOffset": ("schedule_offset", "int"),
    "Duration": ("duration", "int"),
    "TargetMaps": ("target_maps", "json"),
    "AlarmConfiguration": ("alarm_configuration", "json"),
    "AssociationDispatchAssumeRole": ("association_dispatch_assume_role", "str"),
}
FIELD_TO_MEMBER = {field: member for member, (field, _) in SPEC_MEMBERS.items()}


def _value_from_api(kind: str, value: Any) -> Any:
    if kind == "params":
        return {str(k): tuple(str(v) for v in vs) for k, vs in value.items()}
    if kind == "targets":
        return tuple(Target(t.get("Key", ""), tuple(t.get("Values", ()))) for t in value)
    if kind == "output":
        s3 = value.get("S3Location") or {}
        return OutputLocation(
            s3.get("OutputS3Region"), s3.get("OutputS3BucketName"), s3.get("OutputS3KeyPrefix")
        )
    if kind == "strs":
        return tuple(value)
    if kind == "json":
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value


def _value_to_api(kind: str, value: Any) -> Any:
    if kind == "params":
        return {k: list(vs) for k, vs in value.items()}
    if kind == "targets":
        return targets_to_api(value)
    if kind == "output":
        s3: dict[str, str] = {}
        if value.region is not None:
            s3["OutputS3Region"] = value.region
        if value.bucket is not None:
            s3["OutputS3BucketName"] = value.bucket
        if value.key_prefix is not None:
            s3["OutputS3KeyPrefix"] = value.key_prefix
        return {"S3Location": s3}
    if kind == "strs":
        return list(value)
    if kind == "json":
        return json.loads(value)
    return value


def spec_fields_from_api(body: Mapping[str, Any]) -> dict[str, Any]:
    """The spec fields a request sets (members absent from ``body`` are left out)."""
    fields: dict[str, Any] = {}
    for member, (field, kind) in SPEC_MEMBERS.items():
        if member in body and body[member] is not None:
            fields[field] = _value_from_api(kind, body[member])
    return fields


def spec_to_api(spec: AssociationSpec, *, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Every member ``spec`` sets, in API form."""
    out: dict[str, Any] = {}
    for member, (field, kind) in SPEC_MEMBERS.items():
        if member in skip:
            continue
        value = getattr(spec, field)
        if value is not None:
            out[member] = _value_to_api(kind, value)
    return out


def targets_to_api(targets: tuple[Target, ...]) -> list[dict[str, Any]]:
    return [{"Key": t.key, "Values": list(t.values)} for t in targets]


def legacy_targets(instance_id: str) -> list[dict[str, Any]]:
    return [{"Key": "InstanceIds", "Values": [instance_id]}]


def overview_to_api(overview: Overview) -> dict[str, Any]:
    out: dict[str, Any] = {"Status": overview.status}
    if overview.detailed_status is not None:
        out["DetailedStatus"] = overview.detailed_status
    if overview.counts is not None:
        out["AssociationStatusAggregatedCount"] = dict(overview.counts)
    return out


def triggered_alarms_to_api(alarms: tuple[tuple[str, str], ...]) -> list[dict[str, str]]:
    """``TriggeredAlarms``: ``AlarmStateInformation`` items (D-ALM-1)."""
    return [{"Name": name, "State": state} for name, state in alarms]


def legacy_status_to_api(status: LegacyStatus) -> dict[str, Any]:
    out: dict[str, Any] = {"Date": status.date, "Name": status.name, "Message": status.message}
    if status.additional_info is not None:
        out["AdditionalInfo"] = status.additional_info
    return out


def description(
    state: AssociationState, version: AssociationVersion, overview: Overview
) -> dict[str, Any]:
    """An ``AssociationDescription`` of ``version`` with the current run state."""
    spec = version.spec
    out: dict[str, Any] = {
        "AssociationId": state.association_id,
        "AssociationVersion": str(version.version),
        "Date": state.created,
        "LastUpdateAssociationDate": (
            state.last_update if version is state.latest else version.created
        ),
        "Overview": overview_to_api(overview),
        # ApplyOnlyAtCronInterval has a modelled default of false and is always sent.
        "ApplyOnlyAtCronInterval": False,
    }
    out.update(spec_to_api(spec))
    out["DocumentVersion"] = spec.document_version or "$DEFAULT"
    if spec.instance_id is not None and "Targets" not in out:
        out["Targets"] = legacy_targets(spec.instance_id)
    if state.legacy_status is not None:
        out["Status"] = legacy_status_to_api(state.legacy_status)
    if state.last_execution_date is not None:
        out["LastExecutionDate"] = state.last_execution_date
    if state.last_successful_execution_date is not None:
        out["LastSuccessfulExecutionDate"] = state.last_successful_execution_date
    if state.triggered_alarms:  # D-ALM-1
        out["TriggeredAlarms"] = triggered_alarms_to_api(state.triggered_alarms)
    # In the output shape's member order, as botocore's parser returns it.
    return {member: out[member] for member in _DESCRIPTION_ORDER if member in out}


_DESCRIPTION_ORDER = (
    "Name",
    "InstanceId",
    "AssociationVersion",
    "Date",
    "LastUpdateAssociationDate",
    "Status",
    "Overview",
    "DocumentVersion",
    "AutomationTargetParameterName",
    "Parameters",
    "AssociationId",
    "Targets",
    "ScheduleExpression",
    "OutputLocation",
    "LastExecutionDate",
    "LastSuccessfulExecutionDate",
    "AssociationName",
    "MaxErrors",
    "MaxConcurrency",
    "ComplianceSeverity",
    "SyncCompliance",
    "ApplyOnlyAtCronInterval",
    "CalendarNames",
    "TargetLocations",
    "ScheduleOffset",
    "Duration",
    "TargetMaps",
    "AlarmConfiguration",
    "TriggeredAlarms",
    "AssociationDispatchAssumeRole",
)


def version_info(state: AssociationState, version: AssociationVersion) -> dict[str, Any]:
    """An ``AssociationVersionInfo``: a snapshot of one version's members."""
    spec = version.spec
    out: dict[str, Any] = {
        "AssociationId": state.association_id,
        "AssociationVersion": str(version.version),
        "CreatedDate": version.created,
    }
    members = spec_to_api(
        spec,
        skip=frozenset({"InstanceId", "AutomationTargetParameterName", "AlarmConfiguration"}),
    )
    if spec.instance_id is not None and "Targets" not in members:
        members["Targets"] = legacy_targets(spec.instance_id)
    out.update(members)
    return out
