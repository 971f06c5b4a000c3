"""Pictures of one association execution: an SVG timeline and a text one (pure core).

:func:`timeline_svg` renders what ``Execution.to_svg()`` returns and
``python -m ssm_assoc_stub simulate --svg`` writes: one row per target in dispatch
order (D-RC-10), time on the x axis, a bar per run coloured by its status (Success,
Failed, TimedOut) with the running error count against MaxErrors at each error, a
row hatched from the threshold for a target never dispatched (Skipped, D-RC-4; a
run of more than ``COLLAPSE`` such rows is one row), a vertical line where the
error threshold was crossed (D-RC-2), the number of targets in flight under the
rows, and a legend.  The text timeline (``Execution.timeline()``) is in ``timeline``.  Times are
written one way everywhere (:func:`duration`: ``30s``, ``2m30s``, ``1h5m``).  It is
plain string building, and takes the execution by its attributes only (no import of
the records): the same execution gives the same bytes on every run, so the pictures
in ``docs/images`` can be checked.

Each target is a ``<g class="row">`` with ``data-target`` and ``data-status``
attributes and a ``<title>`` tooltip, so the picture can be read by a program.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from xml.sax.saxutils import quoteattr

from .drawing import (
    CHART,
    COLOURS,
    ERRORS,
    FLIGHT_COLOUR,
    LABEL_CHARS,
    LEFT,
    MONO,
    SANS,
    STRIP,
    THRESHOLD_COLOUR,
    THRESHOLD_STYLE,
    TOP,
    WIDTH,
    defs,
    duration,
    element,
    legend,
    line,
    marker,
    num,
    text,
    tick,
    tick_step,
)

__all__ = [
    "COLLAPSE",
    "COLOURS",
    "DECISIONS_URL",
    "duration",
    "timeline_svg",
]

Execution = Any  # an executions.Execution (not imported: that module imports this one)
TargetResult = Any

#: Where a user looks up the ``D-...`` ids the pictures may name.
DECISIONS_URL = "https://ssm-assoc-stub.readthedocs.io/decisions/"
_SKIP_MIN = 36
#: More consecutive Skipped rows than this are drawn as one row.
COLLAPSE = 10


def _layout(results: list[TargetResult]) -> list[tuple[int, list[TargetResult]]]:
    """Rows to draw: ``(first target number, [results])``; one result a row, except a run of
    more than ``COLLAPSE`` consecutive Skipped targets, which is one row."""
    rows: list[tuple[int, list[TargetResult]]] = []
    run: list[tuple[int, TargetResult]] = []

    def flush() -> None:
        if len(run) > COLLAPSE:
            rows.append((run[0][0], [r for _, r in run]))
        else:
            rows.extend((n, [r]) for n, r in run)
        run.clear()

    for n, result in enumerate(results, start=1):
        if result.status == "Skipped" and result.started is None:
            run.append((n, result))
            continue
        flush()
        rows.append((n, [result]))
    flush()
    return rows


class _Timeline:
    """The geometry of one picture."""

    def __init__(self, execution: Execution, tolerated: int | None, now: datetime | None) -> None:
        self.execution = execution
        self.tolerated = tolerated
        self.origin = execution.created_time
        self.results: list[TargetResult] = list(execution.targets.values())
        ends = [r.ended for r in self.results if r.ended is not None]
        last = execution.ended_time or max([*ends, now or self.origin])
        self.span = (last - self.origin).total_seconds() or 1.0
        self.layout = _layout(self.results)
        count = len(self.layout)
        self.row_height = 16 if count <= 50 else max(2, min(16, 800 // count))
        self.rows_bottom = TOP + self.row_height * count
        self.crossing = self._crossing()
        errors = sorted(
            (r.ended, n, r.instance_id)
            for n, r in enumerate(self.results)
            if r.status in ERRORS and r.ended is not None
        )
        self.error_number = {instance_id: k for k, (_, _, instance_id) in enumerate(errors, 1)}
        crossed = execution.threshold_crossed_at
        # Skipped rows are hatched from the threshold on (at least _SKIP_MIN px, to be seen)
        start = self.x(self.seconds(crossed)) if crossed is not None else float(LEFT)
        self.skip_from = min(start, LEFT + CHART - _SKIP_MIN)

    def _crossing(self) -> str | None:
        """The target whose error crossed the threshold: error number ``tolerated + 1``
        in completion order, ties broken in dispatch order (D-RC-10)."""
        if self.execution.threshold_crossed_at is None or self.tolerated is None:
            return None
        errors = sorted(
            (r.ended, n, r.instance_id)
            for n, r in enumerate(self.results)
            if r.status in ERRORS and r.ended is not None
        )
        return errors[self.tolerated][2] if len(errors) > self.tolerated else None

    def seconds(self, moment: datetime | None) -> float:
        return 0.0 if moment is None else (moment - self.origin).total_seconds()

    def x(self, seconds: float) -> float:
        return LEFT + min(max(seconds, 0.0), self.span) / self.span * CHART


def _header(timeline: _Timeline, title: str, subtitle: str, tolerated: int | None) -> list[str]:
    run = timeline.execution
    result = (
        f"Execution {run.status}: ResourceCountByStatus {run.resource_count_by_status}, "
        f"peak concurrency {run.peak_concurrency}, "
    ) + (
        f"ended at t+{duration(timeline.seconds(run.ended_time))}" if run.ended_time else "running"
    )
    parts = [
        text(title, 16, 28, 18, font_weight="bold"),
        text(subtitle, 16, 50, 13),
        text(result, 16, 70, 13),
    ]
    crossed = run.threshold_crossed_at
    if crossed is not None:
        x = timeline.x(timeline.seconds(crossed))
        which = f"error #{tolerated + 1} > {tolerated} tolerated" if tolerated is not None else ""
        label = f"threshold crossed at t+{duration(timeline.seconds(crossed))}"
        label += f" ({which}): dispatch stops" if which else ": dispatch stops"
        wide = 7 * len(label)  # about 7 px a character at 12 px bold
        anchor = "end" if x + 6 + wide > WIDTH - 4 and x - 6 - wide >= 4 else "start"
        dx = -6.0 if anchor == "end" else min(6.0, WIDTH - 4 - wide - x)
        style = {"fill": THRESHOLD_COLOUR, "text_anchor": anchor, "font_weight": "bold"}
        parts.append(text(label, num(x + dx), 92, **style))
    return parts


def _grid(timeline: _Timeline) -> list[str]:
    step = tick_step(timeline.span)
    bottom = timeline.rows_bottom + STRIP + 12
    parts = []
    for n in range(int(timeline.span // step) + 1):
        x = num(timeline.x(n * step))
        parts.append(line(x, TOP - 4, x, bottom, stroke="#e6e6e6"))
        parts.append(text(tick(n * step, step), x, TOP - 8, 11, text_anchor="middle", fill="#555"))
    return parts


def _skipped_rows(timeline: _Timeline, slot: int, first: int, results: list[TargetResult]) -> str:
    """One row standing for many consecutive targets that were never dispatched."""
    top = TOP + slot * timeline.row_height
    height = timeline.row_height
    last = first + len(results) - 1
    tip = f"#{first}-#{last}: {len(results)} targets Skipped (never dispatched)"
    parts = [element("title", tip)]
    if height >= 10:
        baseline = num(top + height - 4)
        parts.append(text(f"#{first}-{last}", 12, baseline, 11))
        parts.append(text(f"{len(results)} targets skipped", 72, baseline, 11))
    inset = 2 if height >= 6 else 0
    left = timeline.skip_from
    parts.append(
        element(
            "rect",
            x=num(left),
            y=top + inset,
            width=num(max(LEFT + CHART - left, 1.5)),
            height=height - 2 * inset,
            fill="url(#hatch)",
        )
    )
    ids = " ".join(r.instance_id for r in results)
    return (
        f'<g class="skipped-rows" data-count="{len(results)}" data-targets={quoteattr(ids)} '
        f'data-status="Skipped">{"".join(parts)}</g>'
    )


def _row(timeline: _Timeline, slot: int, number: int, result: TargetResult) -> str:
    top = TOP + slot * timeline.row_height
    height = timeline.row_height
    status = result.status
    begin, end = timeline.seconds(result.started), timeline.seconds(result.ended)
    if result.started is None:
        tip = f"#{number} {result.instance_id}: {status} (never dispatched)"
    else:
        finish = f"t+{duration(end)}" if result.ended is not None else "still running"
        tip = f"#{number} {result.instance_id}: {status}, t+{duration(begin)} to {finish}"
    crossing = result.instance_id == timeline.crossing
    if crossing:
        tip += f": error #{(timeline.tolerated or 0) + 1}, the one that crossed the threshold"
    parts = [element("title", tip)]
    if slot % 2 == 1:
        parts.append(element("rect", x=0, y=top, width=WIDTH, height=height, fill="#f5f5f5"))
    if height >= 10:
        label = result.instance_id
        if len(label) > LABEL_CHARS:
            label = label[: LABEL_CHARS - 1] + "\u2026"
        baseline = num(top + height - 4)
        parts.append(text(f"#{number}", 12, baseline, 11))
        parts.append(text(label, 56, baseline, 11, font_family=MONO))
    inset = 2 if height >= 6 else 0
    bar_top, bar_height = top + inset, height - 2 * inset
    if result.started is None:  # Skipped: hatched from where dispatch stopped
        skipped = status == "Skipped"
        fill = "url(#hatch)" if skipped else COLOURS.get(status, "#cfd8dc")
        left = timeline.skip_from if skipped else float(LEFT)
        width = num(max(LEFT + CHART - left, 1.5))
        parts.append(
            element("rect", x=num(left), y=bar_top, width=width, height=bar_height, fill=fill)
        )
    else:
        left = timeline.x(begin)
        right = timeline.x(end) if result.ended is not None else timeline.x(timeline.span)
        parts.append(
            element(
                "rect",
                x=num(left),
                y=bar_top,
                width=num(max(right - left, 1.5)),
                height=bar_height,
                rx=2 if inset else None,
                fill=COLOURS.get(status, "#cfd8dc"),
            )
        )
        if crossing:
            parts.append(marker(right, top + height / 2))
        number_of_error = timeline.error_number.get(result.instance_id)
        if number_of_error is not None and height >= 10:  # the running count vs MaxErrors
            tolerated = timeline.tolerated
            count = f"error {number_of_error}" + (
                f" of {tolerated} tolerated" if tolerated is not None else ""
            )
            if tolerated is not None and number_of_error > tolerated:
                count = f"error {number_of_error} > {tolerated} tolerated"
            room = LEFT + CHART - right
            anchor, at = ("start", right + 10) if room > 130 else ("end", left - 4)
            style = {"fill": COLOURS[status], "text_anchor": anchor}
            parts.append(text(count, num(at), num(top + height - 4), 10, **style))
    attributes = f'class="row" data-target={quoteattr(result.instance_id)}'
    return f"<g {attributes} data-status={quoteattr(status)}>{''.join(parts)}</g>"


def _in_flight(timeline: _Timeline, slots: int | None) -> list[str]:
    """The number of targets running at each instant, as a filled step line."""
    changes: list[tuple[float, int]] = []
    for result in timeline.results:
        if result.started is not None:
            changes.append((timeline.seconds(result.started), 1))
            end = timeline.seconds(result.ended) if result.ended is not None else timeline.span
            changes.append((end, -1))
    net: dict[float, int] = {}
    for seconds, delta in changes:  # one step per instant: a freed slot refilled at once
        net[seconds] = net.get(seconds, 0) + delta  # draws no dip
    top = timeline.rows_bottom + 12
    peak = max(timeline.execution.peak_concurrency, slots or 0, 1)
    scale = (STRIP - 14) / peak
    base = top + STRIP - 4

    def y(level: int) -> str:
        return num(base - level * scale)

    points = [f"{num(LEFT)},{num(base)}"]
    level = 0
    for seconds, delta in sorted(net.items()):
        if not delta:
            continue
        x = num(timeline.x(seconds))
        points.append(f"{x},{y(level)}")
        level += delta
        points.append(f"{x},{y(level)}")
    points.append(f"{num(LEFT + CHART)},{y(level)}")
    points.append(f"{num(LEFT + CHART)},{num(base)}")
    parts = [
        text(f"in flight (peak {timeline.execution.peak_concurrency})", 12, num(base - 4), 11),
        line(LEFT, num(base), LEFT + CHART, num(base), stroke="#999"),
        element("polygon", points=" ".join(points), fill=FLIGHT_COLOUR, stroke="#1565c0"),
    ]
    if slots:
        limit = y(slots)
        parts.append(
            line(LEFT, limit, LEFT + CHART, limit, stroke="#1565c0", stroke_dasharray="5,4")
        )
        right, above = num(LEFT + CHART - 4), num(float(limit) - 4)
        label = f"MaxConcurrency: {slots} at once"
        parts.append(text(label, right, above, 11, text_anchor="end", fill="#1565c0"))
    return parts


def _threshold_line(timeline: _Timeline) -> list[str]:
    crossed = timeline.execution.threshold_crossed_at
    if crossed is None:
        return []
    x = num(timeline.x(timeline.seconds(crossed)))
    # Starts under the tick labels, so that it crosses none of them.
    return [line(x, TOP - 2, x, timeline.rows_bottom + STRIP + 12, **THRESHOLD_STYLE)]


def timeline_svg(
    execution: Execution,
    *,
    title: str = "Association execution timeline",
    max_concurrency: str | None = None,
    max_errors: str | None = None,
    slots: int | None = None,
    tolerated: int | None = None,
    now: datetime | None = None,
) -> str:
    """The SVG picture of ``execution``, one row per target, as a string.

    ``max_concurrency``/``max_errors`` (the API values, or a note such as
    ``"unset -> 100%"``) and the ``slots``/``tolerated`` they came to are shown in
    the subtitle; ``slots`` also draws the concurrency limit over the in-flight
    strip and ``tolerated`` names the error that crossed the threshold.  For an
    execution still in progress, ``now`` (the stub's clock) is where the time axis ends.
    """
    timeline = _Timeline(execution, tolerated, now)
    count = len(timeline.results)
    subtitle: list[str] = [f"{count} target{'s' if count != 1 else ''}"]
    if max_concurrency is not None:
        subtitle.append(
            f"MaxConcurrency {max_concurrency}" + (f" \u2192 {slots} at once" if slots else "")
        )
    if max_errors is not None:
        subtitle.append(
            f"MaxErrors {max_errors}"
            + (f" \u2192 {tolerated} tolerated" if tolerated is not None else "")
        )
    legend_top = timeline.rows_bottom + STRIP + 30
    height = int(legend_top + 32)
    body: list[str] = [
        element("rect", x=0, y=0, width=WIDTH, height=height, fill="#ffffff"),
        *_header(timeline, title, " \u00b7 ".join(subtitle), tolerated),
        *_grid(timeline),
    ]
    if count == 0:
        body.append(text("no targets: nothing ran", LEFT, TOP + 14))
    for slot, (number, results) in enumerate(timeline.layout):
        if len(results) == 1:
            body.append(_row(timeline, slot, number, results[0]))
        else:
            body.append(_skipped_rows(timeline, slot, number, results))
    body.extend(_in_flight(timeline, slots))
    body.extend(_threshold_line(timeline))
    body.extend(legend(legend_top))
    summary = (
        f"{count} targets; execution {execution.status}; "
        f"ResourceCountByStatus {execution.resource_count_by_status}"
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family={quoteattr(SANS)} role="img">'
    )
    parts = [head, element("title", title), element("desc", summary), defs(), *body, "</svg>"]
    return "\n".join(parts) + "\n"
