"""Charts of the readings over the incident: text sparklines (Markdown) and inline SVG (HTML).

Each chart has one marker per action (a tick under the sparkline; a dashed line with a
tooltip in SVG) and the MITIGATED / RESTORED / closed moments as labelled lines.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from html import escape

from cockpit.incident.report import words
from cockpit.incident.report.model import Charts, Marker, Series

BLOCKS = "▁▂▃▄▅▆▇█"
COLOURS = ("#c0392b", "#2471a3", "#7d3c98", "#b9770e", "#138d75", "#5d6d7e")
_ROWS = {"mitigated": 0, "restored": 1, "closed": 2}  # labels stacked, so coinciding moments stay legible
MILESTONE_COLOUR = {"mitigated": "#b9770e", "restored": "#1e8449", "closed": "#424949"}


def families(charts: Charts) -> list[tuple[str, str, list[Series]]]:
    """(family, words, series) for each family that has readings."""
    out = []
    for family, label in (("error_rate", "Error rate"), ("suspects", "Suspect records"), ("queues", "Queue depth")):
        series = [s for s in charts.series if s.family == family and s.points]
        if series:
            out.append((family, label, series))
    return out


def _span(charts: Charts) -> tuple[float, float]:
    start = charts.start or 0.0
    end = charts.end or start
    return start, max(end, start + 1.0)


def sparkline(series: Series, charts: Charts, width: int = 48) -> str:
    """The series over the incident's span as block characters (the value held between readings)."""
    start, end = _span(charts)
    top = max((p.value for p in series.points), default=0.0)
    cells: list[float | None] = [None] * width
    for p in series.points:
        i = min(width - 1, max(0, int((p.at - start) / (end - start) * width)))
        cells[i] = p.value if cells[i] is None else max(cells[i] or 0.0, p.value)
    out, held = [], None
    for value in cells:
        held = value if value is not None else held
        if held is None:
            out.append(" ")
        else:
            out.append(BLOCKS[min(len(BLOCKS) - 1, int(held / top * (len(BLOCKS) - 1) + 0.5)) if top > 0 else 0])
    return "".join(out)


def marker_line(charts: Charts, width: int = 48) -> str:
    """A tick under the sparklines where an action ran (`^`), or several (`*`)."""
    start, end = _span(charts)
    counts = [0] * width
    for m in charts.markers:
        if m.kind == "action":
            counts[min(width - 1, max(0, int((m.at - start) / (end - start) * width)))] += 1
    return "".join(" " if n == 0 else "^" if n == 1 else "*" for n in counts)


def svg(
    family: str, label: str, series: list[Series], charts: Charts, zone: tzinfo, width: int = 720, height: int = 180
) -> str:
    """One self-contained SVG chart: a line per series, a dashed marker per action, milestones labelled."""
    start, end = _span(charts)
    left, right, top_pad, bottom = 64, 12, 14, 26
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = max((p.value for s in series for p in s.points), default=0.0) or 1.0

    def x(at: float) -> float:
        return round(left + (at - start) / (end - start) * plot_w, 1)

    def y(value: float) -> float:
        return round(top_pad + plot_h - value / top * plot_h, 1)

    parts = [
        f'<svg class="chart" data-family="{family}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{escape(label)} over the incident">',
        f"<title>{escape(label)} over the incident</title>",
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top_pad + 4}" text-anchor="end" class="axis">{escape(words.reading(family, top))}</text>',
        f'<text x="{left - 6}" y="{top_pad + plot_h}" text-anchor="end" class="axis">0</text>',
        f'<text x="{left}" y="{height - 6}" class="axis">{escape(_clock(start, zone))}</text>',
        f'<text x="{left + plot_w}" y="{height - 6}" text-anchor="end" class="axis">{escape(_clock(end, zone))}</text>',
    ]
    for marker in charts.markers:
        parts.append(_marker(marker, x(marker.at), top_pad, top_pad + plot_h, zone))
    for i, s in enumerate(series):
        colour = COLOURS[i % len(COLOURS)]
        # A step line: a reading stays true until the next one (and the last one to the end).
        coords = [(x(s.points[0].at), y(s.points[0].value))]
        for before, p in zip(s.points, s.points[1:], strict=False):
            coords += [(x(p.at), y(before.value)), (x(p.at), y(p.value))]
        coords.append((x(end), y(s.points[-1].value)))
        points = " ".join(f"{a},{b}" for a, b in coords)
        parts.append(
            f'<polyline class="series" data-name="{escape(s.name)}" fill="none" stroke="{colour}" '
            f'stroke-width="2" points="{points}"><title>{escape(s.name)}</title></polyline>'
        )
    parts.append("</svg>")
    legend = " ".join(
        f'<span class="key"><span class="swatch" style="background:{COLOURS[i % len(COLOURS)]}"></span>'
        f"{escape(s.name)}: peak {escape(words.reading(family, max(p.value for p in s.points)))}, "
        f"last {escape(words.reading(family, s.points[-1].value))}</span>"
        for i, s in enumerate(series)
    )
    return "".join(parts) + f'<p class="legend">{legend}</p>'


def _marker(m: Marker, at_x: float, y_top: float, y_bottom: float, zone: tzinfo) -> str:
    tip = escape(f"{_clock(m.at, zone)} {m.label}")
    if m.kind == "action":
        colour = "#555" if m.ok else "#c0392b"
        return (
            f'<line class="marker action" x1="{at_x}" y1="{y_top}" x2="{at_x}" y2="{y_bottom}" stroke="{colour}" '
            f'stroke-dasharray="3,3"><title>{tip}</title></line>'
        )
    colour = MILESTONE_COLOUR.get(m.kind, "#424949")
    return (
        f'<line class="marker milestone" x1="{at_x}" y1="{y_top}" x2="{at_x}" y2="{y_bottom}" stroke="{colour}" '
        f'stroke-width="2"><title>{tip}</title></line>'
        f'<text x="{at_x - 3}" y="{y_top + 10 + 11 * _ROWS.get(m.kind, 0)}" text-anchor="end" '
        f'class="milestone-label" fill="{colour}">{escape(m.kind.upper())}</text>'
    )


def _clock(at: float, zone: tzinfo) -> str:
    return datetime.fromtimestamp(at, zone).strftime("%H:%M:%S")
