"""Charts of the pack as inline SVG text, drawn in Python: no JavaScript, so they print to PDF as they are."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 680
FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"
PALETTE = ("#1f3a5f", "#2a9d8f", "#e9a03b", "#d1495b", "#6c7a89", "#8e6c8a")
INK, MUTED, GRID, TRACK = "#1b2733", "#5b6b7b", "#d5dce3", "#eef2f6"


@dataclass(frozen=True)
class Bar:
    """One labelled value with the text written beside it."""

    label: str
    value: float
    text: str
    note: str = ""


def _svg(height: float, body: list[str], title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" font-family="{FONT}" font-size="12">'
        f"<title>{escape(title)}</title>{''.join(body)}</svg>"
    )


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    size: int = 12,
    fill: str = INK,
    weight: str = "normal",
) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{escape(text)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, rx: float = 2) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" rx="{rx}" fill="{fill}"/>'


def funnel_chart(bars: Sequence[Bar], title: str = "People entering each stage") -> str:
    """A centred funnel: a bar per stage, width by people entering, conversion to the next stage beside it."""
    row, gap, label_w, note_w = 30, 8, 120, 150
    span = WIDTH - label_w - note_w
    top = max((b.value for b in bars), default=0) or 1
    body = []
    for i, b in enumerate(bars):
        y = 6 + i * (row + gap)
        w = max(span * b.value / top, 3)
        x = label_w + (span - w) / 2
        body.append(_text(label_w - 10, y + row / 2 + 4, b.label, anchor="end", weight="bold"))
        body.append(_rect(x, y, w, row, PALETTE[0] if i % 2 == 0 else "#2f5683", rx=3))
        inside = w > 60
        body.append(
            _text(
                label_w + span / 2 if inside else x + w + 6,
                y + row / 2 + 4,
                b.text,
                anchor="middle" if inside else "start",
                fill="#ffffff" if inside else INK,
                weight="bold",
            )
        )
        if b.note:
            body.append(_text(WIDTH - note_w + 12, y + row / 2 + 4, b.note, fill=MUTED, size=11))
    return _svg(12 + len(bars) * (row + gap), body, title)


def bar_chart(
    bars: Sequence[Bar],
    *,
    maximum: float | None = None,
    title: str,
    color: str = PALETTE[1],
    label_w: int = 190,
) -> str:
    """Horizontal bars on a light track (shares, compliance, counts), the value written at the end."""
    row, gap, text_w = 18, 9, 70
    span = WIDTH - label_w - text_w
    top = maximum if maximum is not None else (max((b.value for b in bars), default=0) or 1)
    body = []
    for i, b in enumerate(bars):
        y = 4 + i * (row + gap)
        body.append(_text(label_w - 10, y + row / 2 + 4, b.label, anchor="end"))
        body.append(_rect(label_w, y, span, row, TRACK))
        body.append(_rect(label_w, y, span * max(min(b.value / top, 1.0), 0.0), row, color))
        body.append(_text(label_w + span + 8, y + row / 2 + 4, b.text, weight="bold"))
    return _svg(8 + len(bars) * (row + gap), body, title)


def grouped_chart(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    *,
    title: str,
    fmt: Callable[[float], str],
    label_w: int = 150,
) -> str:
    """Horizontal grouped bars: per category one bar per series (models side by side), with a legend."""
    names = list(series)
    bar, inner, gap, text_w, legend_h = (11, 2, 12, 60, 26) if len(series) <= 2 else (8, 1, 10, 60, 26)
    group = len(names) * (bar + inner) - inner
    span = WIDTH - label_w - text_w
    top = max((v for values in series.values() for v in values), default=0) or 1
    body = []
    x = label_w
    for k, name in enumerate(names):
        body.append(_rect(x, 6, 12, 12, PALETTE[k % len(PALETTE)]))
        body.append(_text(x + 17, 16, name, size=11))
        x += 30 + 7 * len(name)
    for i, cat in enumerate(categories):
        y = legend_h + i * (group + gap)
        body.append(_text(label_w - 10, y + group / 2 + 4, cat, anchor="end"))
        for k, name in enumerate(names):
            v = series[name][i]
            yy = y + k * (bar + inner)
            w = span * max(v, 0) / top
            body.append(_rect(label_w, yy, w, bar, PALETTE[k % len(PALETTE)], rx=1))
            if v > 0:
                body.append(_text(label_w + w + 4, yy + bar - 1, fmt(v), size=8, fill=MUTED))
    return _svg(legend_h + len(categories) * (group + gap), body, title)


def pareto_chart(
    labels: Sequence[str], counts: Sequence[int], cumulative: Sequence[float], *, title: str
) -> str:
    """Vertical bars of reason counts, largest first, with the cumulative share as a line (right axis)."""
    height, left, right, top, bottom = 250, 44, 44, 14, 64
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = max(len(labels), 1)
    step = plot_w / n
    most = 4 * math.ceil((max(counts, default=0) or 1) / 4)  # an axis of whole-number quarter ticks
    body = []
    for k in range(5):
        y = top + plot_h * k / 4
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}" stroke="{GRID}" '
            f'stroke-width="0.8"/>'
        )
        body.append(_text(WIDTH - right + 6, y + 4, f"{100 - 25 * k}%", size=10, fill=MUTED))
        body.append(_text(left - 6, y + 4, f"{most * (4 - k) // 4}", anchor="end", size=10, fill=MUTED))
    points = []
    for i, (lab, c, cum) in enumerate(zip(labels, counts, cumulative, strict=True)):
        h = plot_h * c / most
        x = left + i * step + step * 0.15
        body.append(_rect(x, top + plot_h - h, step * 0.7, h, PALETTE[0]))
        body.append(
            _text(x + step * 0.35, top + plot_h - h - 4, str(c), anchor="middle", size=10, weight="bold")
        )
        cx, cy = x + step * 0.35, top + plot_h * (1 - cum)
        points.append(f"{cx:.1f},{cy:.1f}")
        body.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="3" fill="{PALETTE[3]}"/>')
        body.append(
            f'<text transform="translate({cx:.1f},{top + plot_h + 12}) rotate(30)" font-size="10" '
            f'fill="{INK}">{escape(lab[:22])}</text>'
        )
    if points:
        body.append(
            f'<polyline points="{" ".join(points)}" fill="none" stroke="{PALETTE[3]}" stroke-width="2"/>'
        )
    return _svg(height, body, title)
