"""The admin's SVG charts: labels fit beside the bars, whatever their script."""

import re

import pytest

from insights.charts import Bar, Series, bar_chart, line_chart, nice_scale


def shown_labels(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" fill="#1e1e1e">([^<]*)</text>', svg)


def test_bar_labels_are_cut_by_their_width_not_their_characters():
    titles = [
        "1. 什么是电子政务 completed",
        "3. Digital office basics · 信息化办公基础 completed",
        "5. Records management in a small office completed",
        "6. 加强机关信息化建设，提高工作效率的十二条措施 completed",
    ]
    svg = bar_chart([Bar(label=t, value=1) for t in titles], title="Funnel")
    labels = shown_labels(str(svg))
    assert labels[0] == titles[0]  # short enough to stay whole
    for label in labels[1:]:
        assert label.endswith("…")
        # At most 30 columns, a Chinese character taking two: about 222 px at 12 px.
        assert sum(2 if "\u4e00" <= c <= "\u9fff" or c in "，“”·" else 1 for c in label) <= 30
    assert labels[3].startswith("6. 加强机关")
    # The whole title is kept for screen readers and on hover.
    assert f"<title>{titles[3]}: 1</title>" in str(svg)


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (0, [0, 1]),
        (1, [0, 1]),
        (2, [0, 1, 2]),
        (3, [0, 1, 2, 3]),
        (7, [0, 2, 4, 6, 8]),
        (10, [0, 5, 10]),
        (24, [0, 10, 20, 30]),
        (95, [0, 25, 50, 75, 100]),
        (1234, [0, 500, 1000, 1500]),
    ],
)
def test_count_axes_tick_in_whole_numbers(largest, ticks):
    top, step = nice_scale(largest)
    assert [step * i for i in range(round(top / step) + 1)] == ticks
    assert top >= largest


def test_a_quiet_week_draws_no_fractional_ticks():
    svg = line_chart(["11-16", "11-23"], [Series("Page views", [0, 2])], title="Page views")
    labels = re.findall(r'text-anchor="end" fill="#555">([^<]+)<', svg)
    assert labels[:-1] == ["0", "1", "2"]  # then the x labels, the latest week right-aligned
