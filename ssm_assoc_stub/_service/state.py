"""The emulated service's state: associations, the fleet, documents, the clock.

Pure core: one mutable holder that the operations (``ops_*``) read and change
under its lock, plus the executions and test-side controls that act on it.
The entry point that dispatches calls is ``service.Backend``.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from .clock import Clock
from .documents import Document, DocumentRegistry
from .engine import Engine, Execution
from .errors import AssociationDoesNotExist, InvalidAssociationVersion, ValidationException
from .fleet import Fleet, OutcomeFunction
from .model import AssociationState, AssociationVersion, Overview
from .options import Options
from .pagination import Paginator
from .scheduling import Scheduler
from .simulator import Simulator
from .sources import ExternalSource
from .wire import description

__all__ = ["State"]


class State:
    """One stub's service state: every Region of its account, the fleet, the clock.

    The operations (``ops_*``) read and change it; ``service.Backend`` adds the
    entry point that dispatches a call to them.
    """

    def __init__(self, options: Options) -> None:
        self.options = options
        self.lock = threading.RLock()
        self.clock = Clock(options.start_time)
        self.simulator = Simulator(self.clock)
        self.engine = Engine(
            self.clock, self.simulator, default_max_concurrency=options.default_max_concurrency
        )
        self.fleet = Fleet(strict=options.strict_fleet)
        self.documents = DocumentRegistry()
        self.paginator = Paginator()
        self.scheduler = Scheduler(self.clock, self.simulator, self.engine, self.start_execution)
        # region -> association id -> state, in creation order
        self.regions: dict[str, dict[str, AssociationState]] = {}
        self.by_id: dict[str, AssociationState] = {}
        # (region, document name, instance id) -> legacy association id
        self.legacy_index: dict[tuple[str, str, str], str] = {}
        self._triggered: list[AssociationState] = []
        # The rest of AWS (moto) for the call being answered; the binding sets it.
        self.external: ExternalSource | None = None

    def use_source(self, source: ExternalSource | None) -> None:
        """What the next call reads for documents and nodes the stub does not hold."""
        self.external = source
        self.documents.source = source

    # -- lookups ---------------------------------------------------------------
    def associations(self, region: str) -> dict[str, AssociationState]:
        return self.regions.setdefault(region, {})

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

    @staticmethod
    def version_of(state: AssociationState, selector: str | None) -> AssociationVersion:
        if selector is None or selector == "$LATEST":
            return state.latest
        number = int(selector)
        if not 1 <= number <= len(state.versions):
            raise InvalidAssociationVersion(
                f"Association version {selector} does not exist for association "
                f"{state.association_id}. Use ListAssociationVersions to find valid versions."
            )
        return state.versions[number - 1]

    # -- state changes (called by _api with validated input) ------------------
    def new_id(self) -> str:
        return str(uuid.uuid4())

    def store(self, state: AssociationState) -> None:
        self.associations(state.region)[state.association_id] = state
        self.by_id[state.association_id] = state
        spec = state.spec
        if spec.instance_id is not None:
            key = self._legacy_key(state.region, spec.name, spec.instance_id)
            self.legacy_index[key] = state.association_id
            self.fleet.ensure(spec.instance_id)  # a node named by id joins on the fly

    def trigger(self, state: AssociationState) -> None:
        """Run ``state`` once the current call has been answered."""
        self._triggered.append(state)

    def schedule(self, state: AssociationState, *, created: bool) -> None:
        self.scheduler.plan(state, created=created)

    def delete(self, state: AssociationState) -> None:
        state.deleted = True
        self.scheduler.cancel(state)
        self.engine.cancel(state.association_id)
        del self.associations(state.region)[state.association_id]
        del self.by_id[state.association_id]
        spec = state.spec
        if spec.instance_id is not None:
            self.legacy_index.pop(self._legacy_key(state.region, spec.name, spec.instance_id), None)

    # -- executions ------------------------------------------------------------
    def overview(self, state: AssociationState) -> Overview:
        """D-ST-1."""
        counts = self.engine.progress_counts(state.association_id)
        if counts is not None and not state.rerun_after_stop:
            return Overview("Pending", "InProgress", dict(counts))
        execution = state.overview_execution
        if execution is None:
            return Overview("Pending", "Creating")
        return Overview(execution.status, execution.detailed_status, dict(execution.status_counts))

    def start_execution(self, state: AssociationState) -> None:
        """Start a run of ``state``'s latest version now; a run in progress is stopped first."""
        if state.deleted:
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

        def describe() -> Mapping[str, Any]:
            return description(state, version, self.overview(state))

        def outcome(instance_id: str) -> tuple[str, float]:
            return self.fleet.outcome(instance_id, describe)

        self.engine.start(
            association_id=aid,
            association_version=str(version.version),
            execution_id=self.new_id(),
            targets=targets,
            max_concurrency=spec.max_concurrency,
            max_errors=spec.max_errors,
            outcome=outcome,
            on_finish=lambda execution: self._finished(state, execution),
        )

    def _finished(self, state: AssociationState, execution: Execution) -> None:
        state.executions.append(execution)
        state.last_execution_date = execution.created_time
        if execution.status == "Success":
            state.last_successful_execution_date = execution.created_time
        for instance_id, result in execution.targets.items():
            state.node_results[instance_id] = (execution, result)
        if execution.association_version == str(state.latest.version):
            state.overview_execution = execution
        if state.rerun_after_stop:
            state.rerun_after_stop = False
            self.start_execution(state)

    # -- test-side controls ----------------------------------------------------
    def current_time(self) -> datetime:
        """The stub's time now (``stub.now``)."""
        with self.lock:
            return self.clock.now

    def advance(self, delta: float | timedelta) -> datetime:
        if isinstance(delta, bool) or not isinstance(delta, (int, float, timedelta)):
            raise TypeError(f"advance() takes seconds or a timedelta, got {delta!r}")
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        if step < timedelta(0):
            raise ValueError(f"advance() cannot go back in time ({delta!r})")
        with self.lock:
            self.simulator.run_until(self.clock.now + step)
            return self.clock.now

    def settle(self) -> None:
        with self.lock:
            self.simulator.settle()

    def run(self, association_id: str) -> Execution:
        with self.lock:
            state = self.find(association_id)
            self.simulator.settle()
            self.start_execution(state)
            self.simulator.settle()
            return state.executions[-1]

    def executions(self, association_id: str) -> tuple[Execution, ...]:
        with self.lock:
            state = self.find(association_id)
            done = tuple(state.executions)
            current = self.engine.snapshot(association_id)
            return done + ((current,) if current is not None else ())

    def add_instance(
        self, instance_id: str, *, tags: Mapping[str, str] | None = None, platform: str = "Linux"
    ) -> None:
        with self.lock:
            self.fleet.add(instance_id, tags=tags, platform=platform)
            self._joined(instance_id)

    def _joined(self, instance_id: str) -> None:
        """D-RC-8: a node joining the targets of a running execution runs at once."""
        for state in self.by_id.values():
            if self.engine.running(state.association_id) and instance_id in self.fleet.resolve(
                state.spec.targets, state.spec.instance_id
            ):
                self.engine.add_target(state.association_id, instance_id)

    def remove_instance(self, instance_id: str) -> None:
        with self.lock:
            self.fleet.remove(instance_id)

    def set_outcome(
        self, target: str, status: str | OutcomeFunction, duration: float | None
    ) -> None:
        with self.lock:
            self.fleet.set_outcome(target, status, duration)

    def add_document(self, name: str, **kwargs: Any) -> Document:
        kwargs.setdefault("owner", None if name.startswith("AWS-") else self.options.account_id)
        with self.lock:
            return self.documents.add(name, **kwargs)

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
