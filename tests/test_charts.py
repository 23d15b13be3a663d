"""The admin's SVG charts: labels fit beside the bars, whatever their script."""

import re

from insights.charts import Bar, bar_chart


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
