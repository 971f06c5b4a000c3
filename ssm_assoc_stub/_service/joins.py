"""Nodes that join an association's targets (D-RC-8, D-RC-12), and calendar gating (D-CAL-1).

Pure core, used by ``State`` under its lock.  ``Joins.changed`` is the one hook
every change of the fleet goes through (``add_instance``, ``tag_instance``,
``untag_instance``, and ``State.fleet_changed`` for the moto bridge's nodes): it
compares each changed node before and after.  For every Targets association
of a Command or Policy document that the node now matches and did not before:

* an execution of it is in progress: the node is dispatched at once (D-RC-8);
* otherwise it waits in ``pending`` and gets the association applied when the
  pending joins are started (D-RC-12): at the next SSM call, ``advance``,
  ``settle`` or ``run``, at the same simulated instant.  All the
  nodes that joined one association by then run as **one execution of their
  own** (a "join run"), with the association's MaxConcurrency and MaxErrors
  computed over them (D-RC-1), listed in DescribeAssociationExecutions like
  any other; the association's schedule is not changed (then on schedule).

Runbook (Automation) associations are never applied to joining nodes.  While
one of the association's Change Calendars is closed, its pending joins wait
and start when every calendar is open again (D-CAL-1); a node that stops
matching before its join run starts is dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from .fleet import Instance, targets_node
from .journal import TxDict
from .model import JoinOverview, Overview

if TYPE_CHECKING:
    from .engine import Engine, Execution
    from .fleet import Fleet
    from .model import AssociationSpec, AssociationState

__all__ = ["Joins", "joined_overview"]


class Joins:
    """The nodes waiting for a join run, per association; the state's collaborators."""

    def __init__(
        self,
        by_id: Mapping[str, AssociationState],
        fleet: Fleet,
        engine: Engine,
        *,
        is_runbook: Callable[[AssociationSpec], bool],
        calendars_open: Callable[[AssociationSpec], bool],
        start_join_run: Callable[[AssociationState, list[str]], None],
    ) -> None:
        self._by_id = by_id
        self._fleet = fleet
        self._engine = engine
        self._is_runbook = is_runbook
        self._calendars_open = calendars_open
        self._start_join_run = start_join_run
        # association id -> joining nodes, in join order
        self.pending: dict[str, dict[str, None]] = TxDict()  # journaled

    def changed(self, previous: Mapping[str, Instance | None]) -> None:
        """After the fleet changed: ``previous`` maps each changed node to what it was."""
        if not self._by_id:
            return
        fleet, engine, is_runbook = self._fleet, self._engine, self._is_runbook
        for instance_id, before in previous.items():
            after = fleet.get(instance_id)
            if after is None:
                continue
            for state in self._by_id.values():
                spec = state.spec
                if spec.instance_id is not None or not targets_node(spec, instance_id, after):
                    continue
                if engine.running(state.association_id):  # D-RC-8
                    if not is_runbook(spec):  # D-RC-8 as amended
                        engine.add_target(state.association_id, instance_id)
                    continue
                if before is not None and targets_node(spec, instance_id, before):
                    continue  # it matched already
                if not is_runbook(spec):  # D-RC-12
                    nodes = self.pending.get(state.association_id)
                    if nodes is None:
                        nodes = self.pending[state.association_id] = TxDict()
                    nodes[instance_id] = None

    def start_pending(self) -> None:
        """Start the join runs that may start now (D-RC-12, D-CAL-1)."""
        if not self.pending:
            return
        engine = self._engine
        for association_id in list(self.pending):
            state = self._by_id.get(association_id)
            if state is None or state.deleted:
                del self.pending[association_id]
                continue
            spec = state.spec
            if not self._calendars_open(spec):
                continue  # D-CAL-1: when the calendar opens
            nodes = self.pending.pop(association_id)
            matching = [node for node in nodes if self._matches(spec, node)]
            if not matching:
                continue
            if engine.running(association_id):
                for node in matching:
                    engine.add_target(association_id, node)
            else:
                self._start_join_run(state, matching)

    def _matches(self, spec: AssociationSpec, node: str) -> bool:
        instance = self._fleet.get(node)
        return instance is not None and targets_node(spec, node, instance)

    def forget(self, state: AssociationState) -> None:
        self.pending.pop(state.association_id, None)


def joined_overview(state: AssociationState, execution: Execution) -> JoinOverview:
    """D-RC-12: after a join run, the Overview covers the nodes of the last full run
    and of the join runs since, each with its latest status (D-ST-1's rule over them)."""
    base, version = state.overview_execution, state.latest.version
    joined = state.join_overview
    statuses: dict[str, str] = {}
    if joined is not None and joined.base is base and joined.version == version:
        statuses.update(joined.statuses)
    elif base is not None:
        statuses.update((node, result.status) for node, result in base.targets.items())
    statuses.update((node, result.status) for node, result in execution.targets.items())
    counts: dict[str, int] = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    overall = "Success" if counts.get("Success", 0) == len(statuses) else "Failed"
    overview = Overview(overall, overall, dict(sorted(counts.items())))
    return JoinOverview(base, version, overview, statuses)
