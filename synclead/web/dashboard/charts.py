"""Charts drawn on the server as SVG: no script, no build step, and the same picture for every browser.

Each chart is an image with a title and a description for screen readers; the page puts a table of the same
figures beside it, so nothing is only in the picture. Every text inside is escaped by `format_html`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 640
ROW_HEIGHT = 26
LABEL_WIDTH = 170
COLUMN_AREA_HEIGHT = 160
# Past this many columns, only some of their labels are written, or they would overlap.
MAX_LABELLED_COLUMNS = 16


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    shown: str = ""  # the value as written on the bar ("12", "1.2 s"); the number itself when empty

    @property
    def text(self) -> str:
        return self.shown or _number(self.value)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def horizontal_bars(chart_id: str, title: str, bars: Sequence[Bar]) -> SafeString:
    """One bar per category, longest first as given; for counts by intent, language, status, outcome."""
    top = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 60
    height = max(len(bars), 1) * ROW_HEIGHT + 8
    rows = format_html_join(
        "",
        '<g transform="translate(0,{})"><text x="{}" y="17" text-anchor="end" class="chart__label">{}</text>'
        '<rect x="{}" y="4" width="{}" height="18" rx="2" class="chart__bar"></rect>'
        '<text x="{}" y="17" class="chart__value">{}</text></g>',
        (
            (
                i * ROW_HEIGHT,
                LABEL_WIDTH - 8,
                bar.label,
                LABEL_WIDTH,
                round(room * bar.value / top, 1),
                LABEL_WIDTH + round(room * bar.value / top, 1) + 6,
                bar.text,
            )
            for i, bar in enumerate(bars)
        ),
    )
    return _svg(chart_id, title, bars, height, rows)


def columns(chart_id: str, title: str, bars: Sequence[Bar]) -> SafeString:
    """One column per period, in time order; for calls per day or per week."""
    top = max((bar.value for bar in bars), default=0) or 1
    count = max(len(bars), 1)
    step = (WIDTH - 40) / count
    every = max(1, -(-count // MAX_LABELLED_COLUMNS))
    base = COLUMN_AREA_HEIGHT + 4
    cells = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" class="chart__bar"><title>{}: {}</title></rect>{}',
        (
            (
                round(20 + i * step + step * 0.1, 1),
                round(base - COLUMN_AREA_HEIGHT * bar.value / top, 1),
                round(step * 0.8, 1),
                round(COLUMN_AREA_HEIGHT * bar.value / top, 1),
                bar.label,
                bar.text,
                format_html(
                    '<text x="{}" y="{}" text-anchor="middle" class="chart__label">{}</text>',
                    round(20 + i * step + step / 2, 1),
                    base + 16,
                    bar.label,
                )
                if i % every == 0
                else "",
            )
            for i, bar in enumerate(bars)
        ),
    )
    axis = format_html(
        '<text x="0" y="12" class="chart__value">{}</text>'
        '<line x1="20" y1="{}" x2="{}" y2="{}" class="chart__axis"></line>',
        _number(top),
        base,
        WIDTH - 20,
        base,
    )
    return _svg(chart_id, title, bars, base + 24, format_html("{}{}", axis, cells))


def _svg(chart_id: str, title: str, bars: Sequence[Bar], height: int, body: SafeString) -> SafeString:
    description = "; ".join(f"{bar.label}: {bar.text}" for bar in bars)
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{}-title {}-desc" '
        'xmlns="http://www.w3.org/2000/svg"><title id="{}-title">{}</title><desc id="{}-desc">{}</desc>{}</svg>',
        WIDTH,
        height,
        chart_id,
        chart_id,
        chart_id,
        title,
        chart_id,
        description,
        body,
    )
