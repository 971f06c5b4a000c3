"""Association compliance, in API form: ListComplianceItems,
ListResourceComplianceSummaries, ListComplianceSummaries, PutComplianceItems.

Only the ``Association`` compliance type is the stub's.  A PutComplianceItems of
another type, and a listing whose ``ComplianceType`` filter can match no
``Association`` item, raise ``NotEmulated`` before anything is read or changed,
so the binding sends them on unchanged (to moto, or the network with
``passthrough=True``).  The items come from ``compliance.ComplianceStore``.
Decisions where AWS is silent (the stub's choice, docs/behaviour.md):

* D-CMP-1: SyncCompliance ``MANUAL`` ties compliance to an association through the
  item ``Id`` (the association id, as the agent writes it); the agent writes no
  item for a MANUAL association.  ``UploadType=PARTIAL`` is accepted only for
  the Association type and only for items whose Id names a MANUAL association
  of the Region (``InvalidItemContentException`` otherwise); it replaces those
  items and keeps the rest.
* D-CMP-4: filters AND together; ``Type`` defaults to ``EQUAL``; several values
  match if any one does (``NOT_EQUAL``: if none does).  ``ExecutionTime`` values
  are ISO-8601 date-times compared as instants; other values compare as strings.
  Keys: ListComplianceItems ``ComplianceType``, ``Id``, ``Title``, ``Status``,
  ``Severity``, ``ExecutionTime``, ``ExecutionId``, ``ExecutionType``,
  ``DocumentName``, ``DocumentVersion``, ``ResourceId``, ``ResourceType``; the
  summaries ``ComplianceType``, ``Status``, ``OverallSeverity``, ``ResourceId``
  (alias ``InstanceId``), ``ResourceType``, ``ExecutionTime``, ``ExecutionId``,
  ``ExecutionType``.  Any other key, or a filter without Key or Values, is
  ``InvalidFilter``.
* D-CMP-6: a resource is NON_COMPLIANT for a type when any of its items is;
  ``OverallSeverity`` is the highest severity among its items.
  ListComplianceSummaries counts resources (by their OverallSeverity),
  ListResourceComplianceSummaries counts items.
* D-CMP-7: ListComplianceItems takes at most one ``ResourceIds`` value (AWS
  documents one) and ``InvalidResourceId`` for more; without ResourceIds it lists
  every resource.  ``ResourceTypes`` other than ``ManagedInstance``:
  ``InvalidResourceType`` (also for PutComplianceItems).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from .compliance import ASSOCIATION, ComplianceItem
from .compliance_views import (
    ITEM_KEYS,
    MANAGED_INSTANCE,
    SUMMARY_KEYS,
    counted,
    filters,
    item_row,
    item_to_api,
    resource_summary,
    summary_row,
)
from .errors import (
    InvalidItemContentException,
    InvalidResourceId,
    InvalidResourceType,
    ServiceError,
    ValidationException,
)
from .executions import node_result
from .fleet import targets_node
from .misuse import NotEmulated
from .ops_history import parse_time

if TYPE_CHECKING:
    from .engine import TargetResult
    from .model import AssociationState
    from .state import State

__all__ = ["OPERATIONS"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]
_FINAL = {"Success": "COMPLIANT", "Failed": "NON_COMPLIANT", "TimedOut": "NON_COMPLIANT"}


# -- the items: derived from the runs, and written ------------------------------------
def _last_final(state: AssociationState, node: str) -> tuple[str, TargetResult] | None:
    """(association version, result) of the node's latest Success/Failed/TimedOut run."""
    latest = state.node_results.get(node)
    if latest is not None:
        latest_result = node_result(node, latest)
        if latest_result.status in _FINAL:
            return latest[1], latest_result
    for execution in reversed(state.executions):
        result = execution.targets.get(node)
        if result is not None and result.status in _FINAL:
            return execution.association_version, result
    return None


