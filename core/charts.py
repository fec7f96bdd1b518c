"""Bar charts drawn on the server as inline SVG: no chart library, no script.

The chart's coordinates are SVG user units in a WIDTH x HEIGHT viewBox; the
plot leaves LEFT units for the value axis's labels and BOTTOM for the dates.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT, GAP = 800, 300, 2
LEFT, RIGHT, TOP, BOTTOM = 124, 40, 56, 80
Y_DIVISIONS = 4
# Every 7th day carries a date under the axis; on a phone only every 14th.
X_LABEL_EVERY, X_LABEL_EVERY_NARROW = 7, 14


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class ValueTick:
    value: int
    y: float


@dataclass(frozen=True)
class DayTick:
    day: date
    x: float
    narrow: bool  # also shown on a phone


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    value_ticks: list[ValueTick]
    day_ticks: list[DayTick]
    total: int
    best: Bar | None  # the day with the most, None when every day is 0
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    base: int = HEIGHT - BOTTOM  # y of the day axis


def _nice_step(raw: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least `raw`, so the
    value axis reads $0, $50, $100 … rather than $0, $37.49 …"""
    if raw <= 1:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def daily_chart(values: dict, *, last_day: date, days: int = 30) -> Chart:
    """One bar per day of the `days` ending on `last_day` (0 where `values` has
    none), on a value axis from 0 to a round number at or above the largest."""
    series = [last_day - timedelta(days=days - 1 - i) for i in range(days)]
    amounts = [values.get(day, 0) for day in series]
    # An empty month still gets an axis: 0 to 4 (minor units) is as good as any.
    step = _nice_step(max(amounts, default=0) / Y_DIVISIONS)
    top_value = step * Y_DIVISIONS
    plot_height = HEIGHT - BOTTOM - TOP
    slot = (WIDTH - LEFT - RIGHT) / days

    def y_of(value: int) -> float:
        return round(HEIGHT - BOTTOM - value / top_value * plot_height, 1)

    bars = []
    for i, (day, value) in enumerate(zip(series, amounts, strict=True)):
        height = round(value / top_value * plot_height, 1)
        x = round(LEFT + i * slot + GAP / 2, 1)
        bars.append(Bar(day, value, x, HEIGHT - BOTTOM - height, round(slot - GAP, 1), height))
    # Dates counted back from the last day, so today is always labelled.
    day_ticks = [
        DayTick(bar.day, round(bar.x + bar.width / 2, 1), i % X_LABEL_EVERY_NARROW == 0)
        for i, bar in enumerate(reversed(bars))
        if i % X_LABEL_EVERY == 0
    ][::-1]
    best = max(bars, key=lambda bar: bar.value) if any(amounts) else None
    return Chart(
        bars=bars,
        value_ticks=[ValueTick(step * i, y_of(step * i)) for i in range(Y_DIVISIONS + 1)],
        day_ticks=day_ticks,
        total=sum(amounts),
        best=best,
    )
