"""The emulated service's state: associations, the fleet, documents, the clock.

Pure core: one mutable holder that the operations (``ops_*``) read and change
under its lock, and the executions that act on it.  The test-side controls are
in ``controls.Controls`` (a subclass); the entry point that dispatches calls is
``service.Backend``, over both.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from .clock import Clock, code_now_ms, from_epoch_ms, time_is_frozen
from .commands import CommandStore
from .compliance import ComplianceStore
from .conditions import ALARM_STATES, CALENDAR_STATES, Timeline, parse_alarm_configuration
from .documents import Document, DocumentRegistry
from .engine import Engine, Execution, Handle
from .errors import (
    AssociationDoesNotExist,
    InvalidAssociationVersion,
    ServiceError,
    ValidationException,
)
from .executions import TargetResult, TargetTable
from .fleet import Fleet, Instance, unresolvable_key
from .ids import IdKind, IdSource
from .joins import Joins, joined_overview
from .journal import TxDict
from .misuse import StubStateError
from .model import (
    CREATING,
    LEGACY_ASSOCIATED,
    AssociationSpec,
    AssociationState,
    AssociationVersion,
    Overview,
)
from .notices import NoTargetsWarning
from .options import Options
from .pagination import Ordered, Paginator
from .scheduling import Scheduler
from .simulator import Simulator
from .sources import ExternalSource
from .wire import description

__all__ = ["State"]

_EMPTY_TABLE: Mapping[str, TargetResult] = {}


class State:
    """One stub's service state: every Region of its account, the fleet, the clock.

    The operations (``ops_*``) read and change it; ``service.Backend`` adds the
    entry point that dispatches a call to them.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.lock = threading.RLock()
        self.ids = IdSource(options.seed)  # every id the stub and its binding make
        self.clock = Clock(options.start_time)
        self.simulator = Simulator(self.clock)
        self.engine = Engine(
            self.clock,
            self.simulator,
            default_max_concurrency=options.default_max_concurrency,
        )
        self.fleet = Fleet(strict=options.strict_fleet)
        self.documents = DocumentRegistry()
        self.paginator = Paginator()
        self.scheduler = Scheduler(self.clock, self.simulator, self.engine, self.start_execution)
        # region -> association id -> state, in creation order
        # Journaled containers (see ``journal``): a failed call leaves them as they were.
        self.regions: dict[str, dict[str, AssociationState]] = TxDict()
        self.by_id: dict[str, AssociationState] = TxDict()
        # (region, document name, instance id) -> legacy association id
        self.legacy_index: dict[tuple[str, str, str], str] = TxDict()
        self._triggered: list[AssociationState] = []
        self.compliance = ComplianceStore()  # what PutComplianceItems wrote
        self.commands = CommandStore()  # the Run Command view of each execution (D-CMD-1)
        self.alarms = Timeline("alarm", ALARM_STATES, "OK")  # D-ALM-1
        self.calendars = Timeline("calendar", CALENDAR_STATES, "OPEN")  # D-CAL-1
        self.joins = Joins(  # D-RC-8, D-RC-12
            self.by_id,
            self.fleet,
            self.engine,
            is_runbook=self.is_runbook,
            calendars_open=self.calendars_open,
            start_join_run=self.start_join_run,
        )
        # The rest of AWS (moto) for the call being answered; the binding sets it.
        self.external: ExternalSource | None = None
        # Warnings found under the lock, issued once the state is consistent again.
        self.notices: list[Warning] = []
        # region -> the associations under stable positions, for O(page) listings
        self._ordered: dict[str, Ordered[AssociationState]] = TxDict()
        self.fleet.add_source(self._external_node)  # D-CRT-3: moto's instances are known
        # association id -> the start a call triggered, waiting for the clock (D-ST-1)
        self._pending_starts: dict[str, Handle] = TxDict()

    def _external_node(self, instance_id: str) -> tuple[Mapping[str, str], str] | None:
        """A running instance of the rest of AWS (moto's EC2), as a fleet source."""
        source = self.external
        if source is None or not source.active():
            return None
        for node in source.nodes() or ():
            if node.instance_id == instance_id:
                return node.tags, node.platform
        return None

    def use_source(self, source: ExternalSource | None) -> None:
        """What the next call reads for documents and nodes the stub does not hold."""
        self.external = source
        self.documents.source = source

    def sync_nodes(self, *, renew: bool = False) -> None:
        """Bring moto's instances into the fleet: new or retagged ones may join runs
        (through ``fleet_changed``, D-RC-8, D-RC-12).

        ``renew`` asks the source again (for test-side controls between calls).
        """
        source = self.external
        if source is None:
            return
        if renew:
            source = self.external = source.renewed()
            self.documents.source = source
        previous = self.fleet.sync_external(source.nodes() or ())
        if previous:
            self._joins_changed(previous)

    # -- lookups ---------------------------------------------------------------
    def associations(self, region: str) -> dict[str, AssociationState]:
        found = self.regions.get(region)
        if found is None:
            found = self.regions[region] = TxDict()
        return found

    def ordered(self, region: str) -> Ordered[AssociationState]:
        """The Region's associations under stable positions (creation order).

        Kept in step by ``store``/``delete``; rebuilt from ``associations(region)``
        if anything changed that dict behind their back (a rollback, say).
        """
        current = self.associations(region)
        ordered = self._ordered.get(region)
        if ordered is None or len(ordered) != len(current):
            ordered = self._ordered[region] = Ordered()
            for association_id, state in current.items():
                ordered.add(association_id, state)
        return ordered

    def scan_associations(self, region: str, start: int) -> Iterator[tuple[int, AssociationState]]:
        """``(position, state)`` of the Region's associations from ``start`` on."""
        current = self.associations(region)
        for position, state in self.ordered(region).scan(start):
            if current.get(state.association_id) is state:
                yield position, state

    def get(self, region: str, association_id: str) -> AssociationState:
        state = self.by_id.get(association_id)
        if state is None or state.region != region:
            raise AssociationDoesNotExist(f"Association {association_id} does not exist.")
        return state

    def lookup(self, region: str, body: Mapping[str, Any]) -> AssociationState:
        """D-DES-1: AssociationId wins; otherwise Name + InstanceId; neither is an error."""
        association_id = body.get("AssociationId")
        if association_id is not None:
            return self.get(region, association_id)
        name, instance_id = body.get("Name"), body.get("InstanceId")
        if name is None or instance_id is None:
            raise ValidationException(
                "Either AssociationId, or both Name and InstanceId, must be specified."
            )
        self.documents.get(name)
        self.fleet.require(instance_id)
        state = self.find_legacy(region, name, instance_id)
        if state is None:
            raise AssociationDoesNotExist(
                f"Association for document {name} and instance {instance_id} does not exist."
            )
        return state

    def find(self, association_id: str) -> AssociationState:
        """Any Region; for the test-side controls."""
        state = self.by_id.get(association_id)
        if state is None:
            known = ", ".join(self.by_id) or "none"
            raise KeyError(f"no association {association_id!r}; known: {known}")
        return state

    def _legacy_key(self, region: str, name: str, instance_id: str) -> tuple[str, str, str]:
        """A document named by ARN and by name is one document."""
        return (region, self.documents.canonical_name(name), instance_id)

    def find_legacy(self, region: str, name: str, instance_id: str) -> AssociationState | None:
        association_id = self.legacy_index.get(self._legacy_key(region, name, instance_id))
        return None if association_id is None else self.by_id[association_id]

    def document_of(self, name: str) -> Document | None:
        try:
            return self.documents.get(name)
        except ServiceError:
            return None

    def is_runbook(self, spec: AssociationSpec) -> bool:
        document = self.document_of(spec.name)
        return document is not None and document.document_type == "Automation"

    def calendars_open(self, spec: AssociationSpec) -> bool:
        """D-CAL-1: every Change Calendar of ``spec`` is open now (none: open)."""
        names = spec.calendar_names
        return not names or self.calendars.all_in(names, "OPEN", self.clock.now)

    @staticmethod
    def version_of(state: AssociationState, selector: str | None) -> AssociationVersion:
        if selector is None or selector == "$LATEST":
            return state.latest
        # The constraints allow any [1-9][0-9]* here: compare digits before converting.
        digits = str(selector)
        too_long = len(digits) > len(str(len(state.versions)))
        number = 0 if too_long or not digits.isdecimal() else int(digits)
        if not 1 <= number <= len(state.versions):
            raise InvalidAssociationVersion(
                f"Association version {selector} does not exist for association "
                f"{state.association_id}. Use ListAssociationVersions to find valid versions."
            )
        return state.versions[number - 1]

    # -- state changes (called by _api with validated input) ------------------
    def new_id(self, kind: IdKind = "association") -> str:
        return self.ids.new(kind)

    def store(self, state: AssociationState) -> None:
        self.associations(state.region)[state.association_id] = state
        self.by_id[state.association_id] = state
        ordered = self._ordered.get(state.region)
        if ordered is not None:
            ordered.add(state.association_id, state)
        spec = state.spec
        if spec.instance_id is not None:
            key = self._legacy_key(state.region, spec.name, spec.instance_id)
            self.legacy_index[key] = state.association_id
            self.fleet.ensure(spec.instance_id)  # a node named by id joins on the fly

    def trigger(self, state: AssociationState) -> None:
        """Run ``state`` once the current call has been answered."""
        self._triggered.append(state)

    def begin_triggered(self, states: list[AssociationState]) -> None:
        """D-ST-1 (sharpened): a run a call triggers begins once the clock moves on.

        Each is an ``"execution"`` event at the call's instant: the next ``advance``
        (whatever its step), ``settle`` or ``run`` starts it at that instant, so
        until then the association reads ``Pending``/``Creating``.  A start still
        waiting absorbs later triggers (it runs the latest version when it begins).
        """
        now = self.clock.now
        for state in states:
            aid = state.association_id
            if aid in self._pending_starts or state.deleted:
                continue
            self._pending_starts[aid] = self.simulator.call_at(
                now, functools.partial(self._begin, state), kind="execution"
            )

    def _begin(self, state: AssociationState) -> None:
        self._pending_starts.pop(state.association_id, None)
        self.start_execution(state)

    def schedule(self, state: AssociationState, *, created: bool) -> None:
        self.scheduler.plan(state, created=created)

    def delete(self, state: AssociationState) -> None:
        state.deleted = True
        self.joins.forget(state)
        self.commands.forget_association(state.association_id)
        pending = self._pending_starts.pop(state.association_id, None)
        if pending is not None:
            pending.cancel()
        self.scheduler.cancel(state)
        self.engine.cancel(state.association_id)
        del self.associations(state.region)[state.association_id]
        del self.by_id[state.association_id]
        ordered = self._ordered.get(state.region)
        if ordered is not None:
            ordered.remove(state.association_id)
        spec = state.spec
        if spec.instance_id is not None:
            self.legacy_index.pop(self._legacy_key(state.region, spec.name, spec.instance_id), None)

    # -- executions ------------------------------------------------------------
    def overview(self, state: AssociationState) -> Overview:
        """D-ST-1.

        A legacy InstanceId association reads ``Pending``/``Associated`` with
        ``{"Pending": 1}`` from its create until its node reports a first result.
        """
        if state.is_legacy and not state.node_results:
            return LEGACY_ASSOCIATED
        counts = self.engine.progress_counts(state.association_id)
        if counts is not None and not state.rerun_after_stop:
            return Overview("Pending", "InProgress", dict(counts))
        execution = state.overview_execution
        joined = state.join_overview
        if (
            joined is not None
            and joined.base is execution
            and joined.version == state.latest.version
        ):
            return joined.overview  # D-RC-12: the last full run with the join runs since
        if execution is None:
            return CREATING
        return Overview(execution.status, execution.detailed_status, dict(execution.status_counts))

    def start_execution(self, state: AssociationState) -> None:
        """Start a run of ``state``'s latest version now; a run in progress is stopped first.

        Nothing happens while one of its Change Calendars is closed (D-CAL-1).
        """
        if state.deleted or not self.calendars_open(state.spec):
            return
        if self.engine.busy:  # asked from inside an outcome function: after it returns
            self.engine.defer(lambda: self.start_execution(state))
            return
        aid = state.association_id
        if self.engine.running(aid):
            # Nodes already running finish, nodes not started are stopped; then
            # all targets run again (spec section 7).
            self.engine.stop(aid)
            state.rerun_after_stop = True
            return
        version = state.latest
        spec = version.spec
        targets = self.fleet.resolve(spec.targets, spec.instance_id)
        self._check_targets(state, spec, targets)
        self._run(state, targets, join=False)

    def start_join_run(self, state: AssociationState, nodes: list[str]) -> None:
        """D-RC-12: an execution of ``state`` over the nodes that joined its targets."""
        self._run(state, nodes, join=True)

    def _run(self, state: AssociationState, targets: list[str], *, join: bool) -> None:
        aid = state.association_id
        version = state.latest
        spec = version.spec

        def describe() -> Mapping[str, Any]:
            return description(state, version, self.overview(state))

        execution_id = self.new_id("execution")
        command_id = self.commands.open(
            self.ids.command_id(),
            execution_id=execution_id,
            state=state,
            spec=spec,
            requested=self.clock.now,
        ).command_id
        fleet, commands = self.fleet, self.commands

        def outcome(instance_id: str) -> tuple[str, float]:
            status, duration, printed = fleet.report(instance_id, describe)
            if printed is not None:  # what the invocation shows (D-CMD-5)
                commands.printed(command_id, instance_id, printed)
            return status, duration

        alarm = parse_alarm_configuration(spec.alarm_configuration)
        gate = None
        if alarm is not None:
            alarms, clock = self.alarms, self.clock

            def gate() -> tuple[tuple[str, str], ...]:  # D-ALM-1
                return alarm.triggered(alarms, clock.now)

        window = spec.duration if spec.applies_only_at_cron_interval else None  # D-DUR-1
        self.engine.start(
            association_id=aid,
            association_version=str(version.version),
            execution_id=execution_id,
            targets=targets,
            max_concurrency=spec.max_concurrency,
            max_errors=spec.max_errors,
            outcome=outcome,
            on_finish=lambda execution: self._finished(state, execution, join=join),
            gate=gate,
            cutoff_after=None if window is None else window * 3600.0,
        )

    def _check_targets(
        self, state: AssociationState, spec: AssociationSpec, targets: list[str]
    ) -> None:
        """Issue 9: no silent green tests (D-WARN-1).  Warn when a run reaches no node,
        or when a tag target names a tag no node has (a typo, or nodes never added)."""
        wanted = [t for t in spec.targets or () if t.key != "aws:NoOpAutomationTag"]
        if spec.instance_id is None and not wanted:
            return  # the Automation placeholder, TargetLocations, TargetMaps: nothing to match
        label = f"Association {state.association_id} ({spec.name})"
        fix = (
            "AWS accepts this and reports Success, so the test may pass without running "
            "anything. Add nodes with stub.add_instance(...) or launch EC2 instances in "
            "moto; if it is meant, filter ssm_assoc_stub.NoTargetsWarning."
        )
        unresolved = sorted({t.key for t in wanted if unresolvable_key(t.key)})
        if unresolved and not targets:
            self.notices.append(
                NoTargetsWarning(
                    f"{label} ran on no node: the stub does not resolve {' or '.join(unresolved)} "
                    "targets (AWS would look up the group's or connector's resources), so the "
                    "run ends Success with no target. To run on nodes in a test, target them "
                    "with ParameterValues, InstanceIds or AWS::EC2::Instance; if it is meant, "
                    "filter ssm_assoc_stub.NoTargetsWarning."
                )
            )
            return
        nodes = self.fleet.nodes()
        if not targets:
            sent = spec.instance_id or ", ".join(f"{t.key}={','.join(t.values)}" for t in wanted)
            self.notices.append(
                NoTargetsWarning(
                    f"{label} ran on no node: {sent} matches none of the {len(nodes)} managed "
                    f"node(s). {fix}"
                )
            )
            return
        for target in wanted:
            for value in target.values:
                if target.key.startswith("tag:"):
                    key = target.key[4:]
                    if not any(node.tags.get(key) == value for node in nodes):
                        self.notices.append(
                            NoTargetsWarning(f"{label}: no managed node has the tag {key}={value}.")
                        )
                elif target.key == "tag-key" and not any(value in n.tags for n in nodes):
                    self.notices.append(
                        NoTargetsWarning(f"{label}: no managed node has a tag {value}.")
                    )

    def take_notices(self) -> list[Warning]:
        """The warnings found since they were last taken (the server logs them)."""
        with self.lock:
            found, self.notices = self.notices, []
        return found

    def flush_notices(self) -> None:
        """Issue the warnings found since the last flush (outside any state change)."""
        for notice in self.take_notices():
            warnings.warn(notice, stacklevel=3)

    def _refuse_inside_outcome(self, control: str) -> None:
        if self.engine.busy:
            raise StubStateError(
                f"stub.{control}() was called from inside an outcome function, while the "
                "engine is dispatching a target; move the simulated clock after the call "
                "that runs the association returns (SSM calls from an outcome are fine)."
            )

    def _keep(self, state: AssociationState, execution: Execution) -> None:
        """Keep ``execution`` in the history; older ones past the row budget lose their rows."""
        kept = state.executions
        if kept.maxlen is not None and len(kept) == kept.maxlen and kept:
            state.kept_rows -= len(kept[0].targets)
            self.commands.forget(kept[0].execution_id)  # its command goes with it
        kept.append(execution)
        state.kept_total += 1
        state.kept_rows += len(execution.targets)
        budget = self.options.history_target_limit + len(execution.targets)
        index = 0
        while state.kept_rows > budget and index < len(kept) - 1:
            old = kept[index]
            if old.targets_kept:
                state.kept_rows -= len(old.targets)
                kept[index] = attrs.evolve(old, targets=_EMPTY_TABLE, targets_kept=False)
            index += 1

    def _finished(self, state: AssociationState, execution: Execution, *, join: bool) -> None:
        if join:
            state.join_overview = joined_overview(state, execution)
        self._keep(state, execution)
        state.triggered_alarms = execution.triggered_alarms  # D-ALM-1: until a clean run
        state.last_execution_date = execution.created_time
        if execution.status == "Success":
            state.last_successful_execution_date = execution.created_time
        table = execution.targets
        if isinstance(table, TargetTable):  # each node's latest result, as a small tuple
            rows = table.node_rows(execution.execution_id, execution.association_version)
            state.node_results.update(rows)
        if not join and execution.association_version == str(state.latest.version):
            state.overview_execution = execution
        if state.rerun_after_stop:
            state.rerun_after_stop = False
            self.start_execution(state)

    # -- the clock (the controls that move it are in ``controls``) -------------
    def current_time(self) -> datetime:
        """The stub's time now (``stub.now``)."""
        with self.lock:
            self.catch_up()
            return self.clock.now

    # -- the clock the code under test reads (D-CLK-1..3) ----------------------
    def following(self) -> bool:
        """Whether the stub's clock follows the code's (the ``clock`` option)."""
        options = self.options
        if options.clock is not None:
            return options.clock == "follow"
        if options.start_time is not None:
            return False  # D-CLK-2: a start time pins the clock
        if options.progression == "manual":
            return time_is_frozen()  # D-CLK-3: only a clock the test moves
        return True

    def catch_up(self) -> None:
        """Run everything due up to the code's now, if the clock follows it and is ahead."""
        if self.engine.busy or not self.following():
            return
        target = code_now_ms()
        if target > self.simulator.now_ms():
            self.simulator.run_until(from_epoch_ms(target))

    # -- the fleet (every change goes through fleet_changed) -------------------
    def fleet_changed(self, previous: Mapping[str, Instance | None]) -> None:
        """The hook for every change of the fleet: ``previous`` maps each node that
        was added, retagged or removed to what it was before (None: it was not
        there).  Nodes that start to match an association run it (D-RC-8, D-RC-12)."""
        with self.lock:
            self._joins_changed(previous)

    def _joins_changed(self, previous: Mapping[str, Instance | None]) -> None:
        if self.engine.busy:  # from inside an outcome function: once it returns
            self.engine.defer(lambda: self.joins.changed(previous))
        else:
            self.joins.changed(previous)

    def state_snapshot(self) -> dict[str, tuple[Any, ...]]:
        """A comparable picture of every stored association (for tests of atomicity)."""
        with self.lock:
            return {
                aid: (
                    s.region,
                    s.created,
                    s.last_update,
                    tuple(s.versions),
                    s.legacy_status,
                    s.tags,
                    s.last_execution_date,
                    s.last_successful_execution_date,
                )
                for aid, s in self.by_id.items()
            }
