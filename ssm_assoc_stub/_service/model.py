"""Records of the association state (pure core, snake_case).

Value objects are frozen; ``AssociationState`` is the one mutable holder per
association and is only touched by the backend while it holds its lock.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from .executions import Execution, NodeResult
from .journal import TxDeque, TxDict, TxList, fresh, journaled_setattr

__all__ = [
    "AssociationSpec",
    "AssociationState",
    "AssociationVersion",
    "JoinOverview",
    "CREATING",
    "LEGACY_ASSOCIATED",
    "LegacyStatus",
    "OutputLocation",
    "Overview",
    "Target",
]


@attrs.frozen
class Target:
    """One ``Targets`` entry: the key as sent (D-TGT-1) and its values."""

    key: str
    values: tuple[str, ...]


@attrs.frozen
class OutputLocation:
    """``OutputLocation.S3Location``; ``None`` members were not sent."""

    region: str | None = None
    bucket: str | None = None
    key_prefix: str | None = None


@attrs.frozen(kw_only=True)
class AssociationSpec:
    """What one association version holds: the members a caller sets.

    ``None`` means "not set": such members are absent from responses.  The
    members the core never interprets (TargetLocations, TargetMaps,
    AlarmConfiguration) are kept as canonical JSON text, opaque and immutable.
    """

    name: str
    instance_id: str | None = None
    document_version: str | None = None
    parameters: Mapping[str, tuple[str, ...]] | None = None
    targets: tuple[Target, ...] | None = None
    schedule_expression: str | None = None
    output_location: OutputLocation | None = None
    association_name: str | None = None
    automation_target_parameter_name: str | None = None
    max_errors: str | None = None
    max_concurrency: str | None = None
    compliance_severity: str | None = None
    sync_compliance: str | None = None
    apply_only_at_cron_interval: bool | None = None
    calendar_names: tuple[str, ...] | None = None
    target_locations: str | None = None
    schedule_offset: int | None = None
    duration: int | None = None
    target_maps: str | None = None
    alarm_configuration: str | None = None
    association_dispatch_assume_role: str | None = None

    @property
    def applies_only_at_cron_interval(self) -> bool:
        return bool(self.apply_only_at_cron_interval)


@attrs.frozen
class AssociationVersion:
    version: int
    created: datetime
    spec: AssociationSpec


@attrs.frozen
class LegacyStatus:
    """The ``Status`` block of a legacy InstanceId association (D-ST-2)."""

    date: datetime
    name: str
    message: str
    additional_info: str | None = None


@attrs.frozen
class Overview:
    status: str
    detailed_status: str | None
    counts: Mapping[str, int] | None = None


@attrs.frozen
class JoinOverview:
    """D-RC-12: the Overview after join runs, valid while ``base`` is the last full run."""

    base: Execution | None
    version: int
    overview: Overview
    statuses: Mapping[str, str]  # node -> latest status, the full run's and the joiners'


#: The Overview a create or update answers with, and shows until a run begins (D-ST-1).
CREATING = Overview("Pending", "Creating")
#: A legacy association's Overview from its create until its node reports (D-ST-1).
LEGACY_ASSOCIATED = Overview("Pending", "Associated", MappingProxyType({"Pending": 1}))


@attrs.define(on_setattr=journaled_setattr)
class AssociationState:
    """The mutable holder of one association; the backend owns it.

    Every change is journaled (``journal``): attributes by the ``on_setattr`` hook,
    the containers by their own types, so a failed call leaves it as it was.
    """

    association_id: str
    region: str
    created: datetime
    versions: list[AssociationVersion]
    last_update: datetime
    history_limit: int
    legacy_status: LegacyStatus | None = None
    tags: tuple[tuple[str, str], ...] = ()
    last_execution_date: datetime | None = None
    last_successful_execution_date: datetime | None = None
    # The execution whose result the Overview shows; cleared by an update (D-ST-1).
    overview_execution: Execution | None = None
    join_overview: JoinOverview | None = None  # after join runs (D-RC-12)
    triggered_alarms: tuple[tuple[str, str], ...] = ()  # of the last execution (D-ALM-1)
    executions: deque[Execution] = attrs.field(factory=deque)
    # The latest result on each node, for per-node status: small tuples that pin
    # no execution (``executions.NodeResult``).
    node_results: dict[str, NodeResult] = attrs.field(factory=dict)
    # Per-target rows held by ``executions`` (for the history_target_limit budget).
    kept_rows: int = 0
    kept_total: int = 0  # executions ever added to ``executions`` (paging positions)
    rerun_after_stop: bool = False
    deleted: bool = False

    def __attrs_post_init__(self) -> None:
        fresh(self)  # made in a call: dropped whole if the call fails
        self.versions = TxList(self.versions)
        self.executions = TxDeque(self.executions, maxlen=self.history_limit)
        self.node_results = TxDict(self.node_results)

    @property
    def latest(self) -> AssociationVersion:
        return self.versions[-1]

    @property
    def spec(self) -> AssociationSpec:
        return self.versions[-1].spec

    @property
    def is_legacy(self) -> bool:
        return self.versions[0].spec.instance_id is not None
