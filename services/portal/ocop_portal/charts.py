"""Horizontal bar charts as plain geometry; the template draws them as SVG (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    max_value: float


def bar_chart(
    rows: list[tuple[str, float]],
    *,
    width: int = 560,
    label_width: int = 200,
    value_width: int = 60,
    bar_height: int = 22,
    gap: int = 8,
) -> BarChart:
    """Bars scaled to the largest value; a zero value draws no bar but keeps its row."""
    largest = max((value for _, value in rows), default=0.0)
    room = width - label_width - value_width
    bars = [
        Bar(
            label=label,
            value=value,
            y=index * (bar_height + gap),
            width=(room * value / largest) if largest > 0 and value > 0 else 0.0,
        )
        for index, (label, value) in enumerate(rows)
    ]
    height = max(bar_height, len(rows) * (bar_height + gap) - gap)
    return BarChart(bars, width, height, label_width, bar_height, largest)
