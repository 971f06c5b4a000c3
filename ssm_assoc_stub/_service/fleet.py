"""Managed nodes, target resolution and the outcomes nodes report (pure core)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import attrs

from .errors import InvalidInstanceId
from .journal import TxDict
from .model import AssociationSpec, Target
from .outcomes import OUTCOME_STATUSES, OutcomeFunction, Outcomes, Reported

if TYPE_CHECKING:
    from .sources import ExternalNode

__all__ = [
    "OUTCOME_STATUSES",
    "Fleet",
    "Instance",
    "NodeSource",
    "OutcomeFunction",
    "is_instance_ids_key",
    "target_matches",
    "targets_node",
]

# A managed node id as the stub accepts it (AWS's are i-<8 or 17 hex>, mi-<17 hex>;
# the stub also takes short readable ids such as "i-web-1").
NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}")
PLATFORMS = ("Linux", "Windows", "MacOS")
PING_STATUSES = ("Online", "ConnectionLost", "Inactive")

# fn(instance id) -> (tags, platform) of a node known elsewhere (e.g. moto's EC2), or None
NodeSource = Callable[[str], "tuple[Mapping[str, str], str] | None"]


def is_instance_ids_key(key: str) -> bool:
    """``InstanceIds`` matched case-insensitively (D-TGT-1)."""
    return key.lower() == "instanceids"


@attrs.frozen
class Instance:
    """A managed node: added with ``add_instance`` (origin ``"stub"``) or one of moto's
    running EC2 instances (origin ``"moto"``).  ``None`` details are derived when
    reported (``ops_instances``)."""

    instance_id: str
    tags: Mapping[str, str]
    platform: str
    order: int
    ping_status: str = "Online"
    platform_name: str | None = None
    platform_version: str | None = None
    agent_version: str | None = None
    ip_address: str | None = None
    computer_name: str | None = None
    origin: str = "stub"


def check_node_id(instance_id: object, what: str = "instance_id") -> str:
    """``instance_id`` if it is a well-formed node id; ``TypeError``/``ValueError`` otherwise."""
    if not isinstance(instance_id, str):
        raise TypeError(
            f"{what} must be a string such as 'i-0123456789abcdef0', got {instance_id!r}"
        )
    if NODE_ID.fullmatch(instance_id) is None:
        raise ValueError(
            f"{what} must be a managed node id such as 'i-0123456789abcdef0' (1-100 letters, "
            f"digits, '_', '.', ':' or '-', starting with a letter or digit), got {instance_id!r}"
        )
    return instance_id


def _tag_map(tags: object) -> dict[str, str]:
    """``tags`` as a dict: a mapping of str to str, or AWS's ``[{"Key": k, "Value": v}]``."""
    if tags is None:
        return {}
    expected = "a mapping of str to str, or a list of {'Key': str, 'Value': str}"
    if isinstance(tags, Mapping):
        pairs = list(tags.items())
    elif isinstance(tags, (list, tuple)):
        pairs = []
        for item in tags:
            if not (isinstance(item, Mapping) and set(item) == {"Key", "Value"}):
                raise TypeError(f"tags must be {expected}; got the item {item!r}")
            pairs.append((item["Key"], item["Value"]))
    else:
        raise TypeError(f"tags must be {expected}, got {tags!r}")
    for key, value in pairs:
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(f"tags must map strings to strings, got {key!r}: {value!r}")
        if not key:
            raise ValueError("tag keys must not be empty")
    return dict(pairs)


