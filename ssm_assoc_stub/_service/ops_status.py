"""Per-node views in API form: DescribeInstanceAssociationsStatus and
DescribeEffectiveInstanceAssociations.

Both list, for one managed node, the associations of the Region that target it
*now* (legacy InstanceId associations and Targets-based ones alike), in creation
order.  Matching has no side effects: unlike running an association, asking
about a node never registers it.  Decisions where AWS is silent (the stub's
choice, see docs/behaviour):

* A node the stub does not know: ``InvalidInstanceId`` with ``strict_fleet``;
  otherwise only associations naming it explicitly (legacy ``InstanceId`` or an
  ``InstanceIds`` value) reach it, so a node nobody named gets an empty list.
* Per-node status is the node's latest result: ``InProgress`` while the current
  execution runs on it, else the result of the latest execution that reached it
  (``Success``, ``Failed``, ``TimedOut``, or ``Skipped`` per D-RC-4), else
  ``Pending`` / ``Associated`` (observed, before the first run).
* ``ExecutionDate`` is when the node's run ended (started, while in progress);
  absent for Pending and Skipped.  ``ExecutionSummary`` is the agent's text for
  one plugin, for finished runs only.  ``ErrorCode`` (Q-ST-3): the agent's code
  for a failed run, ``ExecutionError``, cut to the model's 10 characters
  (``ExecutionE``); none for other results (the agent reports no error for them).
* ``DocumentVersion`` is the concrete document version the association version
  resolves to now (``"1"``, never ``$DEFAULT``), as observed.
* ``OutputUrl`` (only with an OutputLocation, only for a node that ran):
  ``https://s3.<region>.amazonaws.com/<bucket>/<prefix>/<output source id>/<node>``,
  Run Command's layout under the execution's command id (D-CMD-1, the target's
  OutputSource id).
* DescribeEffectiveInstanceAssociations pages 5 items by default, its maximum
  (D-PAG-1's rule: the default is the documented maximum).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from .errors import ServiceError
from .executions import node_result
from .fleet import Instance, targets_node

if TYPE_CHECKING:
    from .executions import TargetResult
    from .model import AssociationSpec, AssociationState, AssociationVersion
    from .state import State

__all__ = [
    "EFFECTIVE_PAGE_SIZE",
    "OPERATIONS",
    "node_association_overview",
    "targets_node",
]

Operation = Callable[["State", str, Mapping[str, Any]], dict[str, Any]]

EFFECTIVE_PAGE_SIZE = 5  # EffectiveInstanceAssociationMaxResults: 1..5
ERROR_CODE_LENGTH = 10  # AgentErrorCode: max 10 (Q-ST-3)
_AGENT_ERROR_CODES = {"Failed": "ExecutionError"}
_SUMMARY_COUNTS = {"Success": (1, 0, 0), "Failed": (0, 1, 0), "TimedOut": (0, 0, 1)}


def execution_summary(status: str) -> str | None:
    """The agent's summary of a one-plugin run, e.g. ``1 out of 1 plugin processed, ...``."""
    counts = _SUMMARY_COUNTS.get(status)
    if counts is None:
        return None
    success, failed, timed_out = counts
    return (
        f"1 out of 1 plugin processed, {success} success, {failed} failed, "
        f"{timed_out} timedout, 0 skipped. "
    )


def _paged(
    backend: State,
    listing: str,
    region: str,
    instance_id: str,
    body: Mapping[str, Any],
    result_key: str,
    build: Callable[[AssociationState], dict[str, Any]],
    *,
    limit: int = 50,
) -> dict[str, Any]:
    """One page of the Region's associations that reach the node, scanned from the token on."""
    instance = backend.fleet.require(instance_id)

    def scan(start: int) -> Iterator[tuple[int, AssociationState]]:
        for position, state in backend.scan_associations(region, start):
            if targets_node(state.spec, instance_id, instance):
                yield position, state

    page, token = backend.paginator.scan(
        listing,
        scan,
        backend.ordered(region).end,
        max_results=body.get("MaxResults"),
        next_token=body.get("NextToken"),
        limit=limit,
    )
    response: dict[str, Any] = {result_key: [build(state) for state in page]}
    if token is not None:
        response["NextToken"] = token
    return response


def _document_version(backend: State, spec: AssociationSpec) -> str | None:
    """The concrete version ``spec`` runs; None if the document has changed under it."""
    try:
        return backend.documents.get(spec.name).version(spec.document_version).version
    except ServiceError:
        return None


def _content(backend: State, spec: AssociationSpec) -> str | None:
    try:
        return backend.documents.get(spec.name).version(spec.document_version).content
    except ServiceError:
        return None


def _version(state: AssociationState, number: str) -> AssociationVersion:
    index = int(number) - 1
    return state.versions[index] if 0 <= index < len(state.versions) else state.latest


def _latest_result(
    backend: State, state: AssociationState, instance_id: str
) -> tuple[str, str, TargetResult] | None:
    """``(execution id, association version, result)`` of the node's latest run; O(1)."""
    if state.is_legacy and not state.node_results:
        return None  # D-ST-1: Pending/Associated until the node reports a first result
    aid = state.association_id
    result = backend.engine.current_result(aid, instance_id)
    if result is not None and result.status == "InProgress":
        view = backend.engine.view(aid)
        assert view is not None
        return view.execution_id, view.association_version, result
    row = state.node_results.get(instance_id)
    if row is None:
        return None
    return row[0], row[1], node_result(instance_id, row)


