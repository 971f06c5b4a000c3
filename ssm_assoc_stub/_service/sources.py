"""What the service reads from outside itself: the abstract "rest of AWS" (pure core).

The service holds the associations (and the Run Command view of their runs), the
nodes added with ``add_instance`` and the documents of its catalogue and
``add_document``.  For anything else it asks an
``ExternalSource``: the binding hands the backend one per call (``_bridge.moto`` reads
moto's ``mock_aws`` or a moto server through public AWS calls).  Nothing here knows
botocore or moto.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import attrs

if TYPE_CHECKING:
    from .documents import Document

__all__ = ["ExternalNode", "ExternalSource"]


@attrs.frozen(kw_only=True)
class ExternalNode:
    """An instance of the outside world; a managed node while ``state`` is ``running``."""

    instance_id: str
    tags: Mapping[str, str]
    platform: str  # Linux | Windows | MacOS
    state: str = "running"
    platform_name: str | None = None
    platform_version: str | None = None
    ip_address: str | None = None
    computer_name: str | None = None
    launch_time: datetime | None = None


class ExternalSource(Protocol):
    """The rest of AWS, for one call."""

    def active(self) -> bool:
        """Whether anything answers (moto's mock_aws, a moto server)."""

    def nodes(self) -> Sequence[ExternalNode] | None:
        """Every instance (any state), in launch order; None when nothing answers."""

    def document(self, name: str) -> Document | None:
        """The document called ``name`` with all its versions; None if unknown."""

    def commands(self, instance_id: str | None) -> Sequence[Mapping[str, Any]] | None:
        """Its Run Command commands as ListCommands items (of one node, if named);
        None when nothing answers or they cannot be read."""

    def renewed(self) -> ExternalSource:
        """The same source for a later moment (what it said holds for one call only)."""
