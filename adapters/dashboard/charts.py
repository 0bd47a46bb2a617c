"""Charts drawn on the server as SVG: nothing to download, nothing to run in the browser.

Each chart is a ``Chart``: the drawing (with ``<title>`` and ``<desc>`` for screen readers, and
every number on its mark as ``data-*`` attributes, so a test or a script can read what is
drawn) and the same numbers as a table, which the page shows beside it for anyone who would
rather read them. Every text that goes into the drawing is escaped here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 260
# Room for the axis labels (left, bottom) and the legend (top).
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 34, 40
# Okabe and Ito's palette: told apart by people with every common colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
# Fewer labels than this many fit under the x axis; the others are left out (the table has all).
MAX_X_LABELS = 9


@dataclass(frozen=True, slots=True)
class Chart:
    """A drawing and its numbers as a table (``columns`` heads ``rows``)."""

    id: str
    title: str
    description: str
    svg: Markup
    columns: list[str]
    rows: list[list[str]]


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _number(value: float) -> str:
    # Below 1, two significant digits: ticks of 0.02 must not all read "0".
    if 0 < abs(value) < 1:
        return f"{value:.2g}"
    return f"{value:,.1f}".removesuffix(".0")


def nice_ticks(highest: float, count: int = 4, *, whole: bool = True) -> list[float]:
    """Round tick values from 0 up to at least ``highest``: steps of 1, 2 or 5 times a power
    of ten, about ``count`` of them (whole numbers only when ``whole``)."""
    if highest <= 0 or not math.isfinite(highest):
        return [0.0, 1.0]
    rough = highest / count
    power = 10 ** math.floor(math.log10(rough))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= rough)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    top = math.ceil(highest / step - 1e-9) * step
    ticks = [round(i * step, 10) for i in range(round(top / step) + 1)]
    return ticks if len(ticks) > 1 else [0.0, step]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "chart"


def _attrs(**values: object) -> str:
    """``name="value"`` pairs, escaped; underscores in names become dashes."""
    return " ".join(f'{name.replace("_", "-")}="{escape(str(v))}"' for name, v in values.items())


class _Frame:
    """The plot area: where a value and a category land."""

    def __init__(self, slots: int, top_value: float) -> None:
        self.slots = max(slots, 1)
        self.top_value = top_value
        self.width = WIDTH - LEFT - RIGHT
        self.height = HEIGHT - TOP - BOTTOM

    def y(self, value: float) -> float:
        return TOP + self.height - self.height * (value / self.top_value)

    def slot_x(self, index: int) -> float:
        return LEFT + self.width * index / self.slots

    @property
    def slot_width(self) -> float:
        return self.width / self.slots


def _axes(
    frame: _Frame, ticks: Sequence[float], labels: Sequence[str], tick_text: Callable[[float], str]
) -> list[str]:
    parts = ['<g class="axes" aria-hidden="true">']
    for tick in ticks:
        y = frame.y(tick)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" '
            'stroke="#d0d4d9" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#444">{escape(tick_text(tick))}</text>'
        )
    every = max(1, math.ceil(len(labels) / MAX_X_LABELS))
    for index, label in enumerate(labels):
        if index % every:
            continue
        x = frame.slot_x(index) + frame.slot_width / 2
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" font-size="11" '
            f'fill="#444">{escape(label)}</text>'
        )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + frame.height}" '
        f'y2="{TOP + frame.height}" stroke="#555" stroke-width="1"/>'
    )
    parts.append("</g>")
    return parts


def _legend(names: Sequence[str]) -> list[str]:
    if len(names) < 2:
        return []
    parts = ['<g class="legend">']
    x = float(LEFT)
    for index, name in enumerate(names):
        colour = PALETTE[index % len(PALETTE)]
        parts.append(f'<rect x="{x:.1f}" y="8" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{x + 16:.1f}" y="18" font-size="12" fill="#222">{escape(name)}</text>'
        )
        # About 7 px a character at this size: enough that names never overlap.
        x += 16 + 7 * len(name) + 18
    parts.append("</g>")
    return parts


def _svg(chart_id: str, title: str, description: str, kind: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'role="img" class="chart" '
        f"{_attrs(data_chart=kind, aria_labelledby=f'{chart_id}-title {chart_id}-desc')}>"
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _empty_note(empty: bool) -> list[str]:
    if not empty:
        return []
    return [
        f'<text x="{LEFT + (WIDTH - LEFT - RIGHT) / 2}" y="{TOP + (HEIGHT - TOP - BOTTOM) / 2}" '
        'text-anchor="middle" font-size="14" fill="#555">Nothing yet</text>'
    ]


def bar_chart(
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[int],
    *,
    value_name: str = "items",
) -> Chart:
    """One bar per label."""
    return stacked_bar_chart(title, description, labels, {value_name: list(values)})


def stacked_bar_chart(
    title: str, description: str, labels: Sequence[str], series: dict[str, list[int]]
) -> Chart:
    """One bar per label, each made of the series stacked in the order given."""
    chart_id = _slug(title)
    names = list(series)
    totals = [sum(series[name][index] for name in names) for index in range(len(labels))]
    ticks = nice_ticks(max(totals, default=0))
    frame = _Frame(len(labels), ticks[-1])
    body = _legend(names) + _axes(frame, ticks, labels, _count)
    body.append('<g class="marks">')
    bar = frame.slot_width * 0.7
    for index, label in enumerate(labels):
        x = frame.slot_x(index) + (frame.slot_width - bar) / 2
        base = 0
        for number, name in enumerate(names):
            value = series[name][index]
            if value <= 0:
                continue
            y_top, y_base = frame.y(base + value), frame.y(base)
            said = f"{label}: {_count(value)} {name}"
            body.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar:.1f}" '
                f'height="{y_base - y_top:.1f}" fill="{PALETTE[number % len(PALETTE)]}" '
                f"{_attrs(data_label=label, data_series=name, data_value=value)}>"
                f"<title>{escape(said)}</title></rect>"
            )
            base += value
    body.append("</g>")
    body += _empty_note(not any(totals))
    kind = "stacked-bar" if len(names) > 1 else "bar"
    svg = _svg(chart_id, title, description, kind, body)
    columns = ["", *names] + (["total"] if len(names) > 1 else [])
    rows = [
        [label, *(_count(series[name][i]) for name in names)]
        + ([_count(totals[i])] if len(names) > 1 else [])
        for i, label in enumerate(labels)
    ]
    return Chart(chart_id, title, description, svg, columns, rows)


def line_chart(
    title: str,
    description: str,
    labels: Sequence[str],
    series: dict[str, list[float | None]],
    *,
    unit: str = "",
    scale: float = 1.0,
    ticks: Sequence[float] = (),
) -> Chart:
    """One line per series over the labels; ``None`` is a gap (nothing happened there).
    Values are divided by ``scale`` and shown in ``unit`` (hours for seconds/3600). ``ticks``
    fixes the axis (a scale of 1 to 5, a share up to 100%), which otherwise fits the values."""
    chart_id = _slug(title)
    names = list(series)
    scaled = {name: [None if v is None else v / scale for v in series[name]] for name in names}
    known = [v for values in scaled.values() for v in values if v is not None]
    ticks = list(ticks) or nice_ticks(max(known, default=0.0), whole=False)
    frame = _Frame(len(labels), ticks[-1])

    def tick_text(value: float) -> str:
        return f"{_number(value)} {unit}".strip()

    body = _legend(names) + _axes(frame, ticks, labels, tick_text)
    body.append('<g class="marks">')
    for number, name in enumerate(names):
        colour = PALETTE[number % len(PALETTE)]
        path: list[str] = []
        points: list[str] = []
        drawing = False
        for index, value in enumerate(scaled[name]):
            if value is None:
                drawing = False
                continue
            x = frame.slot_x(index) + frame.slot_width / 2
            y = frame.y(value)
            path.append(f"{'L' if drawing else 'M'}{x:.1f},{y:.1f}")
            drawing = True
            raw = series[name][index]
            said = f"{labels[index]}: {tick_text(value)} ({name})"
            points.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}" '
                f"{_attrs(data_label=labels[index], data_series=name, data_value=raw)}>"
                f"<title>{escape(said)}</title></circle>"
            )
        if path:
            dash = ' stroke-dasharray="6 4"' if number % 2 else ""
            body.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" stroke-width="2"'
                f"{dash} {_attrs(data_series=name)}/>"
            )
        body += points
    body.append("</g>")
    body += _empty_note(not known)
    svg = _svg(chart_id, title, description, "line", body)
    columns = ["", *(f"{name} ({unit})" if unit else name for name in names)]
    rows = [
        [label, *("-" if scaled[n][i] is None else _number(scaled[n][i] or 0.0) for n in names)]
        for i, label in enumerate(labels)
    ]
    return Chart(chart_id, title, description, svg, columns, rows)


def time_unit(highest_seconds: float) -> tuple[float, str]:
    """The unit that shows durations up to ``highest_seconds`` in readable numbers: what to
    divide seconds by, and its name."""
    if highest_seconds < 120:
        return 1.0, "s"
    if highest_seconds < 2 * 3600:
        return 60.0, "min"
    if highest_seconds < 3 * 86400:
        return 3600.0, "h"
    return 86400.0, "d"
