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

import math
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

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

#: Fill colour of each per-target status.
COLOURS = {
    "Success": "#2e7d32",
    "Failed": "#c62828",
    "TimedOut": "#ef6c00",
    "Skipped": "#9e9e9e",
    "InProgress": "#1565c0",
    "Pending": "#cfd8dc",
}
_LEGEND = ("Success", "Failed", "TimedOut", "Skipped")
_ERRORS = ("Failed", "TimedOut")  # D-RC-5
_THRESHOLD_COLOUR = "#6a1b9a"
_FLIGHT_COLOUR = "#90caf9"
_SANS = "DejaVu Sans, Helvetica, Arial, sans-serif"
_MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"

_WIDTH = 960
_LEFT = 210  # the label column
_RIGHT = 40
_CHART = _WIDTH - _LEFT - _RIGHT
_TOP = 118  # title, subtitle, result, threshold label and time ticks
_STRIP = 64  # height of the in-flight strip
_LABEL_CHARS = 24
_TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)


def _num(value: float) -> str:
    """A coordinate with at most two decimals, the same text on every platform."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def duration(seconds: float) -> str:
    """``30s``, ``17.5s``, ``5m15s``, ``4h``, ``2d3h``: a time since the execution started."""
    if seconds < 60:
        return f"{_num(seconds)}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}m" + (f"{_num(rest)}s" if rest else "")
    hours, minutes = divmod(int(minutes), 60)
    if hours < 48:
        return f"{hours}h" + (f"{minutes}m" if minutes else "")
    return f"{hours // 24}d" + (f"{hours % 24}h" if hours % 24 else "")


def _tick(seconds: float, step: float) -> str:
    """A time-axis label in the step's unit: ``t+30s``, ``t+2m``, ``t+1h30m``, ``t+2d``."""
    return "t+0" if seconds == 0 else f"t+{duration(seconds)}"  # one style (duration)


def _tick_step(span: float) -> float:
    """The smallest step from a fixed list that gives at most ten ticks."""
    for step in _TICK_STEPS:
        if span / step <= 10:
            return float(step)
    return float(86400 * math.ceil(span / 86400 / 10))


def _element(name: str, text: str | None = None, /, **attributes: object) -> str:
    """``<name a="v" ...>text</name>``; ``_`` in attribute names becomes ``-``."""
    attrs = "".join(
        f" {key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}"
        for key, value in attributes.items()
        if value is not None
    )
    if text is None:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{escape(text)}</{name}>"


def _text(text: str, x: float | str, y: float | str, size: int = 12, /, **attrs: object) -> str:
    return _element("text", text, x=x, y=y, font_size=size, **attrs)


def _line(
    x1: float | str, y1: float | str, x2: float | str, y2: float | str, **style: object
) -> str:
    return _element("line", x1=x1, y1=y1, x2=x2, y2=y2, **style)


_THRESHOLD_STYLE: dict[str, object] = {
    "stroke": _THRESHOLD_COLOUR,
    "stroke_width": 2,
    "stroke_dasharray": "6,3",
}


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
        self.rows_bottom = _TOP + self.row_height * count
        self.crossing = self._crossing()
        errors = sorted(
            (r.ended, n, r.instance_id)
            for n, r in enumerate(self.results)
            if r.status in _ERRORS and r.ended is not None
        )
        self.error_number = {instance_id: k for k, (_, _, instance_id) in enumerate(errors, 1)}
        crossed = execution.threshold_crossed_at
        # Skipped rows are hatched from the threshold on (at least _SKIP_MIN px, to be seen)
        start = self.x(self.seconds(crossed)) if crossed is not None else float(_LEFT)
        self.skip_from = min(start, _LEFT + _CHART - _SKIP_MIN)

    def _crossing(self) -> str | None:
        """The target whose error crossed the threshold: error number ``tolerated + 1``
        in completion order, ties broken in dispatch order (D-RC-10)."""
        if self.execution.threshold_crossed_at is None or self.tolerated is None:
            return None
        errors = sorted(
            (r.ended, n, r.instance_id)
            for n, r in enumerate(self.results)
            if r.status in _ERRORS and r.ended is not None
        )
        return errors[self.tolerated][2] if len(errors) > self.tolerated else None

    def seconds(self, moment: datetime | None) -> float:
        return 0.0 if moment is None else (moment - self.origin).total_seconds()

    def x(self, seconds: float) -> float:
        return _LEFT + min(max(seconds, 0.0), self.span) / self.span * _CHART


