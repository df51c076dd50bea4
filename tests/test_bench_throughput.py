"""The throughput bench's arithmetic: each round's share, then the median."""

from __future__ import annotations

from bench.throughput import side_by_side


def run(rps: float, not_ok: int = 0) -> dict[str, float]:
    return {"rps": rps, "not_ok": not_ok, "requests": rps * 3}


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