def _status_info(backend: State, state: AssociationState, instance_id: str) -> dict[str, Any]:
    latest = _latest_result(backend, state, instance_id)
    version = state.latest if latest is None else _version(state, latest[1])
    spec = version.spec
    out: dict[str, Any] = {"AssociationId": state.association_id, "Name": spec.name}
    document_version = _document_version(backend, spec)
    if document_version is not None:
        out["DocumentVersion"] = document_version
    out["AssociationVersion"] = str(version.version)
    out["InstanceId"] = instance_id
    if latest is None:
        out["Status"] = "Pending"
        out["DetailedStatus"] = "Associated"
    else:
        execution_id, _, result = latest
        when = result.ended or result.started
        if when is not None:
            out["ExecutionDate"] = when
        out["Status"] = result.status
        out["DetailedStatus"] = result.detailed_status
        summary = execution_summary(result.status) if result.ended is not None else None
        if summary is not None:
            out["ExecutionSummary"] = summary
        code = _AGENT_ERROR_CODES.get(result.status)
        if code is not None:
            out["ErrorCode"] = code[:ERROR_CODE_LENGTH]  # Q-ST-3
        output = spec.output_location
        source = backend.commands.command_id(execution_id)  # D-CMD-1
        if (
            output is not None
            and output.bucket is not None
            and result.started is not None
            and source is not None
        ):
            region = output.region or state.region
            prefix = f"{output.key_prefix.strip('/')}/" if output.key_prefix else ""
            url = (
                f"https://s3.{region}.amazonaws.com/{output.bucket}/{prefix}{source}/{instance_id}"
            )
            out["OutputUrl"] = {"S3OutputUrl": {"OutputUrl": url}}
    if spec.association_name is not None:
        out["AssociationName"] = spec.association_name
    return out


def describe_instance_associations_status(
    backend: State, region: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    instance_id = str(body["InstanceId"])
    return _paged(
        backend,
        f"instance-status:{region}:{instance_id}",
        region,
        instance_id,
        body,
        "InstanceAssociationStatusInfos",
        lambda state: _status_info(backend, state, instance_id),
    )


def _effective(backend: State, state: AssociationState, instance_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {"AssociationId": state.association_id, "InstanceId": instance_id}
    content = _content(backend, state.spec)
    if content is not None:
        out["Content"] = content
    out["AssociationVersion"] = str(state.latest.version)
    return out


def describe_effective_instance_associations(
    backend: State, region: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    instance_id = str(body["InstanceId"])
    return _paged(
        backend,
        f"effective:{region}:{instance_id}",
        region,
        instance_id,
        body,
        "Associations",
        lambda state: _effective(backend, state, instance_id),
        limit=EFFECTIVE_PAGE_SIZE,
    )


_NOT_FINAL = frozenset({"Pending", "InProgress", "Queued"})
_FAILED = frozenset({"Failed", "TimedOut"})


def node_association_overview(
    backend: State, region: str, instance_id: str, instance: Instance | None = None
) -> dict[str, Any]:
    """The association members of a node's ``InstanceInformation`` (DescribeInstanceInformation).

    Built from the per-node statuses DescribeInstanceAssociationsStatus lists
    (companion spec 1.2): ``AssociationStatus`` and ``AssociationOverview``
    (``DetailedStatus`` equal to it, the count per status), the latest run's date
    and the latest successful one's.  Empty for a node no association targets
    (no association fields, as AWS shows).  The roll-up (D-INF-4, D-II-5, the stub's
    choice): ``Failed`` if any association's status there is Failed or TimedOut,
    else ``Pending`` if any is Pending, InProgress or Queued, else ``Success``.
    ``instance`` is the node's record when the caller has it (else looked up).
    """
    node = instance if instance is not None else backend.fleet.require(instance_id)
    infos = [
        _status_info(backend, state, instance_id)
        for state in backend.associations(region).values()
        if targets_node(state.spec, instance_id, node)
    ]
    if not infos:
        return {}
    counts: dict[str, int] = {}
    for info in infos:
        counts[info["Status"]] = counts.get(info["Status"], 0) + 1
    if _FAILED & set(counts):
        rollup = "Failed"
    elif _NOT_FINAL & set(counts):
        rollup = "Pending"
    else:
        rollup = "Success"
    out: dict[str, Any] = {"AssociationStatus": rollup}
    ran = [info["ExecutionDate"] for info in infos if "ExecutionDate" in info]
    if ran:
        out["LastAssociationExecutionDate"] = max(ran)
    succeeded = [
        info["ExecutionDate"]
        for info in infos
        if info["Status"] == "Success" and "ExecutionDate" in info
    ]
    if succeeded:
        out["LastSuccessfulAssociationExecutionDate"] = max(succeeded)
    out["AssociationOverview"] = {
        "DetailedStatus": rollup,
        "InstanceAssociationStatusAggregatedCount": dict(sorted(counts.items())),
    }
    return out


OPERATIONS: dict[str, Operation] = {
    "DescribeInstanceAssociationsStatus": describe_instance_associations_status,
    "DescribeEffectiveInstanceAssociations": describe_effective_instance_associations,
}