def _header(timeline: _Timeline, title: str, subtitle: str, tolerated: int | None) -> list[str]:
    run = timeline.execution
    result = (
        f"Execution {run.status}: ResourceCountByStatus {run.resource_count_by_status}, "
        f"peak concurrency {run.peak_concurrency}, "
    ) + (
        f"ended at t+{duration(timeline.seconds(run.ended_time))}" if run.ended_time else "running"
    )
    parts = [
        _text(title, 16, 28, 18, font_weight="bold"),
        _text(subtitle, 16, 50, 13),
        _text(result, 16, 70, 13),
    ]
    crossed = run.threshold_crossed_at
    if crossed is not None:
        x = timeline.x(timeline.seconds(crossed))
        which = f"error #{tolerated + 1} > {tolerated} tolerated" if tolerated is not None else ""
        label = f"threshold crossed at t+{duration(timeline.seconds(crossed))}"
        label += f" ({which}): dispatch stops" if which else ": dispatch stops"
        wide = 7 * len(label)  # about 7 px a character at 12 px bold
        anchor = "end" if x + 6 + wide > _WIDTH - 4 and x - 6 - wide >= 4 else "start"
        dx = -6.0 if anchor == "end" else min(6.0, _WIDTH - 4 - wide - x)
        style = {"fill": _THRESHOLD_COLOUR, "text_anchor": anchor, "font_weight": "bold"}
        parts.append(_text(label, _num(x + dx), 92, **style))
    return parts


