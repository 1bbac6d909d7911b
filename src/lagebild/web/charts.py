"""Plots drawn on the server as inline SVG: no script, no library, nothing fetched.

Each function takes words already translated and a function that formats numbers in the page's
language, and returns an ``<svg>`` element as a string: ``role="img"`` with a ``<title>`` and a
``<desc>`` that says in words what the plot shows, and a ``<title>`` on every bar or point for a
tooltip. Colours come from CSS classes (``lagebild.css``). With ``rtl`` the plot is mirrored:
labels on the right, bars growing to the left and time running from right to left.

Each plot is drawn twice, for the width it is shown at (the text of both is 13 px in the SVG's
units): a wide drawing (class ``wide``) and a narrow one of ``NARROW_WIDTH`` units (class
``narrow``, its id ending in ``-narrow``) laid out for a phone: a bar's label on its own line
above the bar, fewer date labels. The CSS shows the narrow one when the plot's box is too narrow
for the wide one's text to stay 11 px or more, so that no plot scrolls sideways in its box.
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


#: The width of the narrow drawing of every plot, in the SVG's units: shown from the width of a
#: phone (330 px inside its box at 390) up to its ``max-width`` in the CSS, its 13 px text is
#: drawn at 11 px or more in a box of 280 px and wider.
NARROW_WIDTH = 320

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


def both(wide: str, narrow: str) -> str:
    """The two drawings of a plot, the wide one first: the CSS shows one of them."""
    return wide + narrow


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
    ``note`` goes into its tooltip); drawn wide and narrow (``both``).

    ``maximum`` is the value of a full bar (default: the largest value; 1.0 for shares, so
    that 8 % draws 8 % of the track); a bar without a value is drawn empty with a dash. In the
    wide drawing the label column is as wide as the longest label (from 120 to 45 % of the
    width), a label wider than that on two lines; in the narrow one a label stands on its own
    line(s) above its bar, which has the whole width but for the widest value.
    """
    top_value = maximum or max((b.value or 0 for b in bars), default=0) or 1
    wide = _bars_wide(
        chart_id, bars, top_value, title, desc, fmt, rtl, width, label_width, value_width
    )
    return both(wide, _bars_narrow(chart_id, bars, top_value, title, desc, fmt, rtl))


def _bar(
    canvas: _Canvas, bar: Bar, x: float, y: float, track: float, row: float, top: float, fmt: Format
) -> None:
    """A bar's track, the bar and its value after the track."""
    canvas.rect(x, y, track, row, "track")
    shown = fmt(bar.value) if bar.value is not None else "–"
    length = track * min(max((bar.value or 0) / top, 0), 1)
    tip = f"{bar.label}: {shown}" + (f" {bar.note}" if bar.note else "")
    canvas.rect(x, y, length, row, f"bar {bar.kind}".strip(), tip)
    canvas.text(x + track + 8, y + row * 0.5 + 4.5, shown, cls="value")


def _bars_wide(
    chart_id: str,
    bars: Sequence[Bar],
    top_value: float,
    title: str,
    desc: str,
    fmt: Format,
    rtl: bool,
    width: int,
    label_width: int | None,
    value_width: int,
) -> str:
    row, gap, top = 26, 8, 4
    height = top + len(bars) * (row + gap) + 4
    canvas = _Canvas(width, max(height, 30), rtl)
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
        _bar(canvas, bar, label_width, y, track, row, top_value, fmt)
    if not bars:
        canvas.text(8, 20, "–", cls="value")
    return canvas.svg(chart_id, title, desc, "bars wide")


def _bars_narrow(
    chart_id: str,
    bars: Sequence[Bar],
    top_value: float,
    title: str,
    desc: str,
    fmt: Format,
    rtl: bool,
) -> str:
    width, row, line, gap = NARROW_WIDTH, 20, 16, 10
    shown = [fmt(b.value) if b.value is not None else "–" for b in bars]
    value_width = max((text_width(v) for v in shown), default=0.0) + 12
    track = width - value_width
    laid = [label_lines(b.label, width) for b in bars]
    height = sum(len(lines) * line + row + gap for lines in laid) + 4
    canvas = _Canvas(width, max(height, 30), rtl)
    y = 0.0
    for bar, lines in zip(bars, laid, strict=True):
        for part in lines:
            canvas.text(2, y + 12, part, cls="label")
            y += line
        y += 2
        _bar(canvas, bar, 0, y, track, row, top_value, fmt)
        y += row + gap - 2
    if not bars:
        canvas.text(8, 20, "–", cls="value")
    return canvas.svg(f"{chart_id}-narrow", title, desc, "bars narrow")


