"""Bar charts drawn on the server as inline SVG: no chart library, no script."""

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT, GAP = 600, 160, 2


@dataclass(frozen=True)
class Bar:
    day: date
    value: int
    x: float
    y: float
    width: float
    height: float


def daily_bars(values: dict, *, last_day: date, days: int = 30) -> list[Bar]:
    """One bar per day of the `days` ending on `last_day` (0 where `values` has
    none), scaled so the largest fills the chart's height."""
    series = [(last_day - timedelta(days=days - 1 - i)) for i in range(days)]
    top = max((values.get(day, 0) for day in series), default=0) or 1
    slot = WIDTH / days
    bars = []
    for index, day in enumerate(series):
        value = values.get(day, 0)
        height = round(value / top * (HEIGHT - 10), 1)
        bars.append(
            Bar(day, value, round(index * slot, 1), HEIGHT - height, round(slot - GAP, 1), height)
        )
    return bars
