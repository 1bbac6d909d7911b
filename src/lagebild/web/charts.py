"""Plots drawn on the server as inline SVG: no script, no library, nothing fetched.

Each function takes words already translated and a function that formats numbers in the page's
language, and returns an ``<svg>`` element as a string: ``role="img"`` with a ``<title>`` and a
``<desc>`` that says in words what the plot shows, and a ``<title>`` on every bar or point for a
tooltip. Colours come from CSS classes (``lagebild.css``). With ``rtl`` the plot is mirrored:
labels on the right, bars growing to the left and time running from right to left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

Format = Callable[[float], str]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    kind: str = ""  # a CSS class: besieged, hard_to_reach, accessible, ...
    note: str = ""  # added to the tooltip, e.g. "(1,120,000 of 13,500,000)"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]
    kind: str = ""


@dataclass(frozen=True)
class Segment:
    """A stretch of time, from ``start`` to the day before ``end``."""

    start: date
    end: date
    label: str
    kind: str = ""


class _Canvas:
    """Logical coordinates, left to right; mirrored on output when right to left."""

    def __init__(self, width: float, height: float, rtl: bool) -> None:
        self.width, self.height, self.rtl = width, height, rtl
        self.parts: list[str] = []

    def x(self, x: float) -> float:
        return self.width - x if self.rtl else x

    def rect(self, x: float, y: float, w: float, h: float, cls: str, tip: str = "") -> None:
        left = self.width - x - w if self.rtl else x
        title = f"<title>{escape(tip)}</title>" if tip else ""
        self.parts.append(
            f'<rect class="{escape(cls)}" x="{left:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" '
            f'height="{h:.1f}">{title}</rect>'
        )

    def text(self, x: float, y: float, words: str, anchor: str = "start", cls: str = "") -> None:
        """``anchor`` is logical: ``start`` is the reading start (left, or right when RTL)."""
        klass = f' class="{escape(cls)}"' if cls else ""
        self.parts.append(
            f'<text x="{self.x(x):.1f}" y="{y:.1f}" text-anchor="{anchor}"{klass}>'
            f"{escape(words)}</text>"
        )

    def line(self, x1: float, y1: float, x2: float, y2: float, cls: str) -> None:
        self.parts.append(
            f'<line class="{cls}" x1="{self.x(x1):.1f}" y1="{y1:.1f}" '
            f'x2="{self.x(x2):.1f}" y2="{y2:.1f}"/>'
        )

    def raw(self, svg: str) -> None:
        self.parts.append(svg)

    def svg(self, chart_id: str, title: str, desc: str, cls: str) -> str:
        direction = ' direction="rtl"' if self.rtl else ""
        return (
            f'<svg class="chart {cls}" id="{escape(chart_id)}" role="img" '
            f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'preserveAspectRatio="xMidYMin meet"{direction} '
            f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
            f'xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
            f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
            + "".join(self.parts)
            + "</svg>"
        )


#: The width of a character of the plots' 13 px text, on average, in the SVG's units: a label
#: column is sized from it (a little wide for Arabic and German, never too narrow).
CHAR_WIDTH = 7.6


def text_width(words: str) -> float:
    return len(words) * CHAR_WIDTH


def label_lines(label: str, room: float) -> list[str]:
    """A label on one line, or on two split at the space nearest its middle when it is wider
    than ``room``."""
    if text_width(label) <= room or " " not in label:
        return [label]
    spaces = [i for i, c in enumerate(label) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return [label[:cut], label[cut + 1 :]]


def bar_chart(
    chart_id: str,
    bars: Sequence[Bar],
    *,
    title: str,
    desc: str,
    fmt: Format,
    rtl: bool = False,
    maximum: float | None = None,
    width: int = 640,
    label_width: int | None = None,
    value_width: int = 110,
) -> str:
    """Horizontal bars, one per row, labelled at the start and valued after the bar (a bar's
    ``note`` goes into its tooltip).

    ``maximum`` is the value of a full bar (default: the largest value; 1.0 for shares, so
    that 8 % draws 8 % of the track); a bar without a value is drawn empty with a dash. The
    label column is as wide as the longest label (from 120 to 45 % of the width); a label
    wider than that is written on two lines.
    """
    row, gap, top = 26, 8, 4
    height = top + len(bars) * (row + gap) + 4
    canvas = _Canvas(width, max(height, 30), rtl)
    top_value = maximum or max((b.value or 0 for b in bars), default=0) or 1
    if label_width is None:
        longest = max((text_width(b.label) for b in bars), default=0.0)
        label_width = int(min(max(longest + 16, 120), width * 0.45))
    track = width - label_width - value_width
    for i, bar in enumerate(bars):
        y = top + i * (row + gap)
        lines = label_lines(bar.label, label_width - 12)
        if len(lines) == 1:
            canvas.text(label_width - 8, y + row * 0.68, bar.label, anchor="end", cls="label")
        else:
            for n, part in enumerate(lines):
                canvas.text(label_width - 8, y + 11 + n * 13, part, anchor="end", cls="label")
        canvas.rect(label_width, y, track, row, "track")
        shown = fmt(bar.value) if bar.value is not None else "–"
        length = track * min(max((bar.value or 0) / top_value, 0), 1)
        tip = f"{bar.label}: {shown}" + (f" {bar.note}" if bar.note else "")
        canvas.rect(label_width, y, length, row, f"bar {bar.kind}".strip(), tip)
        canvas.text(label_width + track + 8, y + row * 0.68, shown, cls="value")
    if not bars:
        canvas.text(8, 20, "–", cls="value")
    return canvas.svg(chart_id, title, desc, "bars")


def line_chart(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    desc: str,
    fmt: Format,
    rtl: bool = False,
    width: int = 640,
    height: int = 240,
) -> str:
    """Lines over evenly spaced points (months, say), oldest first; time runs toward the end
    of the reading direction. A legend names the series; every point has a tooltip."""
    legend = 18 * len(series)
    left, right, top, bottom = 84, 16, 12 + legend, 40
    height += legend
    canvas = _Canvas(width, height, rtl)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for s in series for v in s.values), default=0) or 1
    n = max(len(labels), 1)

    def px(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    for fraction in (0, 0.5, 1):
        y = py(peak * fraction)
        canvas.line(left, y, left + plot_w, y, "grid")
        canvas.text(left - 6, y + 4, fmt(peak * fraction), anchor="end", cls="axis")
    step = max(1, -(-n // 5))  # at most five labels
    for i, label in enumerate(labels):
        if (n - 1 - i) % step == 0:  # every step-th label, counted back from the newest
            anchor = "end" if i == n - 1 and n > 1 else "start" if i == 0 else "middle"
            canvas.text(px(i), height - bottom + 18, label, anchor=anchor, cls="axis")
    for s_index, s in enumerate(series):
        points = " ".join(f"{canvas.x(px(i)):.1f},{py(v):.1f}" for i, v in enumerate(s.values))
        canvas.raw(f'<polyline class="line {escape(s.kind)}" points="{points}"/>')
        for i, v in enumerate(s.values):
            tip = f"{labels[i] if i < len(labels) else ''}: {s.name} {fmt(v)}"
            canvas.raw(
                f'<circle class="point {escape(s.kind)}" cx="{canvas.x(px(i)):.1f}" '
                f'cy="{py(v):.1f}" r="3.5"><title>{escape(tip)}</title></circle>'
            )
        y = 4 + s_index * 18
        canvas.rect(left, y, 14, 10, f"key {s.kind}".strip())
        canvas.text(left + 20, y + 9, s.name, cls="legend")
    return canvas.svg(chart_id, title, desc, "lines")


def timeline(
    chart_id: str,
    segments: Sequence[Segment],
    *,
    start: date,
    end: date,
    title: str,
    desc: str,
    day: Callable[[date], str],
    rtl: bool = False,
    width: int = 640,
    marker: date | None = None,
    marker_label: str = "",
) -> str:
    """A band of coloured stretches of time from ``start`` to ``end``, dates under it; an
    optional marker (the ``as_of`` date) as a vertical line."""
    left, right, band_y, band_h = 8, 8, 24, 26
    height = band_y + band_h + 40
    canvas = _Canvas(width, height, rtl)
    span = max((end - start).days, 1)
    track = width - left - right

    def px(when: date) -> float:
        return left + track * min(max((when - start).days / span, 0), 1)

    canvas.rect(left, band_y, track, band_h, "track")
    for segment in segments:
        x0, x1 = px(segment.start), px(min(segment.end, end))
        tip = f"{segment.label}: {day(segment.start)} – {day(segment.end)}"
        canvas.rect(x0, band_y, max(x1 - x0, 1.5), band_h, f"period {segment.kind}".strip(), tip)
    canvas.text(left, band_y + band_h + 18, day(start), anchor="start", cls="axis")
    canvas.text(width - right, band_y + band_h + 18, day(end), anchor="end", cls="axis")
    if marker is not None and start <= marker <= end:
        x = px(marker)
        canvas.line(x, band_y - 6, x, band_y + band_h + 6, "marker")
        if marker != end:
            anchor = "end" if x > width * 0.85 else "start" if x < width * 0.15 else "middle"
            canvas.text(x, band_y - 10, marker_label or day(marker), anchor=anchor, cls="axis")
    return canvas.svg(chart_id, title, desc, "timeline")


__all__ = ["Bar", "Segment", "Series", "bar_chart", "line_chart", "timeline"]
