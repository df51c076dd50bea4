"""Bar charts as plain geometry for the templates to draw as SVG (no script, no library).

The template draws each :class:`Bar` as a ``<rect>`` and each tick as a
line with its label; the chart is one ``role="img"`` with a name, and its
numbers are in the table beside it, so nothing here needs to be accessible
on its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 56, 8, 12, 40
#: Week labels under the axis: at most this many, evenly spaced.
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    ticks: list[Tick]
    labels: list[Label]
    baseline: float
    left: int = LEFT
    right: int = WIDTH - RIGHT


def nice_top(largest: float) -> float:
    """The axis' top: 1, 2 or 5 times a power of ten, at least ``largest`` (1 for nothing)."""
    if largest <= 0:
        return 1
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def stacked(
    columns: Sequence[Sequence[tuple[str, float]]], labels: Sequence[str], scale: float = 1
) -> Chart:
    """One bar per column, its ``(series, value)`` parts stacked from the bottom.

    ``scale`` divides the values for the axis (minor units to currency units).
    """
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_h
    top = nice_top(max((sum(v for _s, v in parts) for parts in columns), default=0) / scale)
    slot = plot_w / max(len(columns), 1)
    bar_w = max(slot * 0.7, 1)
    bars: list[Bar] = []
    for index, parts in enumerate(columns):
        x, y = LEFT + index * slot + (slot - bar_w) / 2, baseline
        for series, value in parts:
            height = value / scale / top * plot_h
            if height > 0:
                y -= height
                bars.append(
                    Bar(round(x, 2), round(y, 2), round(bar_w, 2), round(height, 2), series)
                )
    ticks = [Tick(round(baseline - plot_h * f, 2), top * f) for f in (0, 0.5, 1)]
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    shown = [
        Label(round(LEFT + i * slot + slot / 2, 2), text)
        for i, text in enumerate(labels)
        if i % every == 0
    ]
    return Chart(WIDTH, HEIGHT, bars, ticks, shown, baseline)
