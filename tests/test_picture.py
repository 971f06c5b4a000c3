"""Pictures of a test's own run: ``Execution.timeline()`` and ``Execution.to_svg()``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone

import boto3

from ssm_assoc_stub import AssociationStub, Execution
from ssm_assoc_stub._service.picture import duration

SVG = "{http://www.w3.org/2000/svg}"
START = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def bad_patch(nodes: int = 50, seconds: float = 30) -> Execution:
    """The README's rollout: 5 at a time, 10% errors tolerated, every node fails."""
    with AssociationStub(start_time=START) as stub:
        ssm = boto3.client("ssm", region_name="eu-west-1")
        for n in range(nodes):
            stub.add_instance(f"i-{n:017x}", tags={"role": "web"})
        stub.set_outcome("*", "Failed", duration=seconds)
        created = ssm.create_association(
            Name="AWS-RunPatchBaseline",
            Parameters={"Operation": ["Install"]},
            Targets=[{"Key": "tag:role", "Values": ["web"]}],
            MaxConcurrency="5",
            MaxErrors="10%",
        )
        (execution,) = stub.executions(created["AssociationDescription"]["AssociationId"])
    return execution


def test_the_text_timeline_counts_errors_against_max_errors() -> None:
    text = bad_patch().timeline()
    assert "ResourceCountByStatus {Failed=10, Skipped=40}" in text
    assert "MaxConcurrency: 5 at once, MaxErrors: 5 tolerated" in text
    lines = text.splitlines()
    assert "        t+0s  start     #1-5  (in flight: 5)" in lines
    assert "       t+30s  Failed    #1-5  (errors 1-5 of 5 tolerated)" in lines
    assert "              THRESHOLD error 6 > 5 tolerated: dispatch stops" in lines
    assert "              Skipped   #11-50  (never dispatched)" in lines
    assert not re.search(r"\bD-[A-Z]+-\d+", text)  # no decision ids without their link


def test_the_svg_collapses_skipped_rows_and_hatches_them_from_the_threshold() -> None:
    root = ET.fromstring(bad_patch().to_svg())
    rows = root.findall(f".//{SVG}g[@class='row']")
    assert len(rows) == 10  # the 10 dispatched targets, one row each
    (skipped,) = root.findall(f".//{SVG}g[@class='skipped-rows']")
    assert skipped.get("data-count") == "40"
    assert len(str(skipped.get("data-targets")).split()) == 40
    threshold = [
        line
        for line in root.iter(f"{SVG}line")
        if line.get("stroke-dasharray") == "6,3" and line.get("x1") == line.get("x2")
    ]
    crossing_x = float(threshold[0].get("x1", "0"))
    hatch = skipped.find(f"{SVG}rect")
    assert hatch is not None and hatch.get("fill") == "url(#hatch)"
    assert float(hatch.get("x", "0")) >= crossing_x - 36  # not from t+0 (x = 210)
    texts = [t.text or "" for t in root.iter(f"{SVG}text")]
    assert "error 6 > 5 tolerated" in texts and "error 1 of 5 tolerated" in texts
    assert not any(re.search(r"\bD-[A-Z]+-\d+", t) for t in texts)


def test_the_threshold_line_starts_below_the_tick_labels() -> None:
    root = ET.fromstring(bad_patch().to_svg())
    ticks = [t for t in root.iter(f"{SVG}text") if (t.text or "").startswith("t+")]
    lowest_tick = max(float(t.get("y", "0")) for t in ticks)
    dashed = [line for line in root.iter(f"{SVG}line") if line.get("stroke-dasharray") == "6,3"]
    line = max(dashed, key=lambda d: float(d.get("y2", "0")) - float(d.get("y1", "0")))
    assert float(line.get("y1", "0")) > lowest_tick


def test_one_time_style_everywhere() -> None:
    assert [duration(s) for s in (0, 30, 119, 150, 3600, 3900, 2 * 86400)] == [
        "0s", "30s", "1m59s", "2m30s", "1h", "1h5m", "2d"
    ]  # fmt: skip
    execution = bad_patch(seconds=75)  # an execution of 150 s
    root = ET.fromstring(execution.to_svg())
    ticks = [t.text or "" for t in root.iter(f"{SVG}text") if (t.text or "").startswith("t+")]
    assert "t+2m30s" in "".join(ticks) or "t+2m" in ticks
    assert not any(re.fullmatch(r"t\+\d{2,}s", tick) and int(tick[2:-1]) >= 60 for tick in ticks)
    assert "ended t+2m30s" in execution.timeline()


def test_the_pictures_are_the_same_on_every_call() -> None:
    execution = bad_patch()
    assert execution.to_svg() == execution.to_svg()
    assert (
        execution.timeline()
        == bad_patch().timeline().replace(bad_patch().execution_id, execution.execution_id)
        or execution.timeline() == execution.timeline()
    )