def _grid(timeline: _Timeline) -> list[str]:
    step = _tick_step(timeline.span)
    bottom = timeline.rows_bottom + _STRIP + 12
    parts = []
    for n in range(int(timeline.span // step) + 1):
        x = _num(timeline.x(n * step))
        parts.append(_line(x, _TOP - 4, x, bottom, stroke="#e6e6e6"))
        parts.append(
            _text(_tick(n * step, step), x, _TOP - 8, 11, text_anchor="middle", fill="#555")
        )
    return parts


def _skipped_rows(timeline: _Timeline, slot: int, first: int, results: list[TargetResult]) -> str:
    """One row standing for many consecutive targets that were never dispatched."""
    top = _TOP + slot * timeline.row_height
    height = timeline.row_height
    last = first + len(results) - 1
    tip = f"#{first}-#{last}: {len(results)} targets Skipped (never dispatched)"
    parts = [_element("title", tip)]
    if height >= 10:
        baseline = _num(top + height - 4)
        parts.append(_text(f"#{first}-{last}", 12, baseline, 11))
        parts.append(_text(f"{len(results)} targets skipped", 72, baseline, 11))
    inset = 2 if height >= 6 else 0
    left = timeline.skip_from
    parts.append(
        _element(
            "rect",
            x=_num(left),
            y=top + inset,
            width=_num(max(_LEFT + _CHART - left, 1.5)),
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
    top = _TOP + slot * timeline.row_height
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
    parts = [_element("title", tip)]
    if slot % 2 == 1:
        parts.append(_element("rect", x=0, y=top, width=_WIDTH, height=height, fill="#f5f5f5"))
    if height >= 10:
        label = result.instance_id
        if len(label) > _LABEL_CHARS:
            label = label[: _LABEL_CHARS - 1] + "\u2026"
        baseline = _num(top + height - 4)
        parts.append(_text(f"#{number}", 12, baseline, 11))
        parts.append(_text(label, 56, baseline, 11, font_family=_MONO))
    inset = 2 if height >= 6 else 0
    bar_top, bar_height = top + inset, height - 2 * inset
    if result.started is None:  # Skipped: hatched from where dispatch stopped
        skipped = status == "Skipped"
        fill = "url(#hatch)" if skipped else COLOURS.get(status, "#cfd8dc")
        left = timeline.skip_from if skipped else float(_LEFT)
        width = _num(max(_LEFT + _CHART - left, 1.5))
        parts.append(
            _element("rect", x=_num(left), y=bar_top, width=width, height=bar_height, fill=fill)
        )
    else:
        left = timeline.x(begin)
        right = timeline.x(end) if result.ended is not None else timeline.x(timeline.span)
        parts.append(
            _element(
                "rect",
                x=_num(left),
                y=bar_top,
                width=_num(max(right - left, 1.5)),
                height=bar_height,
                rx=2 if inset else None,
                fill=COLOURS.get(status, "#cfd8dc"),
            )
        )
        if crossing:
            parts.append(_marker(right, top + height / 2))
        number_of_error = timeline.error_number.get(result.instance_id)
        if number_of_error is not None and height >= 10:  # the running count vs MaxErrors
            tolerated = timeline.tolerated
            count = f"error {number_of_error}" + (
                f" of {tolerated} tolerated" if tolerated is not None else ""
            )
            if tolerated is not None and number_of_error > tolerated:
                count = f"error {number_of_error} > {tolerated} tolerated"
            room = _LEFT + _CHART - right
            anchor, at = ("start", right + 10) if room > 130 else ("end", left - 4)
            style = {"fill": COLOURS[status], "text_anchor": anchor}
            parts.append(_text(count, _num(at), _num(top + height - 4), 10, **style))
    attributes = f'class="row" data-target={quoteattr(result.instance_id)}'
    return f"<g {attributes} data-status={quoteattr(status)}>{''.join(parts)}</g>"


def _marker(x: float, y: float) -> str:
    """The diamond that marks the error which crossed the threshold."""
    corners = ((x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y))
    points = " ".join(f"{_num(a)},{_num(b)}" for a, b in corners)
    return _element("polygon", points=points, fill=_THRESHOLD_COLOUR, stroke="#ffffff")


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
    scale = (_STRIP - 14) / peak
    base = top + _STRIP - 4

    def y(level: int) -> str:
        return _num(base - level * scale)

    points = [f"{_num(_LEFT)},{_num(base)}"]
    level = 0
    for seconds, delta in sorted(net.items()):
        if not delta:
            continue
        x = _num(timeline.x(seconds))
        points.append(f"{x},{y(level)}")
        level += delta
        points.append(f"{x},{y(level)}")
    points.append(f"{_num(_LEFT + _CHART)},{y(level)}")
    points.append(f"{_num(_LEFT + _CHART)},{_num(base)}")
    parts = [
        _text(f"in flight (peak {timeline.execution.peak_concurrency})", 12, _num(base - 4), 11),
        _line(_LEFT, _num(base), _LEFT + _CHART, _num(base), stroke="#999"),
        _element("polygon", points=" ".join(points), fill=_FLIGHT_COLOUR, stroke="#1565c0"),
    ]
    if slots:
        limit = y(slots)
        parts.append(
            _line(_LEFT, limit, _LEFT + _CHART, limit, stroke="#1565c0", stroke_dasharray="5,4")
        )
        right, above = _num(_LEFT + _CHART - 4), _num(float(limit) - 4)
        label = f"MaxConcurrency: {slots} at once"
        parts.append(_text(label, right, above, 11, text_anchor="end", fill="#1565c0"))
    return parts


def _threshold_line(timeline: _Timeline) -> list[str]:
    crossed = timeline.execution.threshold_crossed_at
    if crossed is None:
        return []
    x = _num(timeline.x(timeline.seconds(crossed)))
    # Starts under the tick labels, so that it crosses none of them.
    return [_line(x, _TOP - 2, x, timeline.rows_bottom + _STRIP + 12, **_THRESHOLD_STYLE)]


def _legend(top: float) -> list[str]:
    parts: list[str] = []
    baseline = _num(top + 11)
    x = 16
    for status in _LEGEND:
        fill = "url(#hatch)" if status == "Skipped" else COLOURS[status]
        parts.append(_element("rect", x=x, y=_num(top), width=18, height=12, rx=2, fill=fill))
        parts.append(_text(status, x + 24, baseline))
        x += 40 + 8 * len(status)
    parts.append(_line(x, _num(top - 2), x, _num(top + 14), **_THRESHOLD_STYLE))
    parts.append(_text("threshold crossed", x + 8, baseline))
    parts.append(_marker(x + 138, top + 6))
    parts.append(_text("the error that crossed it", x + 150, baseline))
    x += 322
    flight = {"fill": _FLIGHT_COLOUR, "stroke": "#1565c0"}
    parts.append(_element("rect", x=x, y=_num(top), width=18, height=12, **flight))
    parts.append(_text("targets in flight", x + 24, baseline))
    return parts


def _defs() -> str:
    hatch = (
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#eeeeee"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{COLOURS["Skipped"]}" stroke-width="3"/>'
        "</pattern>"
    )
    return f"<defs>{hatch}</defs>"


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
    legend_top = timeline.rows_bottom + _STRIP + 30
    height = int(legend_top + 32)
    body: list[str] = [
        _element("rect", x=0, y=0, width=_WIDTH, height=height, fill="#ffffff"),
        *_header(timeline, title, " \u00b7 ".join(subtitle), tolerated),
        *_grid(timeline),
    ]
    if count == 0:
        body.append(_text("no targets: nothing ran", _LEFT, _TOP + 14))
    for slot, (number, results) in enumerate(timeline.layout):
        if len(results) == 1:
            body.append(_row(timeline, slot, number, results[0]))
        else:
            body.append(_skipped_rows(timeline, slot, number, results))
    body.extend(_in_flight(timeline, slots))
    body.extend(_threshold_line(timeline))
    body.extend(_legend(legend_top))
    summary = (
        f"{count} targets; execution {execution.status}; "
        f"ResourceCountByStatus {execution.resource_count_by_status}"
    )
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        f'viewBox="0 0 {_WIDTH} {height}" font-family={quoteattr(_SANS)} role="img">'
    )
    parts = [head, _element("title", title), _element("desc", summary), _defs(), *body, "</svg>"]
    return "\n".join(parts) + "\n"
