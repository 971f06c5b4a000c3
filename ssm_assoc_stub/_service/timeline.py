"""The text timeline of one execution: ``Execution.timeline()`` and ``simulate``'s timeline.

Pure string building over the execution's attributes (the records are not imported), in the
time style of ``picture.duration``.
"""

from __future__ import annotations

from typing import Any

from .picture import duration

__all__ = ["timeline_lines", "timeline_text"]

Execution = Any  # an executions.Execution
TargetResult = Any
_ERRORS = ("Failed", "TimedOut")  # D-RC-5


def _spans(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``#1-3, #7``."""
    spans: list[list[int]] = []
    for n in numbers:
        if spans and spans[-1][1] == n - 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"#{a}" if a == b else f"#{a}-{b}" for a, b in spans)


def timeline_lines(execution: Execution, tolerated: int | None = None) -> list[str]:
    """The execution's steps, one line per group of targets that did the same at one instant:
    completions (with the running error count), the threshold, dispatches (with the number in
    flight after them), then the targets never dispatched."""
    results: list[TargetResult] = list(execution.targets.values())
    origin = execution.created_time
    number = {r.instance_id: n for n, r in enumerate(results, start=1)}

    def names(group: list[TargetResult]) -> str:
        spans = _spans([number[r.instance_id] for r in group])
        if len(group) <= 2:
            spans = ", ".join(f"#{number[r.instance_id]} {r.instance_id}" for r in group)
        return spans

    ends = sorted(
        ((r.ended, number[r.instance_id], r) for r in results if r.ended is not None),
        key=lambda item: (item[0], item[1]),
    )
    steps: list[tuple[Any, int, str, str, TargetResult | None]] = []  # time, phase, kind, status
    # At one instant: completions, the dispatches they freed slots for, and only then the
    # threshold (checked after each completion, D-RC-10) and the completions after it.
    errors, crossing = 0, None
    for ended, _, r in ends:
        steps.append((ended, 3 if ended == crossing else 0, "complete", r.status, r))
        if r.status in _ERRORS:
            errors += 1
            if tolerated is not None and errors == tolerated + 1:
                steps.append((ended, 2, "threshold", "", None))
                crossing = ended
    for r in results:
        if r.started is not None:
            steps.append((r.started, 1, "start", "", r))
    steps.sort(key=lambda step: (step[0], step[1]))  # stable: completion order kept
    lines: list[str] = []
    previous = None
    errors = 0
    index = 0
    while index < len(steps):
        when, phase, kind, status, _ = steps[index]
        group: list[TargetResult] = []
        while index < len(steps) and steps[index][:4] == (when, phase, kind, status):
            if steps[index][4] is not None:
                group.append(steps[index][4])
            index += 1
        at = f"t+{duration((when - origin).total_seconds())}" if when != previous else ""
        previous = when
        if kind == "start":
            flight = sum(
                1
                for r in results
                if r.started is not None
                and r.started <= when
                and (r.ended is None or r.ended > when)
            )
            text = f"start     {names(group)}  (in flight: {flight})"
        elif kind == "threshold":
            text = f"THRESHOLD error {errors} > {tolerated} tolerated: dispatch stops"
        else:
            text = f"{status:<9} {names(group)}"
            if status in _ERRORS:
                first, errors = errors + 1, errors + len(group)
                count = f"{first}-{errors}" if len(group) > 1 else f"{errors}"
                against = f" of {tolerated} tolerated" if tolerated is not None else ""
                text += f"  (error{'s' if len(group) > 1 else ''} {count}{against})"
        lines.append(f"  {at:>10}  {text}")
    never = [r for r in results if r.started is None]
    if never:
        status = never[0].status if len({r.status for r in never}) == 1 else "not run"
        lines.append(f"  {'':>10}  {status:<9} {names(never)}  (never dispatched)")
    return lines


def timeline_text(execution: Execution) -> str:
    """``Execution.timeline()``: the execution's summary and its steps, as text."""
    origin = execution.created_time
    slots, tolerated = getattr(execution, "slots", None), getattr(execution, "tolerated", None)
    limits = []
    if slots is not None:
        limits.append(f"MaxConcurrency: {slots} at once")
    if tolerated is not None:
        limits.append(f"MaxErrors: {tolerated} tolerated")
    ended = execution.ended_time
    head = [
        f"Execution {execution.execution_id} of association {execution.association_id} "
        f"(version {execution.association_version}): {execution.status}",
        f"  ResourceCountByStatus {execution.resource_count_by_status}; "
        f"peak concurrency {execution.peak_concurrency}"
        + (f"; {', '.join(limits)}" if limits else ""),
        f"  created {origin.isoformat()}; "
        + (
            f"ended t+{duration((ended - origin).total_seconds())}"
            if ended is not None
            else "still running"
        ),
    ]
    crossed = execution.threshold_crossed_at
    if crossed is not None:
        head.append(
            f"  error threshold crossed at t+{duration((crossed - origin).total_seconds())}: "
            "targets still running finished, the rest were never dispatched"
        )
    body = ["Timeline (t = time since the execution started; #n = n-th target dispatched)"]
    if not execution.targets:
        body.append("  no targets: nothing ran" if getattr(execution, "targets_kept", True)
                    else "  per-target rows not kept (history_target_limit)")  # fmt: skip
    return "\n".join([*head, *body, *timeline_lines(execution, tolerated)]) + "\n"
