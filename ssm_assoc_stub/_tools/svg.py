"""The SVG timeline, for ``simulate --svg``: drawn by ``_service.picture`` (where
``Execution.to_svg()`` finds it too), re-exported here for the tools."""

from __future__ import annotations

from .._service.picture import COLOURS, timeline_svg

__all__ = ["COLOURS", "timeline_svg"]
