"""Refresh the SSM service model the stub's server-side checks follow (D-VAL-1).

The stub answers every client as one service, whatever botocore the client runs, so
its server-side validation reads a snapshot of the newest SSM model, shipped in the
package as ``ssm_assoc_stub/_service/data/ssm-service-model.json``.  This script
writes that snapshot from the botocore it runs with: install the newest botocore in a
scratch environment (aiobotocore pins botocore, so not necessarily the project's) and
run it from the repository root::

    python3 -m venv /tmp/model-venv
    /tmp/model-venv/bin/pip install -U botocore
    /tmp/model-venv/bin/python scripts/refresh_service_model.py

The snapshot keeps only what the checks read: every operation's input shape and the
shapes they reach, with their types, members (and wire names), required members and
the constraint traits (``min``, ``max``, ``pattern``, ``enum``, ``sensitive``); no
documentation.  Its header records the botocore version and a SHA-256 of the whole
model, which ``tests/test_service_model.py`` compares with the installed botocore's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import botocore
from botocore.loaders import Loader

TARGET = (
    Path(__file__).resolve().parent.parent / "ssm_assoc_stub/_service/data/ssm-service-model.json"
)
TRAITS = ("min", "max", "pattern", "enum", "sensitive")
REF_KEYS = ("locationName",)


def model_digest(model: dict[str, Any]) -> str:
    """The SHA-256 of a service model in canonical JSON (the same as the test computes)."""
    text = json.dumps(model, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _ref(ref: dict[str, Any]) -> dict[str, Any]:
    out = {"shape": ref["shape"]}
    out.update({key: ref[key] for key in REF_KEYS if key in ref})
    return out


def compact(model: dict[str, Any]) -> dict[str, Any]:
    """The snapshot: operation inputs and the shapes they reach, constraint traits only."""
    shapes_in = model["shapes"]
    operations = {
        name: op["input"]["shape"]
        for name, op in sorted(model["operations"].items())
        if "input" in op
    }
    kept: dict[str, dict[str, Any]] = {}
    todo = list(operations.values())
    while todo:
        name = todo.pop()
        if name in kept:
            continue
        shape = shapes_in[name]
        out: dict[str, Any] = {"type": shape["type"]}
        out.update({key: shape[key] for key in TRAITS if key in shape})
        if shape["type"] == "structure":
            out["members"] = {m: _ref(ref) for m, ref in shape.get("members", {}).items()}
            if shape.get("required"):
                out["required"] = list(shape["required"])
            todo.extend(ref["shape"] for ref in shape.get("members", {}).values())
        elif shape["type"] == "list":
            out["member"] = _ref(shape["member"])
            todo.append(shape["member"]["shape"])
        elif shape["type"] == "map":
            out["key"], out["value"] = _ref(shape["key"]), _ref(shape["value"])
            todo.extend([shape["key"]["shape"], shape["value"]["shape"]])
        kept[name] = out
    return {
        "botocore_version": botocore.__version__,
        "api_version": model["metadata"]["apiVersion"],
        "model_sha256": model_digest(model),
        "operations": operations,
        "shapes": dict(sorted(kept.items())),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=TARGET, help="where to write it")
    args = parser.parse_args(argv)
    model = Loader().load_service_model("ssm", "service-2")
    snapshot = compact(model)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(snapshot, indent=None, separators=(",", ":")) + "\n")
    size = args.output.stat().st_size
    print(
        f"wrote {args.output} from botocore {botocore.__version__}: "
        f"{len(snapshot['operations'])} operations, {len(snapshot['shapes'])} shapes, {size} bytes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
