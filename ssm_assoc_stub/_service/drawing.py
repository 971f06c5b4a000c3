"""The drawing kit of the execution pictures (pure core): palette, page geometry and SVG parts.

Plain string building with no state: ``element``/``text``/``line`` write one SVG
element, ``num`` one coordinate (the same text on every platform, so pictures are
byte-for-byte reproducible), ``duration``/``tick`` one time, and ``marker``,
``legend`` and ``defs`` the parts every picture shares.  ``picture`` lays out the
rows with them.
"""

from __future__ import annotations

import math
from xml.sax.saxutils import escape, quoteattr

__all__ = [
    "CHART",
    "COLOURS",
    "ERRORS",
    "FLIGHT_COLOUR",
    "LABEL_CHARS",
    "LEFT",
    "MONO",
    "SANS",
    "STRIP",
    "THRESHOLD_COLOUR",
    "THRESHOLD_STYLE",
    "TOP",
    "WIDTH",
    "defs",
    "duration",
    "element",
    "legend",
    "line",
    "marker",
    "num",
    "text",
    "tick",
    "tick_step",
]

#: Fill colour of each per-target status.
COLOURS = {
    "Success": "#2e7d32",
    "Failed": "#c62828",
    "TimedOut": "#ef6c00",
    "Skipped": "#9e9e9e",
    "InProgress": "#1565c0",
    "Pending": "#cfd8dc",
}
LEGEND = ("Success", "Failed", "TimedOut", "Skipped")
ERRORS = ("Failed", "TimedOut")  # D-RC-5
THRESHOLD_COLOUR = "#6a1b9a"
FLIGHT_COLOUR = "#90caf9"
SANS = "DejaVu Sans, Helvetica, Arial, sans-serif"
MONO = "DejaVu Sans Mono, Menlo, Consolas, monospace"

WIDTH = 960
LEFT = 210  # the label column
RIGHT = 40
CHART = WIDTH - LEFT - RIGHT
TOP = 118  # title, subtitle, result, threshold label and time ticks
STRIP = 64  # height of the in-flight strip
LABEL_CHARS = 24
TICK_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)


def num(value: float) -> str:
    """A coordinate with at most two decimals, the same text on every platform."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def duration(seconds: float) -> str:
    """``30s``, ``17.5s``, ``5m15s``, ``4h``, ``2d3h``: a time since the execution started."""
    if seconds < 60:
        return f"{num(seconds)}s"
    minutes, rest = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}m" + (f"{num(rest)}s" if rest else "")
    hours, minutes = divmod(int(minutes), 60)
    if hours < 48:
        return f"{hours}h" + (f"{minutes}m" if minutes else "")
    return f"{hours // 24}d" + (f"{hours % 24}h" if hours % 24 else "")


def tick(seconds: float, step: float) -> str:
    """A time-axis label in the step's unit: ``t+30s``, ``t+2m``, ``t+1h30m``, ``t+2d``."""
    return "t+0" if seconds == 0 else f"t+{duration(seconds)}"  # one style (duration)


def tick_step(span: float) -> float:
    """The smallest step from a fixed list that gives at most ten ticks."""
    for step in TICK_STEPS:
        if span / step <= 10:
            return float(step)
    return float(86400 * math.ceil(span / 86400 / 10))


def element(name: str, text: str | None = None, /, **attributes: object) -> str:
    """``<name a="v" ...>text</name>``; ``_`` in attribute names becomes ``-``."""
    attrs = "".join(
        f" {key.rstrip('_').replace('_', '-')}={quoteattr(str(value))}"
        for key, value in attributes.items()
        if value is not None
    )
    if text is None:
        return f"<{name}{attrs}/>"
    return f"<{name}{attrs}>{escape(text)}</{name}>"


def text(text: str, x: float | str, y: float | str, size: int = 12, /, **attrs: object) -> str:
    return element("text", text, x=x, y=y, font_size=size, **attrs)


def line(
    x1: float | str, y1: float | str, x2: float | str, y2: float | str, **style: object
) -> str:
    return element("line", x1=x1, y1=y1, x2=x2, y2=y2, **style)


THRESHOLD_STYLE: dict[str, object] = {
    "stroke": THRESHOLD_COLOUR,
    "stroke_width": 2,
    "stroke_dasharray": "6,3",
}


def marker(x: float, y: float) -> str:
    """The diamond that marks the error which crossed the threshold."""
    corners = ((x, y - 6), (x + 6, y), (x, y + 6), (x - 6, y))
    points = " ".join(f"{num(a)},{num(b)}" for a, b in corners)
    return element("polygon", points=points, fill=THRESHOLD_COLOUR, stroke="#ffffff")


def legend(top: float) -> list[str]:
    parts: list[str] = []
    baseline = num(top + 11)
    x = 16
    for status in LEGEND:
        fill = "url(#hatch)" if status == "Skipped" else COLOURS[status]
        parts.append(element("rect", x=x, y=num(top), width=18, height=12, rx=2, fill=fill))
        parts.append(text(status, x + 24, baseline))
        x += 40 + 8 * len(status)
    parts.append(line(x, num(top - 2), x, num(top + 14), **THRESHOLD_STYLE))
    parts.append(text("threshold crossed", x + 8, baseline))
    parts.append(marker(x + 138, top + 6))
    parts.append(text("the error that crossed it", x + 150, baseline))
    x += 322
    flight = {"fill": FLIGHT_COLOUR, "stroke": "#1565c0"}
    parts.append(element("rect", x=x, y=num(top), width=18, height=12, **flight))
    parts.append(text("targets in flight", x + 24, baseline))
    return parts


def defs() -> str:
    hatch = (
        '<pattern id="hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#eeeeee"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{COLOURS["Skipped"]}" stroke-width="3"/>'
        "</pattern>"
    )
    return f"<defs>{hatch}</defs>"