def _derived(backend: State, state: AssociationState) -> Iterable[ComplianceItem]:
    """What the agent reported for one AUTO association on each node it ran on."""
    spec = state.spec
    document = backend.document_of(spec.name)
    if spec.sync_compliance == "MANUAL" or backend.is_runbook(spec):
        return
    for node in list(state.node_results):
        if not targets_node(spec, node, backend.fleet.get(node)):
            continue
        found = _last_final(state, node)
        if found is None:
            continue
        number, result = found
        ended = result.ended
        if ended is None:
            continue
        ran = backend.version_of(state, number).spec if number.isdigit() else spec
        details = {"DocumentName": ran.name}
        if document is not None:
            with contextlib.suppress(ServiceError):
                details["DocumentVersion"] = document.version(ran.document_version).version
        yield ComplianceItem(
            compliance_type=ASSOCIATION,
            resource_type=MANAGED_INSTANCE,
            resource_id=node,
            item_id=state.association_id,
            title="",
            status=_FINAL[result.status],
            severity=ran.compliance_severity or "UNSPECIFIED",  # D-CMP-2
            execution_time=ended.replace(microsecond=0),  # D-CMP-3
            details=details,
        )


def _resources(backend: State, region: str) -> list[tuple[str, str, list[ComplianceItem]]]:
    """Every resource's items per type: derived and written merged by Id (D-CMP-8)."""
    merged: dict[tuple[str, str], dict[object, ComplianceItem]] = {}
    for state in backend.associations(region).values():
        for item in _derived(backend, state):
            merged.setdefault((item.resource_id, ASSOCIATION), {})[item.item_id] = item
    for resource_id, compliance_type, items in backend.compliance.resources(region):
        group = merged.setdefault((resource_id, compliance_type), {})
        for index, item in enumerate(items):
            key: object = item.item_id if item.item_id is not None else ("no id", index)
            derived = group.get(key)
            if derived is None or item.execution_time > derived.execution_time:
                group[key] = item
    return [(rid, kind, list(group.values())) for (rid, kind), group in merged.items() if group]


def _page(backend: State, listing: str, items: list[Any], body: Body) -> tuple[list[Any], Body]:
    page, token = backend.paginator.page(
        listing, items, max_results=body.get("MaxResults"), next_token=body.get("NextToken")
    )
    return page, ({} if token is None else {"NextToken": token})