class Fleet:
    """The managed nodes one stub knows, in registration order."""

    def __init__(self, *, strict: bool) -> None:
        self.strict = strict
        self._instances: dict[str, Instance] = TxDict()
        # moto's running instances as of the last sync, and the ids of its others
        # (stopped, terminated, ...): those are never targets, not even on the fly.
        self._external: dict[str, Instance] = {}
        self._unavailable: frozenset[str] = frozenset()
        self._counter = 0
        self._outcomes = Outcomes()
        self._sources: list[NodeSource] = []

    # -- nodes ---------------------------------------------------------------
    def add(
        self,
        instance_id: str,
        *,
        tags: Mapping[str, str] | None = None,
        platform: str = "Linux",
        ping_status: str = "Online",
        platform_name: str | None = None,
        platform_version: str | None = None,
        agent_version: str | None = None,
        ip_address: str | None = None,
        computer_name: str | None = None,
    ) -> Instance:
        check_node_id(instance_id)
        if not isinstance(platform, str) or platform not in PLATFORMS:
            raise ValueError(f"platform must be one of {', '.join(PLATFORMS)}, got {platform!r}")
        if ping_status not in PING_STATUSES:
            raise ValueError(
                f"ping_status must be one of {', '.join(PING_STATUSES)}, got {ping_status!r}"
            )
        details = {
            "platform_name": platform_name,
            "platform_version": platform_version,
            "agent_version": agent_version,
            "ip_address": ip_address,
            "computer_name": computer_name,
        }
        for name, value in details.items():
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a non-empty string or None, got {value!r}")
        tag_map = _tag_map(tags)
        existing = self._instances.get(instance_id) or self._external.get(instance_id)
        order = existing.order if existing is not None else self._next_order()
        instance = Instance(
            instance_id,
            tag_map,
            platform,
            order,
            ping_status=ping_status,
            platform_name=platform_name,
            platform_version=platform_version,
            agent_version=agent_version,
            ip_address=ip_address,
            computer_name=computer_name,
        )
        self._instances[instance_id] = instance
        return instance

    def sync_external(self, nodes: Sequence[ExternalNode]) -> dict[str, Instance | None]:
        """Make ``nodes`` (moto's instances) the fleet's external nodes: the running
        ones are managed nodes, the others (stopped, terminated) are never targets.

        Returns what changed as ``State.fleet_changed`` takes it: each node that
        appeared, was retagged or went, mapped to what it was before (None: new).
        A node added with ``add`` wins over a moto instance with the same id.
        """
        previous: dict[str, Instance | None] = {}
        fresh: dict[str, Instance] = {}
        unavailable = {node.instance_id for node in nodes if node.state != "running"}
        for node in nodes:
            if node.state != "running":
                continue
            old = self._external.get(node.instance_id)
            order = old.order if old is not None else self._next_order()
            fresh[node.instance_id] = Instance(
                node.instance_id,
                dict(node.tags),
                node.platform if node.platform in PLATFORMS else "Linux",
                order,
                platform_name=node.platform_name,
                platform_version=node.platform_version,
                ip_address=node.ip_address,
                computer_name=node.computer_name,
                origin="moto",
            )
            retagged = old is None or dict(old.tags) != dict(node.tags)
            if retagged and node.instance_id not in self._instances:
                previous[node.instance_id] = old
        for gone in set(self._external) - set(fresh) - set(self._instances):
            previous[gone] = self._external[gone]
        self._external = fresh
        self._unavailable = frozenset(unavailable) - set(fresh)
        return previous

    @staticmethod
    def details(instance: Instance, **changes: Any) -> dict[str, Any]:
        """``add``'s keywords that rebuild ``instance``, with ``changes`` applied."""
        kept = {
            "tags": instance.tags,
            "platform": instance.platform,
            "ping_status": instance.ping_status,
            "platform_name": instance.platform_name,
            "platform_version": instance.platform_version,
            "agent_version": instance.agent_version,
            "ip_address": instance.ip_address,
            "computer_name": instance.computer_name,
        }
        kept.update(changes)
        return kept

    def nodes(self) -> list[Instance]:
        """Every managed node, in registration (first-seen) order."""
        merged = {**self._external, **self._instances}
        return sorted(merged.values(), key=lambda i: i.order)

    def remove(self, instance_id: str) -> None:
        if instance_id not in self._instances:
            if instance_id in self._external:
                raise KeyError(
                    f"{instance_id!r} is one of moto's EC2 instances: stop or terminate it "
                    "in moto (ec2.stop_instances) to take it out of the fleet"
                )
            raise KeyError(
                f"no managed node {instance_id!r}; known nodes: {sorted(self._instances) or 'none'}"
            )
        del self._instances[instance_id]

    def get(self, instance_id: str) -> Instance | None:
        return self._instances.get(instance_id) or self._external.get(instance_id)

    def known(self, instance_id: str) -> bool:
        """The one fleet question, "is this node known?" (D-CRT-3).

        True for a node added with ``add`` and for one a registered source
        (``add_source``, e.g. the moto bridge's EC2 instances) knows.  Changes nothing.
        """
        return (
            instance_id in self._instances
            or instance_id in self._external
            or self._from_sources(instance_id) is not None
        )

    def add_source(self, source: NodeSource) -> None:
        """Let ``source`` answer ``known`` for nodes not added here (first answer wins).

        A node a source knows joins the fleet (with the source's tags and platform)
        the first time an association reaches it.
        """
        self._sources.append(source)

    def _from_sources(self, instance_id: str) -> tuple[Mapping[str, str], str] | None:
        for source in self._sources:
            found = source(instance_id)
            if found is not None:
                return found
        return None

    def require(self, instance_id: str) -> Instance | None:
        """The node if known; ``InvalidInstanceId`` for an unknown one in strict mode.

        Never adds a node: callers that must not change state on failure use it.
        """
        instance = self.get(instance_id)
        stopped = instance_id in self._unavailable  # a moto instance that is not running
        if instance is None and (stopped or (self.strict and not self.known(instance_id))):
            raise InvalidInstanceId(f"Instance {instance_id} is not a valid managed node.")
        return instance

    def ensure(self, instance_id: str) -> Instance | None:
        """The node, added on the fly as an online Linux node unless strict.

        A moto instance that is not running (stopped, terminated) is never added.
        """
        instance = self.get(instance_id)
        if instance is None and instance_id not in self._unavailable:
            found = self._from_sources(instance_id)
            if found is not None:
                tags, platform = found
                instance = self.add(instance_id, tags=tags, platform=platform)
            elif not self.strict and NODE_ID.fullmatch(instance_id):
                instance = self.add(instance_id)  # a value that is no node id names no node
        return instance

    def _next_order(self) -> int:
        self._counter += 1
        return self._counter

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.nodes())

    # -- targets -------------------------------------------------------------
    def resolve(self, targets: Sequence[Target] | None, instance_id: str | None) -> list[str]:
        """The node ids an association reaches now, in dispatch order (D-RC-10).

        Several ``Targets`` entries must all match (AND).  ``InstanceIds``
        values keep the order given; other keys match nodes in registration
        order.  Unknown ids are added on the fly unless the fleet is strict.
        """
        if instance_id is not None:
            return [instance_id] if self.ensure(instance_id) is not None else []
        if not targets:
            return []
        for target in targets:
            if target.key == "ParameterValues":  # D-RB-1: a runbook fans out over the values
                return list(dict.fromkeys(target.values))
        ordered: list[str] | None = None
        filters: list[Target] = []
        for target in targets:
            if is_instance_ids_key(target.key) and "*" not in target.values:
                ids = [v for v in target.values if self.ensure(v) is not None]
                ordered = ids if ordered is None else [i for i in ordered if i in set(ids)]
            else:
                filters.append(target)
        if ordered is None:
            candidates = self.nodes()
        else:
            found = (self.get(i) for i in dict.fromkeys(ordered))
            candidates = [c for c in found if c is not None]
        return [c.instance_id for c in candidates if all(target_matches(c, t) for t in filters)]

    # -- outcomes ------------------------------------------------------------
    def set_outcome(
        self,
        target: str,
        status: str | OutcomeFunction,
        duration: float | None,
        **output: Any,
    ) -> None:
        """``output``: ``output=``, ``error=``, ``exit_code=`` of ``Outcomes.set``."""
        if target != "*":
            check_node_id(target, "target (an instance id, or '*')")
        self._outcomes.set(target, status, duration, **output)

    def outcome(
        self, instance_id: str, describe: Callable[[], Mapping[str, Any]]
    ) -> tuple[str, float]:
        """What ``instance_id`` reports; a per-node setting wins over ``*`` (D-RC-11)."""
        status, duration, _ = self._outcomes.report(instance_id, describe)
        return status, duration

    def report(self, instance_id: str, describe: Callable[[], Mapping[str, Any]]) -> Reported:
        """``outcome`` with what the run printed (``NodeOutput``, or None for the defaults)."""
        return self._outcomes.report(instance_id, describe)


