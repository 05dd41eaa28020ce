"""Files minga sends: the journal as CSV (/export) and a chart of the commune's money
(/chart).

A command only queues a message whose context says what to make (``attachment``);
the delivery worker makes the file when it sends it, outside the command's
transaction: a year of a federation's journal is millions of rows, and drawing a
chart takes a moment a command should not hold the commune's lock for. Every
adapter asks ``attachment_of`` for the file, so they all send the same bytes.

A file the platform refuses as too large (Matrix's 413 ``M_TOO_LARGE``, the Bot
API's 413) can never go: the adapter then tells the member so, once, in the same
chat, with ``TOO_LARGE`` and ``too_large_context``: how to ask for a smaller one.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from domain.open_books import BookRange, ChartPeriod
from domain.periods import Period
from domain.ports import UnitOfWork
from handlers.money import plain_amount
from handlers.rendering import render

TOO_LARGE = "file_too_large"  # the template telling the member a file cannot go
CSV_HEADER = ("entry", "date", "kind", "account", "member", "bond", "amount", "currency")


@dataclass(frozen=True)
class Attachment:
    filename: str
    mime: str
    data: bytes

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")


def journal_request(
    uow: UnitOfWork, commune_id: int, span: BookRange, timezone: str, now: datetime
) -> dict[str, Any]:
    """What the delivery worker needs to write the journal file: the journal as it
    stands now (up to its newest entry), so entries booked meanwhile stay out; and
    the last month ended when it was asked for, should it have to ask for less."""
    since, until = span.bounds(timezone)
    return {
        "ended": str(Period.containing(now, timezone).previous()),
        "kind": "journal",
        "filename": span.filename,
        "commune_id": commune_id,
        "since": since.isoformat() if since else None,
        "until": until.isoformat() if until else None,
        "up_to": uow.journal.last_entry(commune_id),
    }


def chart_request(periods: list[ChartPeriod]) -> dict[str, Any]:
    """The numbers are read by the command (a few rows); only the drawing waits."""
    return {
        "kind": "chart",
        "filename": f"money-{periods[-1].period}.png",
        "periods": [
            {
                "period": p.period,
                "rent": p.rent,
                "repaid": p.repaid,
                "dividends": p.dividends,
                "fund": p.fund,
            }
            for p in periods
        ],
    }


def carries_file(context: dict[str, Any]) -> bool:
    """Whether an outbox message's context asks for a file: such a message goes alone,
    never merged with others, on every platform."""
    return bool(context.get("attachment"))


def attachment_of(uow: UnitOfWork, context: dict[str, Any], locale: str) -> Attachment | None:
    """The file an outbox message carries, made now; None for a plain message."""
    if not carries_file(context):
        return None
    request = context["attachment"]
    if request["kind"] == "journal":
        data = journal_csv(uow, request, context["currency"], context["tz"])
        return Attachment(request["filename"], "text/csv", data)
    if request["kind"] == "chart":
        from handlers.chart_drawing import draw  # matplotlib loads only to draw

        periods = [ChartPeriod(**p) for p in request["periods"]]
        legend = render("chart_legend", locale, context).splitlines()
        png = draw(periods, context["currency"], [line for line in legend if line.strip()])
        return Attachment(request["filename"], "image/png", png)
    raise ValueError(f"unknown attachment kind {request['kind']!r}")


def too_large_context(context: dict[str, Any]) -> dict[str, Any]:
    """What ``TOO_LARGE`` says of an outbox message's file: its name, and the smaller
    one to ask for instead (``ask``): a year or a month of the whole journal, a month
    of a year's, fewer months of a chart; nothing smaller than one month."""
    request = context["attachment"]
    told: dict[str, Any] = {"filename": request["filename"], "kind": request["kind"], "ask": ""}
    if request["kind"] == "chart":
        count = len(request.get("periods") or [])
        if count > 1:
            told.update(ask="months", months=count // 2)
        return told
    span = str(context.get("span") or "")
    if len(span) == 4:  # a year
        told.update(ask="month", month=f"{span}-01")
    elif not span and request.get("ended"):  # the whole journal
        ended = Period.parse(request["ended"])
        told.update(ask="year_or_month", year=f"{ended.year:04d}", month=str(ended))
    return told


def journal_csv(uow: UnitOfWork, request: dict[str, Any], currency: str, timezone: str) -> bytes:
    """One row per posting; amounts as the report writes them (dot, the currency's
    digits); dates in the commune's own zone, with their offset."""
    since = request["since"] and datetime.fromisoformat(request["since"])
    until = request["until"] and datetime.fromisoformat(request["until"])
    zone = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in uow.journal.export(request["commune_id"], since, until, request["up_to"]):
        writer.writerow(
            (
                row.entry,
                row.at.astimezone(zone).isoformat(),
                row.kind,
                row.account,
                row.member or "",
                row.bond if row.bond is not None else "",
                plain_amount(row.amount, currency),
                currency,
            )
        )
    return out.getvalue().encode("utf-8")


def chart_data(uow: UnitOfWork, commune_id: int, count: int) -> list[ChartPeriod]:
    """The last ``count`` cleared periods' money, oldest first."""
    return [
        ChartPeriod(
            period=record.period,
            rent=record.rent_received,
            repaid=record.redeemed,
            dividends=record.dividend_each * record.eligible,
            fund=record.fund_share,
        )
        for record in uow.clearings.recent(commune_id, count)
    ]
