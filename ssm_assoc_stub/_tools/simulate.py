"""``python -m ssm_assoc_stub simulate``: rate control explained by running one execution.

The command runs a single execution through the same ``Engine`` the stub uses,
on a ``Clock`` that starts at a fixed moment, and prints what happened: the
MaxConcurrency/MaxErrors arithmetic, a timeline, the moment the error threshold
was crossed, an ASCII chart and the records AWS would show.  The output depends
only on the flags, so it can be compared line by line.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TextIO

import attrs

from .._service.clock import Clock
from .._service.engine import Engine, Execution, Simulator, TraceEvent
from .._service.picture import DECISIONS_URL, duration
from .._service.ratecontrol import (
    MAX_CONCURRENCY_PATTERN,
    MAX_ERRORS_PATTERN,
    concurrency_slots,
    format_counts,
    tolerated_errors,
)
from .._service.timeline import timeline_lines

__all__ = ["build_parser", "main_simulate"]

DEFAULT_START = "2026-01-01T00:00:00Z"
_MARKS = {"Success": "#", "Failed": "X", "TimedOut": "T", "Skipped": "."}
_ERRORS = ("Failed", "TimedOut")
_RANGES = re.compile(r"^\d+(-\d+)?(,\d+(-\d+)?)*$")
_MAX_TARGETS = 1_000_000
_CONCURRENCY = "a whole number from 1 without leading zeros, or 1% to 100%"
_ERROR_COUNT = "a whole number from 0 without leading zeros, or 0% to 100%"


class _UsageError(Exception):
    """A flag value that cannot be simulated (exit code 2)."""


@attrs.frozen
class _Plan:
    targets: tuple[str, ...]
    outcomes: tuple[tuple[str, float], ...]  # by position
    max_concurrency: str | None
    max_errors: str | None
    default_max_concurrency: str
    start: datetime
    width: int
    rows: int


def build_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` subcommand to ``subparsers``."""
    parser = subparsers.add_parser(
        "simulate",
        help="explain MaxConcurrency/MaxErrors by simulating one association execution",
        description="Run one association execution on simulated time and show how rate "
        "control dispatches, stops and skips targets.",
        epilog="D-RC-n: the stub's decisions where AWS is silent (docs/decisions.md, "
        f"{DECISIONS_URL}).",
    )
    add = parser.add_argument
    add("--targets", type=int, default=50, help="number of targets (default 50)")
    add("--target-ids", help="comma-separated instance ids in dispatch order (over --targets)")
    add("--max-concurrency", help="as the API: 1..9999999 or 1%%..100%% (default: unset)")
    add("--max-errors", help="as the API: 0..9999999 or 0%%..100%% (default: unset)")
    add("--default-max-concurrency", default="100%", help="what unset means (D-RC-6), e.g. 50")
    add("--fail", default="", help="1-based positions that fail, e.g. 1-10,15 (or 'all')")
    add("--timeout", default="", help="1-based positions that time out, like --fail")
    add("--duration", type=float, default=30.0, help="seconds per target (default 30)")
    add("--durations", help="comma-separated seconds by position, repeated as needed")
    add("--start", default=DEFAULT_START, help=f"simulated start time (default {DEFAULT_START})")
    add("--width", type=int, default=60, help="chart width in columns, 10..500 (default 60)")
    add("--rows", type=int, default=40, help="chart and timeline rows shown (default 40)")
    add("--svg", metavar="PATH", help="also draw the timeline as an SVG picture at PATH")


def main_simulate(args: argparse.Namespace, out: TextIO, *, err: TextIO | None = None) -> int:
    """Run the simulation described by ``args`` and print the report; 2 on a bad flag."""
    try:
        plan = _plan(args)
    except _UsageError as exc:
        print(f"simulate: error: {exc}", file=err if err is not None else sys.stderr)
        return 2
    execution, trace = _run(plan)
    report = _Report(plan, execution, trace, out)
    report.write()
    path = getattr(args, "svg", None)
    return _write_svg(path, report, err) if path else 0