def date_labels(
    labels: Sequence[str], px: Callable[[int], float], low: float, high: float
) -> list[tuple[int, str]]:
    """Which of evenly spaced labels to write and how (``start``, ``middle`` or ``end``): every
    step-th counted back from the newest, the smallest step at which no two labels touch and
    none runs out of ``low`` to ``high`` (the first label starts at its point, the last ends at
    its point when it is the newest; others are centred). At most six."""
    n = len(labels)
    for step in range(max(1, -(-n // 6)), n + 1):
        chosen = [i for i in range(n) if (n - 1 - i) % step == 0]
        placed = []
        for i in chosen:
            anchor = "end" if i == n - 1 and n > 1 else "start" if i == 0 else "middle"
            w = text_width(labels[i])
            x0 = {"start": px(i), "middle": px(i) - w / 2, "end": px(i) - w}[anchor]
            placed.append((x0, x0 + w, i, anchor))
        inside = all(low <= a and b <= high for a, b, _, _ in placed)
        apart = all(placed[k][1] + 8 <= placed[k + 1][0] for k in range(len(placed) - 1))
        if inside and apart or len(chosen) == 1:
            return [(i, anchor) for _, _, i, anchor in placed]
    return []


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
    of the reading direction. A legend names the series; every point has a tooltip. Drawn wide
    and narrow (``both``): the narrow drawing writes fewer dates."""
    return both(
        _lines(chart_id, labels, series, title, desc, fmt, rtl, width, height, "wide"),
        _lines(
            f"{chart_id}-narrow", labels, series, title, desc, fmt, rtl, NARROW_WIDTH, 200, "narrow"
        ),  # fmt: skip
    )


def _lines(
    chart_id: str,
    labels: Sequence[str],
    series: Sequence[Series],
    title: str,
    desc: str,
    fmt: Format,
    rtl: bool,
    width: int,
    height: int,
    cls: str,
) -> str:
    peak = max((v for s in series for v in s.values), default=0) or 1
    ticks = [fmt(peak * fraction) for fraction in (0, 0.5, 1)]
    # The legend: a key and the series' name, on two lines when it is wider than the plot.
    legend = [label_lines(s.name, width - 24) for s in series]
    legend_h = sum(16 * len(lines) + 2 for lines in legend)
    left = max(max(text_width(t) for t in ticks) + 12, 48)
    right, top, bottom = 16, 12 + legend_h, 40
    height += legend_h
    canvas = _Canvas(width, height, rtl)
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(labels), 1)

    def px(i: int) -> float:
        return left + (plot_w * i / (n - 1) if n > 1 else plot_w / 2)

    def py(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    for fraction, tick in zip((0, 0.5, 1), ticks, strict=True):
        y = py(peak * fraction)
        canvas.line(left, y, left + plot_w, y, "grid")
        canvas.text(left - 6, y + 4, tick, anchor="end", cls="axis")
    for i, anchor in date_labels(labels, px, 0, width):
        canvas.text(px(i), height - bottom + 18, labels[i], anchor=anchor, cls="axis")
    for s in series:
        points = " ".join(f"{canvas.x(px(i)):.1f},{py(v):.1f}" for i, v in enumerate(s.values))
        canvas.raw(f'<polyline class="line {escape(s.kind)}" points="{points}"/>')
        for i, v in enumerate(s.values):
            tip = f"{labels[i] if i < len(labels) else ''}: {s.name} {fmt(v)}"
            canvas.raw(
                f'<circle class="point {escape(s.kind)}" cx="{canvas.x(px(i)):.1f}" '
                f'cy="{py(v):.1f}" r="3.5"><title>{escape(tip)}</title></circle>'
            )
    key_x = left if cls == "wide" else 0
    y = 4.0
    for s, lines in zip(series, legend, strict=True):
        canvas.rect(key_x, y, 14, 10, f"key {s.kind}".strip())
        for part in lines:
            canvas.text(key_x + 20, y + 9, part, cls="legend")
            y += 16
        y += 2
    return canvas.svg(chart_id, title, desc, f"lines {cls}")


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
    optional marker (the ``as_of`` date) as a vertical line, its date above the band, kept
    inside the plot. Drawn wide and narrow (``both``)."""

    def draw(chart_id: str, width: int, cls: str) -> str:
        return _timeline(chart_id, segments, start, end, title, desc, day, rtl, width, marker,
                         marker_label, cls)  # fmt: skip

    return both(draw(chart_id, width, "wide"), draw(f"{chart_id}-narrow", NARROW_WIDTH, "narrow"))


def _timeline(
    chart_id: str,
    segments: Sequence[Segment],
    start: date,
    end: date,
    title: str,
    desc: str,
    day: Callable[[date], str],
    rtl: bool,
    width: int,
    marker: date | None,
    marker_label: str,
    cls: str,
) -> str:
    left, right, band_y, band_h = 8, 8, 24, 26
    first, last = day(start), day(end)
    # The dates of the ends under the band, on two rows when one row cannot hold both.
    rows = 1 if text_width(first) + text_width(last) + 16 <= width - left - right else 2
    height = band_y + band_h + 22 + 18 * rows
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
    canvas.text(left, band_y + band_h + 18, first, anchor="start", cls="axis")
    canvas.text(width - right, band_y + band_h + 18 * rows, last, anchor="end", cls="axis")
    if marker is not None and start <= marker <= end:
        x = px(marker)
        canvas.line(x, band_y - 6, x, band_y + band_h + 6, "marker")
        if marker != end:
            words = marker_label or day(marker)
            half = text_width(words) / 2
            middle = min(max(x, left + half), width - right - half)
            canvas.text(middle, band_y - 10, words, anchor="middle", cls="axis")
    return canvas.svg(chart_id, title, desc, f"timeline {cls}")


__all__ = [
    "NARROW_WIDTH",
    "Bar",
    "Segment",
    "Series",
    "bar_chart",
    "both",
    "date_labels",
    "line_chart",
    "text_width",
    "timeline",
]
