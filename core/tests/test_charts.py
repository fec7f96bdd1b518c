"""The dashboard's revenue chart, as numbers: its axes and its bars."""

from datetime import date

from core.charts import daily_chart

LAST = date(2026, 12, 3)


def test_the_value_axis_runs_from_zero_to_a_round_amount_above_the_best_day():
    chart = daily_chart({LAST: 18_897, date(2026, 11, 20): 4_000}, last_day=LAST)

    assert [tick.value for tick in chart.value_ticks] == [0, 5_000, 10_000, 15_000, 20_000]
    assert (chart.best.day, chart.total) == (LAST, 22_897)
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.day == LAST and tallest.y > chart.top  # below the axis's top


def test_every_seventh_day_is_labelled_counting_back_from_the_last():
    chart = daily_chart({}, last_day=LAST)

    assert [tick.day.isoformat() for tick in chart.day_ticks] == [
        "2026-11-05",
        "2026-11-12",
        "2026-11-19",
        "2026-11-26",
        "2026-12-03",
    ]
    assert [tick.narrow for tick in chart.day_ticks] == [True, False, True, False, True]


def test_a_month_without_sales_still_has_an_axis_and_no_best_day():
    chart = daily_chart({}, last_day=LAST)

    assert chart.best is None and chart.total == 0
    assert len(chart.bars) == 30 and all(bar.height == 0 for bar in chart.bars)
    assert chart.value_ticks[-1].value > 0
