"""What the compliance listings read and show (pure core): filters, rows, API items.

``filters`` turns a request's ``Filters`` into checks over a flat row of one item
(``item_row``) or one resource summary (``summary_row``), D-CMP-4: AND across
filters, any value within one, ``ExecutionTime`` compared as instants.
``item_to_api`` and ``resource_summary`` build the response members, with
``overall`` the status and OverallSeverity of one resource for one type (D-CMP-6).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from .compliance import ASSOCIATION, SEVERITIES, ComplianceItem
from .errors import InvalidFilter
from .misuse import NotEmulated
from .ops_history import parse_time

__all__ = [
    "ITEM_KEYS",
    "MANAGED_INSTANCE",
    "SUMMARY_KEYS",
    "Check",
    "filters",
    "item_row",
    "item_to_api",
    "overall",
    "counted",
    "resource_summary",
    "summary_row",
]

Body = Mapping[str, Any]
Row = Mapping[str, Any]  # the flat view a filter reads: key -> value

MANAGED_INSTANCE = "ManagedInstance"
SEVERITY_KEYS = {
    "CRITICAL": "CriticalCount",
    "HIGH": "HighCount",
    "MEDIUM": "MediumCount",
    "LOW": "LowCount",
    "INFORMATIONAL": "InformationalCount",
    "UNSPECIFIED": "UnspecifiedCount",
}
ITEM_KEYS = frozenset(
    {
        "ComplianceType",
        "Id",
        "Title",
        "Status",
        "Severity",
        "ExecutionTime",
        "ExecutionId",
        "ExecutionType",
        "DocumentName",
        "DocumentVersion",
        "ResourceId",
        "ResourceType",
    }
)
SUMMARY_KEYS = frozenset(
    {
        "ComplianceType",
        "Status",
        "OverallSeverity",
        "ResourceId",
        "InstanceId",
        "ResourceType",
        "ExecutionTime",
        "ExecutionId",
        "ExecutionType",
    }
)


# -- filters ---------------------------------------------------------------------------
Check = Callable[[Row], bool]


def compare(kind: str, actual: object, wanted: str, key: str) -> bool:
    if key == "ExecutionTime":
        moment = parse_time(wanted)
        if moment is None:
            raise InvalidFilter(
                f"The value '{wanted}' of filter ExecutionTime is not an ISO-8601 date and "
                "time such as 2026-01-01T00:00:00Z."
            )
        if not isinstance(actual, datetime):
            return False
        left, right = actual.timestamp(), moment.timestamp()
        if kind == "LESS_THAN":
            return left < right
        if kind == "GREATER_THAN":
            return left > right
        if kind == "BEGIN_WITH":
            return False
        return left == right
    if actual is None:
        return False
    text = str(actual)
    if kind == "BEGIN_WITH":
        return text.startswith(wanted)
    if kind == "LESS_THAN":
        return text < wanted
    if kind == "GREATER_THAN":
        return text > wanted
    return text == wanted


def filter(item: Mapping[str, Any], allowed: frozenset[str]) -> tuple[str, Check]:
    key, values = item.get("Key"), item.get("Values")
    kind = str(item.get("Type") or "EQUAL")
    if not isinstance(key, str) or key not in allowed:
        raise InvalidFilter(
            f"The filter key {key} is not valid. Valid filter keys: {', '.join(sorted(allowed))}."
        )
    if not isinstance(values, list) or not values:
        raise InvalidFilter(f"The filter {key} needs at least one value.")
    wanted = [str(v) for v in values]
    field = "ResourceId" if key == "InstanceId" else key
    if kind == "NOT_EQUAL":
        return key, lambda row: not any(compare("EQUAL", row.get(field), v, key) for v in wanted)
    for value in wanted:  # malformed dates are reported before anything is read
        compare(kind, None, value, key)
    return key, lambda row: any(compare(kind, row.get(field), v, key) for v in wanted)


def filters(body: Body, allowed: frozenset[str], operation: str) -> list[Check]:
    """The checks of ``Filters``; ``NotEmulated`` if only other compliance types can match."""
    checks: list[Check] = []
    for raw in body.get("Filters") or ():
        key, check = filter(raw if isinstance(raw, Mapping) else {}, allowed)
        if key == "ComplianceType" and not check({"ComplianceType": ASSOCIATION}):
            raise NotEmulated(operation, "for the Association compliance type only")
        checks.append(check)
    return checks


# -- rows and API items ------------------------------------------------------------------
def summary(item: ComplianceItem) -> dict[str, Any]:
    out: dict[str, Any] = {"ExecutionTime": item.execution_time}
    if item.execution_id is not None:
        out["ExecutionId"] = item.execution_id
    if item.execution_type is not None:
        out["ExecutionType"] = item.execution_type
    return out


def item_to_api(item: ComplianceItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ComplianceType": item.compliance_type,
        "ResourceType": item.resource_type,
        "ResourceId": item.resource_id,
    }
    if item.item_id is not None:
        out["Id"] = item.item_id
    if item.title is not None:
        out["Title"] = item.title
    out["Status"] = item.status
    out["Severity"] = item.severity
    out["ExecutionSummary"] = summary(item)
    if item.details is not None:
        out["Details"] = dict(item.details)
    return out


def item_row(item: ComplianceItem) -> dict[str, Any]:
    details = item.details or {}
    return {
        "ComplianceType": item.compliance_type,
        "ResourceType": item.resource_type,
        "ResourceId": item.resource_id,
        "Id": item.item_id,
        "Title": item.title,
        "Status": item.status,
        "Severity": item.severity,
        "ExecutionTime": item.execution_time,
        "ExecutionId": item.execution_id,
        "ExecutionType": item.execution_type,
        "DocumentName": details.get("DocumentName"),
        "DocumentVersion": details.get("DocumentVersion"),
    }


def severity_summary(items: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITY_KEYS.values(), 0)
    for severity in items:
        key = SEVERITY_KEYS.get(severity)
        if key is not None:
            counts[key] += 1
    return counts


def counted(compliant: list[str], non_compliant: list[str]) -> dict[str, Any]:
    """CompliantSummary and NonCompliantSummary from the severities on each side."""
    return {
        "CompliantSummary": {
            "CompliantCount": len(compliant),
            "SeveritySummary": severity_summary(compliant),
        },
        "NonCompliantSummary": {
            "NonCompliantCount": len(non_compliant),
            "SeveritySummary": severity_summary(non_compliant),
        },
    }


def overall(items: list[ComplianceItem]) -> tuple[str, str]:
    """D-CMP-6: (status, OverallSeverity) of one resource for one type."""
    status = "NON_COMPLIANT" if any(i.status == "NON_COMPLIANT" for i in items) else "COMPLIANT"
    ranks = [SEVERITIES.index(i.severity) for i in items if i.severity in SEVERITIES]
    return status, SEVERITIES[min(ranks)] if ranks else "UNSPECIFIED"


def resource_summary(
    resource_id: str, compliance_type: str, items: list[ComplianceItem]
) -> dict[str, Any]:
    status, severity = overall(items)
    latest = max(items, key=lambda i: i.execution_time)
    compliant = [i.severity for i in items if i.status == "COMPLIANT"]
    non_compliant = [i.severity for i in items if i.status == "NON_COMPLIANT"]
    return {
        "ComplianceType": compliance_type,
        "ResourceType": MANAGED_INSTANCE,
        "ResourceId": resource_id,
        "Status": status,
        "OverallSeverity": severity,
        "ExecutionSummary": summary(latest),
        **counted(compliant, non_compliant),
    }


def summary_row(summary: Mapping[str, Any]) -> dict[str, Any]:
    execution = summary["ExecutionSummary"]
    return {
        "ComplianceType": summary["ComplianceType"],
        "ResourceType": summary["ResourceType"],
        "ResourceId": summary["ResourceId"],
        "Status": summary["Status"],
        "OverallSeverity": summary["OverallSeverity"],
        "ExecutionTime": execution["ExecutionTime"],
        "ExecutionId": execution.get("ExecutionId"),
        "ExecutionType": execution.get("ExecutionType"),
    }
