"""The execution engine on virtual time: rate control (D-RC-*), statuses (D-ST-1), events."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

import attrs
import pytest

from ssm_assoc_stub._service.clock import Clock
from ssm_assoc_stub._service.engine import Engine, Execution, Outcome, Simulator, TraceEvent

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def ids(count: int) -> list[str]:
    return [f"i-{n:017d}" for n in range(1, count + 1)]


@attrs.define
class Harness:
    clock: Clock
    simulator: Simulator
    engine: Engine
    finished: list[Execution]
    trace: list[TraceEvent]

    def start(
        self,
        targets: Sequence[str],
        *,
        max_concurrency: str | None = None,
        max_errors: str | None = None,
        outcome: Callable[[str], Outcome] = lambda _: ("Success", 10),
        association_id: str = "assoc-1",
        execution_id: str = "exec-1",
    ) -> None:
        self.engine.start(
            association_id=association_id,
            association_version="1",
            execution_id=execution_id,
            targets=targets,
            max_concurrency=max_concurrency,
            max_errors=max_errors,
            outcome=outcome,
            on_finish=self.finished.append,
        )

    def run(self, targets: Sequence[str], **kwargs: object) -> Execution:
        self.start(targets, **kwargs)  # type: ignore[arg-type]
        self.simulator.settle()
        assert len(self.finished) == 1
        return self.finished[0]


def harness(**engine_options: str) -> Harness:
    clock = Clock(T0)
    simulator = Simulator(clock)
    trace: list[TraceEvent] = []
    engine = Engine(clock, simulator, trace=trace.append, **engine_options)
    return Harness(clock, simulator, engine, [], trace)


def statuses(execution: Execution) -> dict[str, str]:
    return {i: r.status for i, r in execution.targets.items()}


def test_fifty_failing_targets_concurrency_5_errors_10_percent_D_RC_2() -> None:
    # The documented case: 50 targets that all fail, MaxConcurrency 5, MaxErrors 10%.
    # Hand computation: tolerated = 10% of 50 = 5, so dispatch stops on error #6 (D-RC-2).
    # t=0: targets 1-5 start (all slots at once, D-RC-9).
    # t=30: 1-5 fail one after the other; after each the threshold is checked (errors 1..5,
    #       none is > 5) and the freed slot is refilled: 6-10 start (D-RC-10).
    # t=60: 6 fails -> error #6 > 5: dispatch stops.  7-10 are in flight and finish (they fail
    #       too: 10 errors in all, more than MaxErrors, as the API doc warns); 11-50 never start.
    # Result: 10 Failed, 40 Skipped.
    h = harness()
    targets = ids(50)
    execution = h.run(
        targets, max_concurrency="5", max_errors="10%", outcome=lambda _: ("Failed", 30)
    )
    assert execution.status_counts == {"Failed": 10, "Skipped": 40}
    assert execution.resource_count_by_status == "{Failed=10, Skipped=40}"  # D-EXE-1
    assert [i for i, s in statuses(execution).items() if s == "Failed"] == targets[:10]
    assert all(execution.targets[i].status == "Skipped" for i in targets[10:])
    assert execution.targets[targets[10]].detailed_status == "Skipped"  # D-RC-4
    assert execution.threshold_crossed_at == at(60)
    assert execution.ended_time == at(60)
    assert (execution.status, execution.detailed_status) == ("Failed", "Failed")  # D-ST-1
    assert execution.peak_concurrency == 5
    (crossing,) = [e for e in h.trace if e.kind == "threshold"]
    assert (crossing.instance_id, crossing.errors, crossing.in_flight) == (targets[5], 6, 4)
    assert sum(e.kind == "skip" for e in h.trace) == 40
    assert [e.kind for e in h.trace].count("finish") == 1


def test_ten_percent_of_fifty_never_runs_more_than_five_D_RC_1() -> None:
    h = harness()
    durations = {t: 5 + (n * 7) % 23 for n, t in enumerate(ids(50))}
    execution = h.run(ids(50), max_concurrency="10%", outcome=lambda i: ("Success", durations[i]))
    assert execution.peak_concurrency == 5
    assert max(e.in_flight for e in h.trace) == 5
    assert execution.status_counts == {"Success": 50}
    assert execution.status == "Success"


def test_one_percent_of_fifty_runs_one_at_a_time_D_RC_1() -> None:
    h = harness()
    execution = h.run(ids(50), max_concurrency="1%")
    assert execution.peak_concurrency == 1
    assert execution.ended_time == at(500)  # 50 runs of 10 s, back to back
    assert execution.targets[ids(50)[1]].started == at(10)


def test_unset_rate_controls_run_all_at_once_and_never_stop_D_RC_6_D_RC_7() -> None:
    h = harness()
    execution = h.run(ids(50), outcome=lambda _: ("Failed", 10))
    assert execution.peak_concurrency == 50
    assert execution.status_counts == {"Failed": 50}
    assert execution.threshold_crossed_at is None
    assert execution.ended_time == at(10)


def test_default_max_concurrency_option_D_RC_6() -> None:
    h = harness(default_max_concurrency="50")
    assert h.run(ids(120)).peak_concurrency == 50


def test_timed_out_counts_as_an_error_D_RC_5() -> None:
    h = harness()
    execution = h.run(
        ids(5), max_concurrency="1", max_errors="0", outcome=lambda _: ("TimedOut", 1)
    )
    assert execution.status_counts == {"Skipped": 4, "TimedOut": 1}


def test_node_joining_mid_run_is_dispatched_above_the_limit_D_RC_8() -> None:
    h = harness()
    targets = ids(3)
    h.start(targets, max_concurrency="1")
    h.simulator.run_until(at(5))
    assert h.engine.add_target("assoc-1", "i-new")
    assert not h.engine.add_target("assoc-1", "i-new")  # already part of the run
    assert not h.engine.add_target("assoc-1", targets[2])  # pending, but part of the run
    assert not h.engine.add_target("other", "i-new")  # nothing running
    assert h.engine.progress_counts("assoc-1") == {"InProgress": 2, "Pending": 2}
    h.simulator.settle()
    (execution,) = h.finished
    assert execution.peak_concurrency == 2
    assert execution.targets["i-new"].started == at(5)
    # Dispatch order (D-RC-10): the joiner ran second.
    assert list(execution.targets) == [targets[0], "i-new", targets[1], targets[2]]
    assert execution.status_counts == {"Success": 4}


def test_node_joining_after_the_threshold_is_skipped_D_RC_8() -> None:
    # The stub's choice: once dispatch has stopped, a joiner is recorded as Skipped.
    h = harness()
    h.start(
        ids(4), max_concurrency="2", max_errors="0", outcome=lambda i: ("Failed", 10 + int(i[-1]))
    )
    h.simulator.run_until(at(11))  # target 1 failed at t=11: threshold crossed, 2 still running
    assert h.engine.add_target("assoc-1", "i-late")
    h.simulator.settle()
    (execution,) = h.finished
    assert execution.targets["i-late"].status == "Skipped"
    assert execution.status_counts == {"Failed": 2, "Skipped": 3}


def test_same_instant_completions_check_the_threshold_between_them_D_RC_10() -> None:
    # MaxConcurrency 3, MaxErrors 1 (2nd error stops), every run takes 10 s.
    # At t=10 targets 1 (Success), 2 (Failed) and 3 (Failed) complete together, in dispatch order:
    #   1 Success -> refill: 4 starts;  2 Failed (error 1, tolerated) -> refill: 5 starts;
    #   3 Failed (error 2 > 1) -> stop: 6 is Skipped.
    # Processing the three completions first and refilling after would skip 4, 5 and 6;
    # processing them in another order (3 before 1) would skip 5 too.
    h = harness()
    targets = ids(6)
    failing = {targets[1], targets[2]}
    execution = h.run(
        targets,
        max_concurrency="3",
        max_errors="1",
        outcome=lambda i: ("Failed" if i in failing else "Success", 10),
    )
    assert statuses(execution) == {
        targets[0]: "Success",
        targets[1]: "Failed",
        targets[2]: "Failed",
        targets[3]: "Success",
        targets[4]: "Success",
        targets[5]: "Skipped",
    }
    assert execution.targets[targets[3]].started == at(10)
    assert execution.targets[targets[4]].started == at(10)
    assert execution.threshold_crossed_at == at(10)
    completions = [e.instance_id for e in h.trace if e.kind == "complete" and e.time == at(10)]
    assert completions == targets[:3]


def test_identical_runs_give_identical_executions() -> None:
    def one_run(execution_id: str) -> Execution:
        h = harness()
        durations = {t: (n * 13) % 17 for n, t in enumerate(ids(40))}
        return h.run(
            ids(40),
            max_concurrency="7",
            max_errors="4",
            execution_id=execution_id,
            outcome=lambda i: ("Failed" if int(i[-2:]) % 6 == 0 else "Success", durations[i]),
        )

    first, second = one_run("e-1"), one_run("e-2")
    assert attrs.evolve(second, execution_id="e-1") == first
    assert list(first.targets) == list(second.targets)


def test_stop_skips_the_pending_and_lets_the_running_finish() -> None:
    h = harness()
    targets = ids(5)
    h.start(targets, max_concurrency="2")
    h.simulator.run_until(at(5))
    view = h.engine.stop("assoc-1")
    assert view is not None and view.status == "InProgress"
    assert statuses(view) == dict.fromkeys(targets[:2], "InProgress") | dict.fromkeys(
        targets[2:], "Skipped"
    )
    assert not h.finished and h.engine.running("assoc-1")
    h.simulator.settle()
    (execution,) = h.finished
    assert execution.status_counts == {"Skipped": 3, "Success": 2}
    assert execution.status == "Failed"  # not every target succeeded (D-ST-1)
    assert execution.threshold_crossed_at is None
    assert not h.engine.running("assoc-1")
    assert h.engine.stop("assoc-1") is None


def test_cancel_drops_the_run_without_on_finish() -> None:
    h = harness()
    h.start(ids(5), max_concurrency="2")
    h.simulator.run_until(at(5))
    h.engine.cancel("assoc-1")
    assert not h.engine.running("assoc-1")
    assert h.engine.snapshot("assoc-1") is None
    assert h.simulator.next_event_time() is None  # its completions are gone
    h.simulator.run_until(at(100))
    assert h.finished == []
    h.engine.cancel("assoc-1")  # nothing running: a no-op


def test_settle_does_not_fire_timers_which_then_fire_late() -> None:
    h = harness()
    fired: list[datetime] = []
    h.simulator.call_at(at(5), lambda: fired.append(h.clock.now))
    h.start(ids(2), outcome=lambda _: ("Success", 10))
    h.simulator.settle()
    assert h.finished and fired == []
    assert h.clock.now == at(10)
    assert h.simulator.next_event_time() == at(5)  # still queued
    h.simulator.run_until(h.clock.now)
    assert fired == [at(10)]  # ran late, the clock never went back


def test_run_until_fires_timers_and_completions_in_time_order() -> None:
    h = harness()
    seen: list[tuple[str, datetime]] = []
    for seconds in (15, 10, 5):
        h.simulator.call_at(at(seconds), lambda: seen.append(("timer", h.clock.now)))
    h.engine.start(
        association_id="assoc-1",
        association_version="1",
        execution_id="exec-1",
        targets=ids(1),
        max_concurrency=None,
        max_errors=None,
        outcome=lambda _: ("Success", 10),
        on_finish=lambda execution: seen.append(("finish", h.clock.now)),
    )
    h.simulator.run_until(at(12))
    # At t=10 the completion (an "execution" event) runs before the timer due then,
    # though the timer was scheduled first.
    assert seen == [("timer", at(5)), ("finish", at(10)), ("timer", at(10))]
    assert h.clock.now == at(12)
    h.simulator.run_until(at(20))
    assert seen[-1] == ("timer", at(15))
    with pytest.raises(ValueError, match="cannot run until"):
        h.simulator.run_until(at(19))


def test_events_scheduled_by_callbacks_run_in_the_same_run_until() -> None:
    h = harness()
    seen: list[datetime] = []

    def chain() -> None:
        seen.append(h.clock.now)
        if len(seen) < 3:
            h.simulator.call_at(h.clock.now + timedelta(seconds=1), chain)

    h.simulator.call_at(at(1), chain)
    h.simulator.run_until(at(10))
    assert seen == [at(1), at(2), at(3)]


def test_zero_targets_end_at_once_with_success_D_ST_1() -> None:
    h = harness()
    h.start([], max_concurrency="10%", max_errors="0")
    (execution,) = h.finished  # synchronously, within start()
    assert (execution.status, execution.detailed_status) == ("Success", "Success")
    assert execution.status_counts == {}
    assert execution.resource_count_by_status == "{}"
    assert execution.ended_time == execution.created_time == T0
    assert not h.engine.running("assoc-1")


def test_progress_counts_and_snapshot_while_running_D_ST_1() -> None:
    h = harness()
    targets = ids(5)
    h.start(targets, max_concurrency="2", outcome=lambda i: ("Success", 10 + int(i[-1])))
    assert h.engine.progress_counts("assoc-1") == {"InProgress": 2, "Pending": 3}
    h.simulator.run_until(at(11))  # target 1 done, target 3 started
    assert h.engine.progress_counts("assoc-1") == {"InProgress": 2, "Pending": 2, "Success": 1}
    view = h.engine.snapshot("assoc-1")
    assert view is not None
    assert (view.status, view.ended_time) == ("InProgress", None)
    assert view.resource_count_by_status == "{InProgress=2, Pending=2, Success=1}"
    assert list(view.targets) == [targets[0], targets[1], targets[2], targets[3], targets[4]]
    assert view.targets[targets[3]].status == "Pending"
    h.simulator.settle()
    assert h.engine.progress_counts("assoc-1") is None


def test_a_second_start_while_running_raises() -> None:
    h = harness()
    h.start(ids(2))
    with pytest.raises(RuntimeError, match="already has execution exec-1 in progress"):
        h.start(ids(2), execution_id="exec-2")


def test_on_finish_may_start_the_next_run() -> None:
    h = harness()
    runs: list[Execution] = []

    def again(execution: Execution) -> None:
        runs.append(execution)
        if len(runs) < 2:
            h.start(ids(1), execution_id="exec-2")

    h.engine.start(
        association_id="assoc-1",
        association_version="1",
        execution_id="exec-1",
        targets=ids(1),
        max_concurrency=None,
        max_errors=None,
        outcome=lambda _: ("Success", 10),
        on_finish=again,
    )
    h.simulator.settle()
    assert [r.execution_id for r in runs] == ["exec-1"]
    assert h.finished[0].execution_id == "exec-2"
    assert h.finished[0].created_time == at(10)


@pytest.mark.parametrize("bad", [("Skipped", 1.0), ("Success", -1.0), ("Success", float("nan"))])
def test_a_bad_outcome_abandons_the_run(bad: Outcome) -> None:
    h = harness()
    with pytest.raises(ValueError, match="outcome for i-"):
        h.start(ids(2), outcome=lambda _: bad)
    assert not h.engine.running("assoc-1")
    assert h.simulator.next_event_time() is None


def test_ten_thousand_targets_complete_with_correct_counts() -> None:
    clock = Clock(T0)
    simulator = Simulator(clock)
    engine = Engine(clock, simulator)  # no trace: the fast path
    finished: list[Execution] = []
    engine.start(
        association_id="big",
        association_version="1",
        execution_id="e",
        targets=ids(10_000),
        max_concurrency="10%",
        max_errors=None,
        outcome=lambda i: ("Failed" if i.endswith("7") else "Success", 30 + int(i[-2:])),
        on_finish=finished.append,
    )
    simulator.settle()
    (execution,) = finished
    assert execution.status_counts == {"Failed": 1_000, "Success": 9_000}
    assert execution.peak_concurrency == 1_000
    assert len(execution.targets) == 10_000
    assert not engine.running("big")
    assert simulator.next_event_time() is None


def test_simulator_rejects_unknown_kinds_and_cancelled_handles_never_run() -> None:
    h = harness()
    with pytest.raises(ValueError, match="unknown event kind"):
        h.simulator.call_at(at(1), lambda: None, kind="other")
    fired: list[int] = []
    handle = h.simulator.call_at(at(1), lambda: fired.append(1))
    handle.cancel()
    handle.cancel()
    assert not handle.pending
    h.simulator.run_until(at(2))
    assert fired == []


def test_engine_and_simulator_share_a_clock() -> None:
    with pytest.raises(ValueError, match="share one clock"):
        Engine(Clock(T0), Simulator(Clock(T0)))


def test_a_finished_run_is_released_and_its_record_is_read_only() -> None:
    h = harness()
    h.start(ids(3), max_concurrency="1")
    state = weakref.ref(h.engine._runs["assoc-1"])  # the run's mutable holder
    h.simulator.settle()
    gc.collect()
    assert state() is None
    (execution,) = h.finished
    with pytest.raises(TypeError):
        execution.targets["i-x"] = execution.targets[ids(1)[0]]  # type: ignore[index]