def target_matches(instance: Instance, target: Target) -> bool:
    key = target.key
    if is_instance_ids_key(key):  # only "*" reaches here
        return True
    if key.startswith("tag:"):
        value = instance.tags.get(key[4:])
        return value is not None and value in target.values
    if key == "tag-key":
        return any(k in instance.tags for k in target.values)
    if key == "AWS::EC2::Instance":  # D-RB-1: every EC2 node (``i-`` ids) for ``*``
        return instance.instance_id.startswith("i-") and (
            "*" in target.values or instance.instance_id in target.values
        )
    # Resource groups, cloud connectors and the Automation placeholder reach no managed node.
    return False


def unresolvable_key(key: str) -> bool:
    """A runbook target key whose resources the stub cannot look up (D-WARN-1): a
    resource group, a cloud connector, or a resource type other than EC2 instances."""
    if key in ("ResourceGroup", "CloudConnector"):
        return True
    return key.startswith("AWS::") and key != "AWS::EC2::Instance"


def targets_node(spec: AssociationSpec, instance_id: str, instance: Instance | None) -> bool:
    """Whether ``spec`` reaches the node now (the rules of ``Fleet.resolve``, read-only).

    ``instance`` is the registered node, or None for a node the stub does not
    know: only an explicit ``InstanceIds`` value (or legacy InstanceId) reaches it.
    """
    if spec.instance_id is not None:
        return spec.instance_id == instance_id
    if not spec.targets:
        return False
    for target in spec.targets:
        if is_instance_ids_key(target.key) and "*" not in target.values:
            if instance_id not in target.values:
                return False
        elif instance is None or not target_matches(instance, target):
            return False
    return True