def _fingerprint(body: Body, *members: str) -> str:
    text = json.dumps([body.get(m) for m in members], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the operations ------------------------------------------------------------------
def list_compliance_items(backend: State, region: str, body: Body) -> dict[str, Any]:
    checks = filters(body, ITEM_KEYS, "ListComplianceItems")
    for resource_type in body.get("ResourceTypes") or ():
        if resource_type != MANAGED_INSTANCE:
            raise InvalidResourceType(
                f"The resource type {resource_type} isn't valid. Use {MANAGED_INSTANCE}."
            )
    resource_ids = list(body.get("ResourceIds") or ())
    if len(resource_ids) > 1:  # D-CMP-7
        raise InvalidResourceId("Only one resource ID can be specified for ListComplianceItems.")
    items = [
        item
        for resource_id, _, group in _resources(backend, region)
        if not resource_ids or resource_id in resource_ids
        for item in group
        if all(check(item_row(item)) for check in checks)
    ]
    listing = f"compliance-items:{region}:{_fingerprint(body, 'Filters', 'ResourceIds')}"
    page, more = _page(backend, listing, items, body)
    return {"ComplianceItems": [item_to_api(item) for item in page], **more}


def _summaries(backend: State, region: str, body: Body, operation: str) -> list[dict[str, Any]]:
    checks = filters(body, SUMMARY_KEYS, operation)
    summaries = [
        resource_summary(resource_id, compliance_type, items)
        for resource_id, compliance_type, items in _resources(backend, region)
    ]
    return [s for s in summaries if all(check(summary_row(s)) for check in checks)]


def list_resource_compliance_summaries(backend: State, region: str, body: Body) -> dict[str, Any]:
    summaries = _summaries(backend, region, body, "ListResourceComplianceSummaries")
    listing = f"resource-compliance:{region}:{_fingerprint(body, 'Filters')}"
    page, more = _page(backend, listing, summaries, body)
    return {"ResourceComplianceSummaryItems": page, **more}


def list_compliance_summaries(backend: State, region: str, body: Body) -> dict[str, Any]:
    by_type: dict[str, tuple[list[str], list[str]]] = {}
    for summary in _summaries(backend, region, body, "ListComplianceSummaries"):
        compliant, non_compliant = by_type.setdefault(summary["ComplianceType"], ([], []))
        group = compliant if summary["Status"] == "COMPLIANT" else non_compliant
        group.append(summary["OverallSeverity"])
    items = [
        {
            "ComplianceType": compliance_type,
            **counted(compliant, non_compliant),
        }
        for compliance_type, (compliant, non_compliant) in by_type.items()
    ]
    listing = f"compliance-summaries:{region}:{_fingerprint(body, 'Filters')}"
    page, more = _page(backend, listing, items, body)
    return {"ComplianceSummaryItems": page, **more}


def _epoch(value: object) -> datetime:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        moment = parse_time(value)
        if moment is None:
            raise ValidationException(
                f"The value '{value}' at 'executionSummary.executionTime' is not a timestamp."
            )
        return moment
    moment = datetime.fromtimestamp(float(value), tz=timezone.utc)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def put_compliance_items(backend: State, region: str, body: Body) -> dict[str, Any]:
    compliance_type = body.get("ComplianceType")
    if compliance_type != ASSOCIATION:
        raise NotEmulated("PutComplianceItems", "for the Association compliance type only")
    resource_type = body.get("ResourceType")
    if resource_type != MANAGED_INSTANCE:
        raise InvalidResourceType(
            f"The resource type {resource_type} isn't valid. Use {MANAGED_INSTANCE}."
        )
    resource_id = str(body.get("ResourceId"))
    content_hash = body.get("ItemContentHash")
    if content_hash is not None and backend.compliance.same_hash(
        region, resource_id, ASSOCIATION, str(content_hash)
    ):
        return {}  # the same content again: a no-op
    summary = body.get("ExecutionSummary") or {}
    when = _epoch(summary.get("ExecutionTime"))
    partial = body.get("UploadType") == "PARTIAL"
    entries = [e for e in body.get("Items") or () if isinstance(e, Mapping)]
    if partial:  # D-CMP-1
        for entry in entries:
            state = backend.by_id.get(str(entry.get("Id")))
            if state is None or state.region != region or state.spec.sync_compliance != "MANUAL":
                raise InvalidItemContentException(
                    f"UploadType PARTIAL is supported only for associations with SyncCompliance "
                    f"MANUAL; item Id {entry.get('Id')} is not such an association in {region}."
                )
    items = [
        ComplianceItem(
            compliance_type=ASSOCIATION,
            resource_type=MANAGED_INSTANCE,
            resource_id=resource_id,
            item_id=entry.get("Id"),
            title=entry.get("Title"),
            status=str(entry.get("Status")),
            severity=str(entry.get("Severity")),
            execution_time=when,
            execution_id=summary.get("ExecutionId"),
            execution_type=summary.get("ExecutionType"),
            details=dict(entry["Details"]) if entry.get("Details") is not None else None,
        )
        for entry in entries
    ]
    backend.compliance.put(
        region,
        resource_id,
        ASSOCIATION,
        items,
        partial=partial,
        content_hash=None if content_hash is None else str(content_hash),
    )
    return {}


OPERATIONS: dict[str, Operation] = {
    "ListComplianceItems": list_compliance_items,
    "ListResourceComplianceSummaries": list_resource_compliance_summaries,
    "ListComplianceSummaries": list_compliance_summaries,
    "PutComplianceItems": put_compliance_items,
}