def _write_svg(path: str, report: _Report, err: TextIO | None) -> int:
    """``--svg``: the same execution drawn by ``_svg``; 1 when the file cannot be written."""
    from .svg import timeline_svg

    plan = report.plan
    mc = plan.max_concurrency or f"unset ({plan.default_max_concurrency})"
    me = plan.max_errors or "unset (100%)"
    picture = timeline_svg(report.run, max_concurrency=mc, max_errors=me,
                           slots=report.slots, tolerated=report.tolerated)  # fmt: skip
    try:
        with open(path, "w", encoding="utf-8") as file:
            file.write(picture)
    except OSError as exc:
        print(f"simulate: error: --svg {path}: {exc}", file=err if err is not None else sys.stderr)
        return 1
    return 0


# -- flags -> plan ------------------------------------------------------------


def _rate(value: str | None, pattern: re.Pattern[str], flag: str, allowed: str) -> str | None:
    if value is not None and (len(value) > 7 or pattern.fullmatch(value) is None):
        raise _UsageError(f"{flag} {value!r} is not valid: use {allowed} ({pattern.pattern})")
    return value


def _positions(spec: str, total: int, flag: str) -> set[int]:
    spec = spec.replace(" ", "")
    if spec in ("", "none"):
        return set()
    if spec in ("all", "*"):
        return set(range(1, total + 1))
    if _RANGES.fullmatch(spec) is None:
        raise _UsageError(f"{flag} {spec!r} is not valid: use 1-based positions like 1-10,15")
    chosen: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition("-")
        first, last = int(low), int(high or low)
        if not 1 <= first <= last <= total:
            raise _UsageError(f"{flag} {part!r} is outside 1..{total} (or reversed)")
        chosen.update(range(first, last + 1))
    return chosen


def _durations(args: argparse.Namespace, total: int) -> list[float]:
    try:
        given = [float(p) for p in args.durations.split(",")] if args.durations else [args.duration]
    except ValueError:
        raise _UsageError(f"--durations {args.durations!r}: use seconds like 30,45") from None
    if any(not math.isfinite(seconds) or seconds < 0 for seconds in given):
        raise _UsageError("durations must be finite and >= 0 seconds")
    return [round(given[n % len(given)], 3) for n in range(total)]


