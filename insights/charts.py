"""Charts drawn on the server as SVG: no JavaScript library, no CDN, and they print.

Plain functions: numbers and labels in, markup out. Every piece of text is escaped (course
and lesson titles are typed by trainers). Each chart has a ``<title>`` for screen readers,
and templates show the same numbers in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.timecodes import format_clock

from .text_width import columns

# Wagtail admin's teal first, then colours that stay apart for colour-blind readers.
COLOURS = ["#007d7e", "#e9a23b", "#5b4fa6", "#c0392b", "#4a7f2c"]
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
# What fits left of a bar chart's bars (222 px at 12 px, with wide capitals and digits).
LABEL_COLUMNS = 30


def _e(text) -> str:
    return escape(str(text))


def _svg(width: int, height: int, title: str, body: list[str], classname: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text inside was escaped by _e
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'class="insights-chart {classname}" role="img" {FONT} preserveAspectRatio="xMinYMin meet">'
        f"<title>{_e(title)}</title>{''.join(body)}</svg>"
    )


def _short(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` columns with an ellipsis (Chinese counted double: a title cut
    by its characters still ran past the chart's left edge)."""
    text = str(text)
    if columns(text) <= limit:
        return text
    kept, used = [], 1  # the ellipsis
    for char in text:
        used += columns(char)
        if used > limit:
            break
        kept.append(char)
    return "".join(kept) + "…"


def nice_scale(largest: float, divisions: int = 4) -> tuple[float, float]:
    """``(top, step)`` for a count axis from 0 that holds ``largest``: at most ``divisions``
    steps of 1, 2, 2.5 or 5 × 10ⁿ, never less than 1 (nobody makes half an enrolment)."""
    if largest <= 1:
        return 1.0, 1.0
    raw = largest / divisions
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (m * magnitude for m in (1, 2, 2.5, 5, 10))
    step = next(s for s in steps if s >= raw and (s >= 1 and float(s).is_integer() or s < 1))
    step = max(1.0, step)
    return step * math.ceil(largest / step - 1e-9), step


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2g}"


@dataclass
class Bar:
    """One bar of a bar chart: its label, its value, and the text written after it."""

    label: str
    value: float
    text: str = ""


def bar_chart(bars: Sequence[Bar], *, title: str, width: int = 720) -> SafeString:
    """Horizontal bars, longest first in meaning (a funnel reads top to bottom)."""
    row, label_w, text_w = 26, 230, 90
    plot_w = width - label_w - text_w
    height = row * len(bars) + 8
    top = max((bar.value for bar in bars), default=0) or 1
    body = []
    for i, bar in enumerate(bars):
        y = 4 + i * row
        length = plot_w * max(0.0, bar.value) / top
        body.append(
            f"<g><title>{_e(bar.label)}: {_e(bar.text or _number(bar.value))}</title>"
            f'<text x="{label_w - 8}" y="{y + row / 2 + 4:.1f}" text-anchor="end" fill="#1e1e1e">'
            f"{_e(_short(bar.label, LABEL_COLUMNS))}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{length:.1f}" height="{row - 6}" '
            f'rx="2" fill="{COLOURS[0]}"/>'
            f'<text x="{label_w + length + 6:.1f}" y="{y + row / 2 + 4:.1f}" fill="#1e1e1e">'
            f"{_e(bar.text or _number(bar.value))}</text></g>"
        )
    return _svg(width, height, title, body, "insights-chart--bars")


@dataclass
class Series:
    """A named line of a line chart."""

    name: str
    values: Sequence[float]


def line_chart(
    labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 720
) -> SafeString:
    """Lines over shared x labels (weeks), with a y axis from 0 and a legend below."""
    left, right, top_margin, bottom = 48, 16, 12, 56
    height = 260
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    largest = max((v for s in series for v in s.values), default=0)
    top, step = nice_scale(largest)
    body = []
    tick = 0.0
    while tick <= top + 1e-9:
        y = top_margin + plot_h - plot_h * tick / top
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">'
            f"{_e(_number(tick))}</text>"
        )
        tick += step
    n = len(labels)

    def x_of(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    # At most eight labels, counted back from the latest week (the one people look for).
    every = max(1, math.ceil(n / 8))
    for i, label in enumerate(labels):
        if (n - 1 - i) % every == 0:
            anchor = "end" if i == n - 1 and n > 1 else "start" if i == 0 else "middle"
            body.append(
                f'<text x="{x_of(i):.1f}" y="{top_margin + plot_h + 16}" text-anchor="{anchor}" '
                f'fill="#555">{_e(label)}</text>'
            )
    for k, line in enumerate(series):
        colour = COLOURS[k % len(COLOURS)]
        points = [
            (x_of(i), top_margin + plot_h - plot_h * value / top)
            for i, value in enumerate(line.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), label, value in zip(points, labels, line.values, strict=False):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                f"<title>{_e(line.name)} · {_e(label)}: {_e(_number(value))}</title></circle>"
            )
        legend_x = left + k * 170
        body.append(
            f'<rect x="{legend_x}" y="{height - 22}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{legend_x + 18}" y="{height - 12}" fill="#1e1e1e">{_e(line.name)}</text>'
        )
    return _svg(width, height, title, body, "insights-chart--lines")


def retention_chart(
    curve: Sequence[float], duration: float, *, title: str, width: int = 720
) -> SafeString:
    """The share of members who watched each moment of a video: an area from 0 to 100%."""
    left, right, top_margin, bottom = 48, 16, 12, 28
    height = 240
    plot_w, plot_h = width - left - right, height - top_margin - bottom
    body = []
    for percent in (0, 25, 50, 75, 100):
        y = top_margin + plot_h - plot_h * percent / 100
        body.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="#555">{percent}%</text>'
        )
    for i in range(5):
        seconds = duration * i / 4
        x = left + plot_w * i / 4
        anchor = "start" if i == 0 else "end" if i == 4 else "middle"
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" text-anchor="{anchor}" fill="#555">'
            f"{_e(format_clock(seconds))}</text>"
        )
    n = len(curve)
    if n:
        width_each = plot_w / n
        baseline = top_margin + plot_h
        points = [
            (left + width_each * (i + 0.5), baseline - plot_h * share)
            for i, share in enumerate(curve)
        ]
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polygon points="{left},{baseline} {left},{points[0][1]:.1f} {outline} '
            f'{left + plot_w},{points[-1][1]:.1f} {left + plot_w},{baseline}" '
            f'fill="{COLOURS[0]}" fill-opacity="0.25" stroke="none"/>'
            f'<polyline points="{outline}" fill="none" stroke="{COLOURS[0]}" stroke-width="2"/>'
        )
        for i, share in enumerate(curve):
            start, end = duration * i / n, duration * (i + 1) / n
            body.append(
                f'<rect x="{left + width_each * i:.1f}" y="{top_margin}" width="{width_each:.2f}" '
                f'height="{plot_h}" fill="transparent"><title>{_e(format_clock(start))}–'
                f"{_e(format_clock(end))}: {round(share * 100)}%</title></rect>"
            )
    return _svg(width, height, title, body, "insights-chart--retention")
