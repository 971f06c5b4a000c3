"""DescribeInstanceInformation from the fleet (companion spec §1).

The managed nodes are those added with ``add_instance`` and moto's running EC2
instances, in fleet order.  Decisions where AWS is silent (docs/behaviour.md):

* D-INF-1: both filter lists in one request: ``ValidationException`` (Q-II-1).
  Values of one key match any of them; several keys must all match (Q-II-3);
  ``AgentVersion``/``IamRole`` values match exactly.  A ``Filters`` key outside the
  documented ones: ``InvalidFilterKey`` (Q-II-7).
* D-INF-2: what a node added without details reports: ``LastPingDateTime`` now (an
  online agent pings often) or, for ``ConnectionLost``/``Inactive``, an hour ago;
  agent ``3.3.987.0`` (``IsLatestVersion`` true for it only); platform name and
  version per platform (``Amazon Linux`` 2, ``Microsoft Windows Server 2022 Datacenter``
  10.0.20348, ``macOS`` 14.2); an ``IPAddress`` in 10.0.0.0/8 derived from
  the id and the ``ip-a-b-c-d.<region>.compute.internal`` name AWS gives it
  (``ec2.internal`` in us-east-1); ``ResourceType`` ``ManagedInstance`` for ``mi-``
  ids, else ``EC2Instance``; ``SourceId`` the id, ``SourceType`` to match.
* D-INF-3: an ``InstanceIds`` value that names no managed node is ``InvalidInstanceId``
  (the documented error), checked before anything is listed.
* D-INF-4: the association roll-up: ``AggregatedCount`` counts the node's per-node
  statuses (as DescribeInstanceAssociationsStatus lists them); ``AssociationStatus``
  (and ``DetailedStatus``, equal to it) is ``Failed`` if any is Failed or TimedOut, else
  ``Pending`` if any is not final (Pending, InProgress), else ``Success`` (Skipped
  counts as done).  ``LastAssociationExecutionDate`` is the latest per-node run date,
  ``LastSuccessfulAssociationExecutionDate`` the latest successful one; a node no
  association reaches has none of these members (observed).
* D-INF-5: default page size 10 (documented), at most 50; short pages never happen
  here: filtering happens before paging.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from .errors import (
    InvalidFilterKey,
    InvalidInstanceId,
    InvalidInstanceInformationFilterValue,
    ValidationException,
)
from .fleet import Instance
from .ops_status import node_association_overview  # D-INF-4, from the per-node statuses

if TYPE_CHECKING:
    from .state import State

__all__ = ["DEFAULT_AGENT_VERSION", "OPERATIONS", "instance_information"]

Body = Mapping[str, Any]
Operation = Callable[["State", str, Body], dict[str, Any]]

DEFAULT_AGENT_VERSION = "3.3.987.0"
_ONLINE, _LOST = timedelta(0), timedelta(hours=1)  # D-INF-2
DEFAULT_PAGE = 10
_PLATFORM_DEFAULTS = {
    "Linux": ("Amazon Linux", "2"),
    "Windows": ("Microsoft Windows Server 2022 Datacenter", "10.0.20348"),
    "MacOS": ("macOS", "14.2"),
}
_KEYS = frozenset(
    {
        "ActivationIds",
        "AgentVersion",
        "AssociationStatus",
        "IamRole",
        "InstanceIds",
        "PingStatus",
        "PlatformTypes",
        "ResourceType",
        "SourceIds",
        "SourceTypes",
    }
)
_RESOURCE_TYPES = ("EC2Instance", "ManagedInstance")


def _ip_address(instance_id: str) -> str:
    digest = hashlib.sha256(instance_id.encode()).digest()
    return f"10.{digest[0]}.{digest[1]}.{max(digest[2], 1)}"


def _computer_name(ip_address: str, region: str) -> str:
    domain = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip_address.replace('.', '-')}.{domain}"


def instance_information(backend: State, region: str, node: Instance) -> dict[str, Any]:
    """One ``InstanceInformation`` item (members sorted as the wire shows them)."""
    name, version = _PLATFORM_DEFAULTS[node.platform]
    agent = node.agent_version or DEFAULT_AGENT_VERSION
    ip_address = node.ip_address or _ip_address(node.instance_id)
    managed = node.instance_id.startswith("mi-")
    pinged = backend.clock.now - (_ONLINE if node.ping_status == "Online" else _LOST)
    out: dict[str, Any] = {
        "InstanceId": node.instance_id,
        "PingStatus": node.ping_status,
        "LastPingDateTime": pinged,
        "AgentVersion": agent,
        "IsLatestVersion": agent == DEFAULT_AGENT_VERSION,
        "PlatformType": node.platform,
        "PlatformName": node.platform_name or name,
        "PlatformVersion": node.platform_version or version,
        "ResourceType": "ManagedInstance" if managed else "EC2Instance",
        "IPAddress": ip_address,
        "ComputerName": node.computer_name or _computer_name(ip_address, region),
    }
    out.update(node_association_overview(backend, region, node.instance_id, node))
    out["SourceId"] = node.instance_id
    out["SourceType"] = "AWS::SSM::ManagedInstance" if managed else "AWS::EC2::Instance"
    return out


def _filters(body: Body) -> list[tuple[str, tuple[str, ...]]]:
    legacy = body.get("InstanceInformationFilterList")
    current = body.get("Filters")
    if legacy and current:  # D-INF-1
        raise ValidationException(
            "InstanceInformationFilterList and Filters cannot be used in the same request; "
            "use Filters."
        )
    found: list[tuple[str, tuple[str, ...]]] = []
    for item in legacy or ():
        found.append((str(item["key"]), tuple(str(v) for v in item["valueSet"])))
    for item in current or ():
        key = str(item["Key"])
        if key not in _KEYS and key != "tag-key" and not key.startswith("tag:"):
            raise InvalidFilterKey(f"The specified key isn't valid: {key}")
        found.append((key, tuple(str(v) for v in item["Values"])))
    tagged = [key for key, _ in found if key == "tag-key" or key.startswith("tag:")]
    if tagged and len(tagged) < len(found):
        raise ValidationException("Cannot mix tag or inventory filter with any other filter.")
    for key, values in found:
        if key == "ResourceType":
            if len(values) > 1:
                raise InvalidInstanceInformationFilterValue(
                    "ResourceType filter may contain only one value."
                )
            if values[0] not in _RESOURCE_TYPES:
                raise InvalidInstanceInformationFilterValue(
                    "ResourceType filter is invalid, valid values are EC2Instance, ManagedInstance"
                )
    return found


def _matches(item: Mapping[str, Any], node: Instance, key: str, values: Sequence[str]) -> bool:
    if key == "tag-key":
        return any(value in node.tags for value in values)
    if key.startswith("tag:"):
        return node.tags.get(key[4:]) in values
    member = {
        "InstanceIds": "InstanceId",
        "AgentVersion": "AgentVersion",
        "PingStatus": "PingStatus",
        "PlatformTypes": "PlatformType",
        "ResourceType": "ResourceType",
        "AssociationStatus": "AssociationStatus",
        "SourceIds": "SourceId",
        "SourceTypes": "SourceType",
    }.get(key)
    return member is not None and item.get(member) in values  # ActivationIds, IamRole: none


def describe_instance_information(backend: State, region: str, body: Body) -> dict[str, Any]:
    filters = _filters(body)
    for key, values in filters:
        if key == "InstanceIds":
            for value in values:
                if not backend.fleet.known(value):  # D-INF-3
                    raise InvalidInstanceId(f"Instance {value} is not a valid managed node.")
    chosen = []
    for node in backend.fleet.nodes():
        item = instance_information(backend, region, node)
        if all(_matches(item, node, key, values) for key, values in filters):
            chosen.append(item)
    fingerprint = hashlib.sha256(repr(filters).encode()).hexdigest()[:16]
    max_results = body.get("MaxResults")
    page, token = backend.paginator.page(
        f"instance-information:{region}:{fingerprint}",
        chosen,
        max_results=DEFAULT_PAGE if max_results is None else max_results,
        next_token=body.get("NextToken"),
    )
    response: dict[str, Any] = {"InstanceInformationList": page}
    if token is not None:
        response["NextToken"] = token
    return response


OPERATIONS: dict[str, Operation] = {
    "DescribeInstanceInformation": describe_instance_information,
}
