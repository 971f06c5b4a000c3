"""``python -m ssm_assoc_stub demo`` explains what it shows and points to the quickstart."""

from __future__ import annotations

import io
import re
from pathlib import Path

from ssm_assoc_stub._tools.demo import run_demo

ROOT = Path(__file__).resolve().parent.parent


def demo() -> str:
    out = io.StringIO()
    assert run_demo(out) == 0
    return out.getvalue()


def test_the_demo_explains_the_successes_after_the_threshold() -> None:
    text = demo()
    counts = re.search(r"ResourceCountByStatus \{Failed=3, Skipped=13, Success=(\d+)\}", text)
    assert counts is not None, text
    # 5 slots: #1-5 start; #2 and #3 fail (tolerated) and free slots for #6 and #7; #4 fails
    # (the third error > 2): dispatch stops with #1, #5, #6, #7 still running. All 4 succeed.
    assert counts[1] == "4"
    assert "4 nodes still succeeded after the threshold: they were already running" in text
    assert "(stopping dispatch does not stop the runs in progress)" in text


def test_the_demo_ends_by_pointing_to_the_quickstart() -> None:
    last = demo().rstrip("\n").split("\n\n")[-1]
    assert last.startswith("Next: write a test of your own with the quickstart, docs/quickstart.md")
    assert (ROOT / "docs" / "quickstart.md").is_file()
