"""Loading and comparing the golden AWS CLI pairs (shared by the golden tests)."""

from __future__ import annotations

import json
from collections.abc import Collection
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"
TIME_KEYS = frozenset(
    {
        "Date",
        "LastUpdateAssociationDate",
        "LastExecutionDate",
        "LastSuccessfulExecutionDate",
        "CreatedDate",
        "CreatedTime",
        "ExecutionDate",
    }
)
ID_KEYS = frozenset({"AssociationId", "ExecutionId", "OutputSourceId"})
# The managed nodes the golden pairs' legacy InstanceId associations name: on AWS they
# were managed nodes, and D-CRT-3 refuses a legacy association on a node the stub
# does not know, so the golden scenarios register them first (untagged, Linux).
GOLDEN_NODES = (
    "i-1234567890abcdef0",
    "i-9876543210abcdef0",
    "i-0cb2b964d3e14fd9f",
    "i-0000293ffd8c57862",
    "i-cdcd2233",
    "i-1a2b3c4d",
    "i-rraa3344",
    "i-aabb2233",
)


def add_golden_nodes(stub: Any) -> None:
    for node in GOLDEN_NODES:
        stub.add_instance(node)


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((GOLDEN / name).read_text())
    return data


def normalise(value: Any, key: str = "") -> Any:
    """``value`` with generated ids and timestamps replaced by placeholders."""
    if key in TIME_KEYS:
        return "<time>"
    if key in ID_KEYS:
        return "<id>"
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normalise(v) for v in value]
    return value


def compare(
    golden: Any,
    ours: Any,
    *,
    extra: Collection[str] = frozenset(),
    missing: Collection[str] = frozenset(),
    path: str = "",
) -> None:
    """``ours`` equals ``golden`` but for keys named in ``extra`` (only ours has them)
    and ``missing`` (only the golden has them), anywhere in the tree."""
    if isinstance(golden, dict):
        assert isinstance(ours, dict), path
        assert set(golden) - set(ours) <= set(missing), (path, set(golden) - set(ours))
        assert set(ours) - set(golden) <= set(extra), (path, set(ours) - set(golden))
        for key in set(golden) & set(ours):
            compare(golden[key], ours[key], extra=extra, missing=missing, path=f"{path}.{key}")
    elif isinstance(golden, list):
        assert isinstance(ours, list) and len(ours) == len(golden), (path, len(ours))
        for n, (g, o) in enumerate(zip(golden, ours, strict=True)):
            compare(g, o, extra=extra, missing=missing, path=f"{path}[{n}]")
    else:
        assert ours == golden, (path, ours, golden)
