"""Horizontal bar charts as plain proportions; the template draws them with HTML and CSS.

HTML bars rather than SVG text: a label wraps instead of being clipped at the chart's edge, and
the text keeps the page's font size on a phone (an SVG scaled to a 390 px screen shrank it to
6 px). No JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    # The bar's length as a percentage of the longest bar (0 draws no bar but keeps the row).
    percent: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    max_value: float


def bar_chart(rows: list[tuple[str, float]]) -> BarChart:
    """Bars scaled to the largest value."""
    largest = max((value for _, value in rows), default=0.0)
    bars = [
        Bar(
            label=label,
            value=value,
            percent=round(100.0 * value / largest, 1) if largest > 0 and value > 0 else 0.0,
        )
        for label, value in rows
    ]
    return BarChart(bars, largest)
