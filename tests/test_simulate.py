"""The ``simulate`` subcommand: the rate-control explainer's key lines and flag validation."""

from __future__ import annotations

import argparse
import io

import pytest

from ssm_assoc_stub._tools.simulate import build_parser, main_simulate

ISSUE_EXAMPLE = "--targets 50 --max-concurrency 10% --max-errors 10% --fail 1-10 --duration 30"


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="ssm_assoc_stub")
    build_parser(root.add_subparsers(dest="command"))
    return root


def simulate(argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_simulate(parser().parse_args(["simulate", *argv.split()]), out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_the_issue_example_D_RC_1_D_RC_2_D_RC_4() -> None:
    code, out, err = simulate(ISSUE_EXAMPLE)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert "  slots: 5              MaxConcurrency 10%: 10% of 50 = 5" in lines
    assert "  tolerated errors: 5   MaxErrors 10%: 10% of 50 = 5" in lines
    assert any(line.startswith("  dispatch stops at error #6 (errors > 5") for line in lines)
    assert "  planned outcomes: 10 Failed (#1-10), 40 Success; 30s per target" in lines
    # 1-5 fail at t+30s, 6-10 start as each slot frees; #6 fails at t+60s with 7-10 in flight.
    assert "  error #6 at t+1m: dispatch stops; 4 in flight finish; 40 skipped" in lines
    assert "              THRESHOLD error 6 > 5 tolerated: dispatch stops" in lines
    assert "              Skipped   #11-50  (never dispatched)" in lines
    assert "  ResourceCountByStatus:  {Failed=10, Skipped=40}" in lines
    assert (
        "  Overview (D-ST-1):      Status=Failed, DetailedStatus=Failed, "
        'AssociationStatusAggregatedCount={"Failed": 10, "Skipped": 40}'
    ) in lines
    assert "  peak concurrency:       5 (slots: 5)" in lines
    assert "  execution status:       Failed (DetailedStatus Failed)" in lines


def test_the_chart_draws_runs_on_the_time_axis_and_caps_rows() -> None:
    _, out, _ = simulate(ISSUE_EXAMPLE)
    rows = {line.split()[0]: line for line in out.splitlines() if "|" in line}
    # width 60 over 60 s: one column per second.
    assert "|" + "X" * 30 + " " * 30 + "| Failed    0s-30s" in rows["#1"]
    assert "|" + " " * 30 + "X" * 30 + "| Failed    30s-1m" in rows["#6"]
    assert "|" + "." * 60 + "| Skipped" in rows["#40"]
    assert "#41" not in rows
    assert "  ... 10 more targets not shown (raise --rows): {Skipped=10}" in out.splitlines()
    assert "-!+" in out  # the threshold marker, at t+60s, the last column


def test_the_output_is_deterministic() -> None:
    argv = "--targets 30 --max-concurrency 4 --max-errors 2 --fail 3,9-12 --timeout 20"
    argv += " --durations 10,25,17.5"
    assert simulate(argv) == simulate(argv)


def test_rounding_is_explained_D_RC_1() -> None:
    _, out, _ = simulate("--targets 7 --max-concurrency 10% --max-errors 10% --fail 3")
    assert "10% of 7 = 0.7 -> 1 (rounded down, but at least one slot; D-RC-1)" in out
    assert "10% of 7 = 0.7 -> 0 (rounded down; D-RC-1)" in out
    assert "  error #1 at t+1m30s: dispatch stops; 0 in flight finish; 4 skipped" in out


def test_unset_rate_controls_never_stop_early_D_RC_6_D_RC_7() -> None:
    _, out, _ = simulate("--targets 20 --fail all --duration 5")
    assert "MaxConcurrency unset -> 100% (D-RC-6): 100% of 20 = 20" in out
    assert "  dispatch never stops early: 20 errors cannot exceed 20" in out
    assert "  never crossed: 20 errors, 20 tolerated" in out
    assert "  ResourceCountByStatus:  {Failed=20}" in out
    assert "  peak concurrency:       20 (slots: 20)" in out


def test_timed_out_targets_count_as_errors_D_RC_5() -> None:
    _, out, _ = simulate("--targets 10 --max-concurrency 1 --max-errors 1 --fail 2 --timeout 4")
    assert (
        "  error #2 at t+2m: dispatch stops; 0 in flight finish; 6 skipped" in out
    )  # one unit style
    assert "  ResourceCountByStatus:  {Failed=1, Skipped=6, Success=2, TimedOut=1}" in out


def test_zero_targets_succeed_D_ST_1() -> None:
    code, out, _ = simulate("--targets 0")
    assert code == 0
    assert "  ResourceCountByStatus:  {}" in out
    assert "AssociationStatusAggregatedCount={}" in out
    assert "  execution status:       Success (DetailedStatus Success)" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ("--max-concurrency 0", "--max-concurrency '0' is not valid"),
        ("--max-concurrency 05%", "--max-concurrency '05%' is not valid"),
        ("--max-concurrency 101%", "--max-concurrency '101%' is not valid"),
        ("--max-errors 05%", "--max-errors '05%' is not valid"),
        ("--max-errors 00", "--max-errors '00' is not valid"),
        ("--default-max-concurrency 0%", "--default-max-concurrency '0%' is not valid"),
        ("--fail 51", "--fail '51' is outside 1..50"),
        ("--fail 1-x", "--fail '1-x' is not valid"),
        ("--fail 1-10 --timeout 10-12", "--fail and --timeout both name #10"),
        ("--durations 10,-1", "durations must be finite and >= 0 seconds"),
        ("--start yesterday", "--start 'yesterday'"),
        ("--width 5", "--width must be 10..500"),
    ],
)
def test_bad_flags_exit_2_with_a_clear_message(argv: str, message: str) -> None:
    code, out, err = simulate(argv)
    assert code == 2
    assert out == ""
    assert err.startswith("simulate: error: ")
    assert message in err


def test_the_api_pattern_is_named_in_the_message() -> None:
    _, _, err = simulate("--max-concurrency 0")
    assert "use a whole number from 1 without leading zeros, or 1% to 100%" in err
    assert "^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$" in err


def test_help_renders(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        parser().parse_args(["simulate", "--help"])
    assert exit_info.value.code == 0
    assert "1%..100%" in capsys.readouterr().out
