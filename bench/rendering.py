"""Rendering statements with the real templates, against a bare f-string floor.

The contexts are the ones a federation clearing queued (read back from its
outbox), rendered in each member's language exactly as delivery does it
(``handlers.rendering.render``: Jinja2, the gettext catalogs, Babel's formats).
The floor writes the same lines with plain f-strings, in English, with no
template, catalog or locale: what any renderer must spend at least.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text

from handlers.rendering import render


@dataclass(frozen=True)
class RenderRate:
    statements: int
    per_second: float
    floor_per_second: float
    sample: str


def load_contexts(url: str, limit: int) -> list[tuple[str, dict[str, Any]]]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT locale, context FROM outbox WHERE template = 'statement' "
                "ORDER BY id LIMIT :limit"
            ),
            {"limit": limit},
        ).all()
    engine.dispose()
    return [(locale, json.loads(context)) for locale, context in rows]


def _bare(context: dict[str, Any]) -> str:
    """The statement's lines with f-strings: no template, no catalog, no locale."""
    lines = [
        f"Your statement — {context['period']} ({context['commune']})",
        f"Dividend: €{context['dividend'] / 100:,.2f}",
    ]
    for h in context["holdings"]:
        lines.append(
            f"Bond #{h['number']} ({h['asset']}): €{h['repaid'] / 100:,.2f} repaid to you, "
            f"€{h['outstanding'] / 100:,.2f} still owed"
        )
    for sale in context.get("sales", ()):
        lines.append(
            f"Bond #{sale['number']} ({sale['asset']}) sold: €{sale['repaid'] / 100:,.2f} "
            f"repaid to you, €{sale['written_off'] / 100:,.2f} written off"
        )
    coop = context["coop"]
    if coop:
        lines.append(
            f"{coop['name']} paid rent €{coop['rent'] / 100:,.2f} "
            f"(€{coop['per_member'] / 100:,.2f} per {coop['name']} member)"
        )
        net = context["dividend"] - coop["per_member"]
        lines.append(
            f"Basic income: €{context['dividend'] / 100:,.2f} dividend − "
            f"€{coop['per_member'] / 100:,.2f} rent per member = €{net / 100:,.2f}"
        )
    lines.append(
        f"Year to date: dividends €{context['ytd_dividends'] / 100:,.2f} · "
        f"repaid €{context['ytd_repaid'] / 100:,.2f}"
    )
    if context.get("paid_out"):  # the payout lines (issue 13), as the template has them
        lines.append(f"Paid to you in {context['period']}: €{context['paid_out'] / 100:,.2f}")
    if context.get("owed"):
        lines.append(f"Still owed to you: €{context['owed'] / 100:,.2f}")
    return "\n".join(lines)


def measure(contexts: list[tuple[str, dict[str, Any]]]) -> RenderRate:
    render("statement", contexts[0][0], contexts[0][1])  # compile the templates first
    started = time.perf_counter()
    for locale, context in contexts:
        render("statement", locale, context)
    rendering = time.perf_counter() - started
    started = time.perf_counter()
    for _, context in contexts:
        _bare(context)
    bare = time.perf_counter() - started
    sample = render("statement", "es", contexts[0][1])
    return RenderRate(len(contexts), len(contexts) / rendering, len(contexts) / bare, sample)
