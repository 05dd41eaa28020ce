"""Drawing /chart's picture with matplotlib's Agg backend (no display, no GUI).

Only the delivery worker imports this module: matplotlib takes a moment to load,
and a command never waits for it.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from domain.open_books import ChartPeriod
from handlers.money import minor_digits

WIDTH, HEIGHT, DPI = 12, 6, 100  # inches and dots per inch: a 1200 x 600 pixel PNG
COLOURS = ("#4c72b0", "#dd8452", "#55a868", "#8172b3")


def draw(periods: list[ChartPeriod], currency: str, legend: list[str]) -> bytes:
    """Grouped bars per period: rent received, repaid, dividends (and the common fund
    when any period kept some). ``legend`` is the title and the series' names, in the
    reader's language (templates/chart_legend.j2)."""
    title, *names = legend
    series = [
        [p.rent for p in periods],
        [p.repaid for p in periods],
        [p.dividends for p in periods],
        [p.fund for p in periods],
    ]
    if not any(series[3]):
        series, names = series[:3], names[:3]
    scale = 10 ** minor_digits(currency)  # drawn in whole units; the books stay exact
    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI)
    axes = figure.add_subplot()
    width = 0.8 / len(series)
    for index, (values, name) in enumerate(zip(series, names, strict=True)):
        axes.bar(
            [x + index * width for x in range(len(periods))],
            [value / scale for value in values],
            width,
            label=name,
            color=COLOURS[index],
        )
    axes.set_xticks(
        [x + width * (len(series) - 1) / 2 for x in range(len(periods))],
        [p.period for p in periods],
    )
    axes.set_ylabel(currency)
    axes.set_title(title)
    axes.legend()
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png", dpi=DPI)
    return out.getvalue()