def _start(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _UsageError(f"--start {text!r}: use ISO 8601, e.g. {DEFAULT_START}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _plan(args: argparse.Namespace) -> _Plan:
    if args.target_ids:
        targets = [part.strip() for part in args.target_ids.split(",")]
        if "" in targets or len(set(targets)) != len(targets):
            raise _UsageError("--target-ids must be distinct, non-empty ids separated by commas")
    elif 0 <= args.targets <= _MAX_TARGETS:
        targets = [f"i-{n:017d}" for n in range(1, args.targets + 1)]
    else:
        raise _UsageError(f"--targets {args.targets}: use 0..{_MAX_TARGETS}")
    mc = _rate(args.max_concurrency, MAX_CONCURRENCY_PATTERN, "--max-concurrency", _CONCURRENCY)
    me = _rate(args.max_errors, MAX_ERRORS_PATTERN, "--max-errors", _ERROR_COUNT)
    flag = "--default-max-concurrency"
    default = _rate(args.default_max_concurrency, MAX_CONCURRENCY_PATTERN, flag, _CONCURRENCY)
    failing = _positions(args.fail, len(targets), "--fail")
    timing_out = _positions(args.timeout, len(targets), "--timeout")
    if failing & timing_out:
        raise _UsageError(f"--fail and --timeout both name {_ranges(sorted(failing & timing_out))}")
    if not 10 <= args.width <= 500 or args.rows < 1:
        raise _UsageError("--width must be 10..500 and --rows at least 1")
    outcomes = tuple(
        ("Failed" if n in failing else "TimedOut" if n in timing_out else "Success", seconds)
        for n, seconds in enumerate(_durations(args, len(targets)), start=1)
    )
    return _Plan(
        tuple(targets), outcomes, mc, me, default or "100%", _start(args.start),
        args.width, args.rows,
    )  # fmt: skip


def _run(plan: _Plan) -> tuple[Execution, list[TraceEvent]]:
    clock = Clock(plan.start)
    trace: list[TraceEvent] = []
    simulator = Simulator(clock)
    engine = Engine(clock, simulator, default_max_concurrency=plan.default_max_concurrency,
                    trace=trace.append)  # fmt: skip
    finished: list[Execution] = []
    position = {instance_id: n for n, instance_id in enumerate(plan.targets)}
    engine.start(
        association_id="simulated",
        association_version="1",
        execution_id="simulated-execution",
        targets=plan.targets,
        max_concurrency=plan.max_concurrency,
        max_errors=plan.max_errors,
        outcome=lambda instance_id: plan.outcomes[position[instance_id]],
        on_finish=finished.append,
    )
    simulator.settle()
    return finished[0], trace


# -- formatting helpers -------------------------------------------------------


def _ranges(positions: Sequence[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``#1-3, #7``."""
    spans: list[list[int]] = []
    for n in positions:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"#{a}" if a == b else f"#{a}-{b}" for a, b in spans)


def _fraction(numerator: int) -> str:
    """``numerator / 100`` written exactly."""
    whole, cents = divmod(numerator, 100)
    return f"{whole}.{cents:02d}".rstrip("0") if cents else str(whole)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# -- the report ---------------------------------------------------------------


class _Report:
    """Writes the explanation of one simulated execution."""

    def __init__(self, plan: _Plan, run: Execution, trace: list[TraceEvent], out: TextIO) -> None:
        self.plan, self.run, self.trace, self.out = plan, run, trace, out
        self.total = len(plan.targets)
        self.position = {instance_id: n for n, instance_id in enumerate(plan.targets, start=1)}
        self.slots = concurrency_slots(
            plan.max_concurrency, self.total, default=plan.default_max_concurrency
        )
        self.tolerated = tolerated_errors(plan.max_errors, self.total)
        self.origin = run.created_time
        self.ended = run.ended_time or self.origin
        self.span = (self.ended - self.origin).total_seconds() or 1.0

    def write(self) -> None:
        for section in (self._arithmetic, self._timeline, self._threshold, self._chart):
            section()
            self.line()
        self._result()

    def line(self, text: str = "") -> None:
        print(text.rstrip(), file=self.out)

    def at(self, moment: datetime) -> str:
        return "t+" + duration((moment - self.origin).total_seconds())

    def offset(self, moment: datetime | None) -> float:
        return 0.0 if moment is None else (moment - self.origin).total_seconds()

    def column(self, seconds: float) -> int:
        return min(self.plan.width - 1, int(seconds / self.span * self.plan.width))

    def _percent(self, value: str, *, at_least_one: bool) -> str:
        percent = int(value[:-1])
        exact, floor = _fraction(percent * self.total), percent * self.total // 100
        text = f"{percent}% of {self.total} = {exact}"
        if at_least_one and floor < 1:
            return f"{text} -> 1 (rounded down, but at least one slot; D-RC-1)"
        return f"{text} -> {floor} (rounded down; D-RC-1)" if exact != str(floor) else text

    def _arithmetic(self) -> None:
        plan, total = self.plan, self.total
        self.line(f"Rate control for N = {total} targets (resolved when the execution starts)")
        value = plan.max_concurrency or plan.default_max_concurrency
        source = f"MaxConcurrency {plan.max_concurrency or f'unset -> {value} (D-RC-6)'}"
        if total == 0:
            how = "no targets, no slots"
        elif value.endswith("%"):
            how = self._percent(value, at_least_one=True)
        else:
            how = f"absolute, capped at the {total} targets" if int(value) > total else "absolute"
        self.line(f"  {f'slots: {self.slots}':<22}{source}: {how}")
        errors = plan.max_errors or "100%"
        source = f"MaxErrors {plan.max_errors or 'unset -> 100% (D-RC-7)'}"
        how = self._percent(errors, at_least_one=False) if errors.endswith("%") else "absolute"
        self.line(f"  {f'tolerated errors: {self.tolerated}':<22}{source}: {how}")
        if self.tolerated >= total:
            self.line(
                f"  dispatch never stops early: {total} errors cannot exceed {self.tolerated}"
            )
        else:
            self.line(
                f"  dispatch stops at error #{self.tolerated + 1} (errors > {self.tolerated}, "
                "D-RC-2; Failed and TimedOut count, D-RC-5)"
            )
        planned: dict[str, list[int]] = {}
        for n, (status, _) in enumerate(plan.outcomes, start=1):
            planned.setdefault(status, []).append(n)
        parts = [
            f"{len(planned[s])} {s}" + (f" ({_ranges(planned[s])})" if s in _ERRORS else "")
            for s in ("Failed", "TimedOut", "Success")
            if s in planned
        ]
        durations = sorted({seconds for _, seconds in plan.outcomes}) or [0.0]
        each = duration(durations[0])
        if len(durations) > 1:
            each += f" to {duration(durations[-1])}"
        self.line(f"  planned outcomes: {', '.join(parts) or 'none'}; {each} per target")

    def _timeline(self) -> None:
        self.line("Timeline (t = time since the execution started; #n = n-th target)")
        lines = timeline_lines(self.run, self.tolerated if self.tolerated < self.total else None)
        for text in lines[: self.plan.rows]:
            self.line(text)
        if len(lines) > self.plan.rows:
            self.line(f"  ... {len(lines) - self.plan.rows} more lines (raise --rows to see them)")

    def _threshold(self) -> None:
        self.line("Threshold")
        events = self.trace
        crossing = next((i for i, e in enumerate(events) if e.kind == "threshold"), None)
        errors = sum(e.kind == "complete" and e.status in _ERRORS for e in events)
        if crossing is None:
            self.line(f"  never crossed: {errors} errors, {self.tolerated} tolerated")
            return
        event, after = events[crossing], events[crossing + 1 :]
        skipped = sum(e.kind == "skip" for e in after)
        self.line(
            f"  error #{event.errors} at {self.at(event.time)}: dispatch stops; "
            f"{event.in_flight} in flight finish; {skipped} skipped"
        )
        if event.in_flight:
            ended = format_counts(Counter(e.status for e in after if e.kind == "complete"))
            self.line(
                f"  the {event.in_flight} in flight ended {ended}: {errors} errors in all, "
                f"{self.tolerated} tolerated (runs in flight may take it past MaxErrors)"
            )

    def _bar(self, status: str, begin: float, end: float) -> str:
        """One chart row: the target's run, or a row of dots if it never ran."""
        width = self.plan.width
        if status == "Skipped":
            return _MARKS[status] * width
        first = self.column(begin)
        last = min(width, max(first + 1, math.ceil(end / self.span * width)))
        return " " * first + _MARKS[status] * (last - first) + " " * (width - last)

    def _chart(self) -> None:
        run, width, limit = self.run, self.plan.width, self.plan.rows
        if not run.targets:
            self.line("Chart: no targets, nothing ran")
            return
        self.line(
            f"Chart: one row per target in dispatch order; one column = "
            f"{duration(self.span / width)}; # Success  X Failed  T TimedOut  . Skipped"
        )
        pad = " " * (6 + max(len(i) for i in run.targets))
        self.line(f"  {pad}  {'t+0s':<{width - 10}}{self.at(self.ended):>10}")
        for instance_id, r in list(run.targets.items())[:limit]:
            begin, end = self.offset(r.started), self.offset(r.ended)
            note = f"{r.status:<8}  {duration(begin)}-{duration(end)}" if r.started else r.status
            label = f"#{self.position[instance_id]:<5}{instance_id}"
            self.line(f"  {label:<{len(pad)}} |{self._bar(r.status, begin, end)}| {note}")
        ruler = ["-"] * width
        if run.threshold_crossed_at is not None:
            ruler[self.column(self.offset(run.threshold_crossed_at))] = "!"
        self.line(f"  {pad} +{''.join(ruler)}+")
        if run.threshold_crossed_at is not None:
            self.line(f"  {pad}  ! = threshold crossed at {self.at(run.threshold_crossed_at)}")
        hidden = list(run.targets.values())[limit:]
        if hidden:
            counts = format_counts(Counter(r.status for r in hidden))
            self.line(f"  ... {len(hidden)} more targets not shown (raise --rows): {counts}")

    def _result(self) -> None:
        run = self.run
        counts = json.dumps(dict(run.status_counts), sort_keys=True)
        self.line("Result")
        self.line(f"  execution status:       {run.status} (DetailedStatus {run.detailed_status})")
        self.line(f"  ResourceCountByStatus:  {run.resource_count_by_status}")
        self.line(
            f"  Overview (D-ST-1):      Status={run.status}, DetailedStatus={run.detailed_status}, "
            f"AssociationStatusAggregatedCount={counts}"
        )
        self.line(f"  peak concurrency:       {run.peak_concurrency} (slots: {self.slots})")
        created, ended = _iso(run.created_time), _iso(self.ended)
        self.line(f"  created / ended:        {created} / {ended} ({self.at(self.ended)})")
        self.line()
        self.line(f"D-RC-n, D-ST-n: the stub's decisions where AWS is silent, {DECISIONS_URL}")
