"""The throughput bench's arithmetic: each round's share, then the median."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from bench.throughput import cpu_seconds, side_by_side


def run(rps: float, not_ok: int = 0, cpu_ms: float = 1.0) -> dict[str, float]:
    return {"rps": rps, "not_ok": not_ok, "requests": rps * 3, "cpu_ms_per_request": cpu_ms}


def test_the_share_is_the_median_of_each_rounds_own_share() -> None:
    """A slow spell that hits one round (both sides alike) leaves the share alone,
    where a ratio of the two sides' medians would move with it."""
    rounds = [
        (run(700), run(7_000)),
        (run(200), run(2_000)),  # the machine was busy for this round
        (run(720), run(7_200)),
        (run(650), run(2_100)),  # bare ran in a slow spell, Dots did not
        (run(710), run(7_100)),
    ]
    result = side_by_side(rounds)
    assert result["share_pct_rounds"] == [10.0, 10.0, 10.0, 31.0, 10.0]
    assert result["share_pct"] == 10.0
    assert (result["dots_rps"], result["bare_rps"]) == (700, 7_000)


def test_answers_that_were_not_ok_are_summed_over_the_dots_runs() -> None:
    result = side_by_side([(run(100, 3), run(1_000, 9)), (run(100, 4), run(1_000))])
    assert result["dots_not_ok"] == 7


def test_the_cpu_share_compares_what_each_answer_cost_the_servers() -> None:
    """A slow spell lowers the requests per second, not the CPU an answer takes."""
    rounds = [
        (run(700, cpu_ms=2.0), run(7_000, cpu_ms=0.25)),
        (run(200, cpu_ms=2.1), run(2_000, cpu_ms=0.25)),  # a slow spell
        (run(720, cpu_ms=1.9), run(7_200, cpu_ms=0.25)),
    ]
    result = side_by_side(rounds)
    assert result["cpu_share_pct_rounds"] == [12.5, 11.9, 13.2]
    assert result["cpu_share_pct"] == 12.5
    assert (result["dots_cpu_ms_per_request"], result["bare_cpu_ms_per_request"]) == (2.0, 0.25)


def test_cpu_seconds_counts_the_process_and_its_children() -> None:
    """A running child that burns CPU counts towards its parent (here: this test),
    as gunicorn's workers count towards its arbiter."""

    def used() -> float:
        return sum(cpu_seconds(os.getpid()).values())

    before = used()
    child = subprocess.Popen(
        [sys.executable, "-c", "sum(range(60_000_000)); input()"], stdin=subprocess.PIPE
    )
    try:
        for _ in range(200):
            if used() - before >= 0.3:
                break
            time.sleep(0.05)
        assert used() - before >= 0.3
        assert child.pid in cpu_seconds(os.getpid())
    finally:
        child.communicate(b"\n")
