"""Association compliance items per managed node (pure core).

``ComplianceStore`` keeps, per Region and resource, the items a test writes with
PutComplianceItems (``put``).  The items the agent writes for the runs of AUTO
associations are not stored: ``association_items`` derives them from each
association's latest final result on each node, so recording a run costs
nothing.  ``ops_compliance`` reads both.  What the agent writes (companion spec
section 4.2): one item per association, ``Id`` the association
id, ``Title`` empty, ``Status`` COMPLIANT for a Success and NON_COMPLIANT for
Failed or TimedOut, ``Details`` the document name and version, written only for
those three final statuses.  Decisions where AWS is silent (docs/behaviour.md):

* D-CMP-2: the item's ``Severity`` is the association's ComplianceSeverity, and
  ``UNSPECIFIED`` when none is set.
* D-CMP-3: each association item's ``ExecutionTime`` is when that association's
  run on the node ended, in whole seconds (the CLI sample), not one time shared
  by every item of the node.
* D-CMP-8: a node shows an item for each AUTO association (Command or Policy
  document) that targets it now and has a final result there; a deleted
  association's items go with it.  Where an item written with PutComplianceItems
  has the same Id as a derived one, the later ExecutionTime wins (the service
  keeps the newer report), the derived one on a tie.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime

import attrs

from .journal import TxDict

__all__ = ["ASSOCIATION", "SEVERITIES", "ComplianceItem", "ComplianceStore"]

ASSOCIATION = "Association"
#: Highest first: the order of ``OverallSeverity`` (ListResourceComplianceSummaries).
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNSPECIFIED")


@attrs.frozen(kw_only=True)
class ComplianceItem:
    compliance_type: str
    resource_type: str
    resource_id: str
    item_id: str | None
    title: str | None
    status: str
    severity: str
    execution_time: datetime
    execution_id: str | None = None
    execution_type: str | None = None
    details: Mapping[str, str] | None = None


# (region, resource id) -> compliance type -> items in upload order
_Items = dict[str, list[ComplianceItem]]


class ComplianceStore:
    def __init__(self) -> None:
        # Journaled (``journal``): a failed call leaves the items as they were.
        self._resources: dict[tuple[str, str], _Items] = TxDict()
        self._hashes: dict[tuple[str, str, str], str] = TxDict()

    def put(
        self,
        region: str,
        resource_id: str,
        compliance_type: str,
        items: list[ComplianceItem],
        *,
        partial: bool,
        content_hash: str | None,
    ) -> None:
        """PutComplianceItems: COMPLETE replaces the type's items, PARTIAL replaces by Id."""
        types = self._resources.get((region, resource_id))
        if types is None:
            types = self._resources[(region, resource_id)] = TxDict()
        if partial:
            ids = {item.item_id for item in items}
            kept = [item for item in types.get(compliance_type, ()) if item.item_id not in ids]
            types[compliance_type] = kept + items
        else:
            types[compliance_type] = list(items)
        if content_hash is not None:
            self._hashes[(region, resource_id, compliance_type)] = content_hash

    def same_hash(self, region: str, resource_id: str, compliance_type: str, value: str) -> bool:
        """A repeated ItemContentHash makes PutComplianceItems a no-op."""
        return self._hashes.get((region, resource_id, compliance_type)) == value

    def resources(self, region: str) -> Iterator[tuple[str, str, list[ComplianceItem]]]:
        """``(resource id, compliance type, items)`` in first-written order; empty sets left out."""
        for (item_region, resource_id), types in self._resources.items():
            if item_region != region:
                continue
            for compliance_type, items in types.items():
                if items:
                    yield resource_id, compliance_type, items
