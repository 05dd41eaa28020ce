"""/export and /chart on Matrix: the notice (the caption), then the file as ``m.file``
or ``m.image``, encrypted as an attachment in an encrypted room (issue 14)."""

from __future__ import annotations

import asyncio
import csv
import io
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from nio import RoomSendResponse, UploadError
from synapse import BotUnderTest, Homeserver, Person, run
from test_open_books import png_size

from bot.matrix import files
from bot.matrix.messages import coalesced
from handlers.attachments import CSV_HEADER, Attachment
from storage.repositories.messaging import PendingMessage


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_journal_by_encrypted_dm_and_the_chart_in_the_group(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, *users = homeserver.fresh_users("minga", "ana", "ben", "cai", "dee")
    bot = BotUnderTest(
        homeserver,
        bot_user,
        f"sqlite:///{tmp_path}/minga.sqlite",
        tmp_path / "store",
        now=at("2026-12-01T09:00:00"),
    )
    ana, ben, cai, dee = people = [Person(homeserver, u, tmp_path / u.name) for u in users]

    async def scenario() -> None:
        await bot.start()
        for person, name in zip(people, ("Ana", "Ben", "Cai", "Dee"), strict=True):
            await person.start(display_name=name)
        try:
            group = await ana.create_room(
                "Terra", invite=[bot_user.user_id] + [p.user_id for p in people[1:]]
            )
            await bot.joined(group, *(u.user_id for u in users))

            async def says(person: Person, text: str) -> None:
                await bot.handled(await person.say(group, text))

            for person, line in [
                (ana, "!setup Terra EUR Europe/Madrid"),
                (ana, "!coop new Tierra"),
                (ana, "!coop new Pan"),
                (ana, "!join Tierra"),
                (ben, "!join Tierra"),
                (cai, "!join Pan"),
                (dee, "!join Pan"),
                (ben, "!propose Tractor 1000 333.33 2026-12-31"),
                (ana, "!pledge 1 500"),
                (cai, "!pledge 1 300"),
                (dee, "!pledge 1 200"),
            ]:
                await says(person, line)
            await bot.advance(at("2027-01-10T10:00:00"))
            await says(ana, "!rent 1 333.33")
            await bot.advance(at("2027-02-01T06:00:00"))  # January has ended in Madrid

            await says(ana, "!export 2027")
            await ana.wait_notice("I sent the journal by private message", room_id=group)
            caption = await ana.wait_notice("The journal of Terra for 2027")
            dm = caption.room_id
            assert dm != group and caption.encrypted
            [journal] = await ana.wait_files(1, dm)
            assert journal.encrypted and "url" not in journal.content
            assert journal.content["msgtype"] == "m.file"
            assert journal.content["body"] == "journal-2027.csv"
            assert journal.content["info"]["mimetype"] == "text/csv"
            data = await _download(ana, journal)
            assert journal.content["info"]["size"] == len(data)
            text = data.decode("utf-8")
            assert text.splitlines()[0] == ",".join(CSV_HEADER)
            rows = list(csv.DictReader(io.StringIO(text)))
            assert {row["kind"] for row in rows} == {"rent", "clearing"}
            assert sum(int(row["amount"].replace(".", "")) for row in rows) == 0
            history = homeserver.request(
                "GET",
                f"/_matrix/client/v3/rooms/{dm}/messages?dir=b&limit=100",
                token=ana.user.access_token,
            )
            kinds = {e["type"] for e in history["chunk"] if "state_key" not in e}
            assert "m.room.message" not in kinds, "the DM holds only ciphertext"

            await says(cai, "!chart")
            await cai.wait_notice("How money moved in Terra", room_id=group)
            [chart] = await cai.wait_files(1, group)
            assert not chart.encrypted and chart.content["msgtype"] == "m.image"
            assert chart.content["body"] == "money-2027-01.png"
            info = chart.content["info"]
            assert (info["mimetype"], info["w"], info["h"]) == ("image/png", 1200, 600)
            picture = await _download(cai, chart)
            assert png_size(picture) == (1200, 600)
            assert info["size"] == len(picture)

            await bot.drained()
            assert [f.content["body"] for f in ana.files] == [
                "journal-2027.csv",
                "money-2027-01.png",
            ], "each file once"
        finally:
            for person in people:
                await person.stop()
            await bot.stop()

    run(scenario())


def bot_and_ana(homeserver: Homeserver, tmp_path: Path, now: str) -> tuple[BotUnderTest, Person]:
    """minga at ``now`` and Ana (neither started)."""
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    bot = BotUnderTest(
        homeserver,
        bot_user,
        f"sqlite:///{tmp_path}/minga.sqlite",
        tmp_path / "store",
        now=at(now),
    )
    return bot, Person(homeserver, ana_user, tmp_path / "ana")


@asynccontextmanager
async def terra_of_ana(bot: BotUnderTest, ana: Person, encrypted: bool) -> AsyncIterator[str]:
    """Both started, Ana's group with minga in it and Terra set up; stopped after."""
    await bot.start()
    await ana.start("Ana")
    try:
        group = await ana.create_room("Terra", invite=[bot.user.user_id], encrypted=encrypted)
        await bot.joined(group, ana.user_id)
        await bot.handled(await ana.say(group, "!setup Terra EUR Europe/Madrid"))
        yield group
    finally:
        await ana.stop()
        await bot.stop()


def cut_once_after(bot: BotUnderTest, suffix: str) -> list[str]:
    """Drop the connection once, just after the homeserver took the first event whose
    transaction id ends with ``suffix``; returns the ids cut (one, once it happened)."""
    client = bot.adapter.client
    real_send = client.room_send
    cuts: list[str] = []

    async def cut_once(*args: Any, **kwargs: Any) -> Any:
        answer = await real_send(*args, **kwargs)
        if str(kwargs.get("tx_id", "")).endswith(suffix) and not cuts:
            cuts.append(kwargs["tx_id"])
            raise aiohttp.ClientConnectionError("cut off")
        return answer

    client.room_send = cut_once
    return cuts


def test_a_send_cut_off_after_the_file_is_retried_without_posting_twice(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    """The connection drops once the file's event is posted: the row is tried again,
    and the homeserver takes both events as repeats of their transaction ids."""
    bot, ana = bot_and_ana(homeserver, tmp_path, "2027-01-10T10:00:00")

    async def scenario() -> None:
        async with terra_of_ana(bot, ana, encrypted=True) as group:
            cuts = cut_once_after(bot, "-file")
            await bot.handled(await ana.say(group, "!export"))
            await bot.drained()
            assert cuts, "the file's send was cut off once"
            dm = (await ana.wait_notice("The whole journal of Terra")).room_id
            [journal] = await ana.wait_files(1, dm)
            await bot.handled(await ana.say(group, "!export"))  # a later one comes after it
            await ana.wait_files(2, dm)
            await asyncio.sleep(0.5)  # a repeat would arrive about now
            captions = [s for s in ana.notices() if "The whole journal of Terra" in s.body]
            assert len(captions) == 2 and len(ana.files) == 2, "each posted once"
            assert (await _download(ana, journal)).startswith(b"entry,date,kind")

    run(scenario())


def test_a_file_too_large_for_the_homeserver_is_told_once_even_after_a_retry(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    """The homeserver answers 413 ``M_TOO_LARGE`` to every upload: the caption goes,
    then a notice saying the file is too large and how to ask for a smaller one. The
    connection drops once that notice is posted: the row is tried again, and the
    homeserver takes it as a repeat of its transaction id. Then the row is done."""
    bot, ana = bot_and_ana(homeserver, tmp_path, "2027-02-10T10:00:00")

    async def scenario() -> None:
        async with terra_of_ana(bot, ana, encrypted=False) as group:
            uploads: list[str] = []

            async def too_large(*args: Any, **kwargs: Any) -> Any:
                uploads.append(kwargs["filename"])
                return UploadError("Upload request body is too large", "M_TOO_LARGE"), None

            bot.adapter.client.upload = too_large
            cuts = cut_once_after(bot, "-too-large")
            await bot.handled(await ana.say(group, "!export"))
            told = await ana.wait_notice("journal.csv is too large to send here")
            assert told.body.endswith(
                "Ask for one year or one month: !export 2027 or !export 2027-01"
            )
            await bot.drained()
            assert cuts and len(uploads) == 2, "the notice was cut off once, and tried again"
            await bot.handled(await ana.say(group, "!chart"))  # nothing cleared: refused
            await ana.wait_notice("nothing to draw", room_id=group)
            await asyncio.sleep(0.5)  # a repeat would arrive about now
            notices = [n.body for n in ana.notices()]
            assert sum("The whole journal of Terra" in n for n in notices) == 1
            assert sum("too large to send here" in n for n in notices) == 1, "told once"
            assert ana.files == []
            await bot.drained()  # and the row is done, not tried again and again
            assert len(uploads) == 2

    run(scenario())


async def _download(person: Person, received: Any) -> bytes:
    import asyncio

    return await asyncio.to_thread(person.download, received)


# --- the pieces, without a homeserver ------------------------------------------------------


def _row(context: dict[str, Any], row_id: int = 1, template: str = "money_chart") -> Any:
    return PendingMessage(
        id=row_id,
        platform="matrix",
        address="!room:minga.test",
        is_private=False,
        person_id=None,
        template=template,
        context=context,
        locale="en",
    )


def test_a_file_is_never_merged_with_other_notices() -> None:
    plain = {"commune": "Terra"}
    rows = [
        _row(plain, 1, "button_done"),
        _row({**plain, "attachment": {"kind": "chart"}}, 2, "button_done"),
        _row(plain, 3, "button_done"),
    ]
    assert [m.id for m in coalesced(rows)] == [1]
    assert [m.id for m in coalesced(rows[1:])] == [2]


def test_the_event_names_the_file_and_its_size() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + (1200).to_bytes(4) + (600).to_bytes(4)
    picture = Attachment("money-2027-01.png", "image/png", png)
    plain = files.file_content(picture, "mxc://minga.test/abc", None)
    assert plain["url"] == "mxc://minga.test/abc" and "file" not in plain
    assert plain["info"] == {"mimetype": "image/png", "size": len(png), "w": 1200, "h": 600}
    keys = {"v": "v2", "key": {"k": "x"}, "iv": "y", "hashes": {"sha256": "z"}}
    journal = Attachment("journal.csv", "text/csv", b"entry\n")
    sealed = files.file_content(journal, "mxc://minga.test/def", keys)
    assert "url" not in sealed and sealed["file"] == {**keys, "url": "mxc://minga.test/def"}
    assert (sealed["msgtype"], sealed["filename"]) == ("m.file", "journal.csv")
    assert files.file_transaction_id("minga-1-abc") == "minga-1-abc-file"


class _Room:
    encrypted = False


class _Client:
    def __init__(self, answer: Any) -> None:
        self.rooms = {"!room:minga.test": _Room()}
        self.answer = answer
        self.sent: list[Any] = []

    async def upload(self, *args: Any, **kwargs: Any) -> Any:
        return self.answer, None

    async def room_send(self, *args: Any, **kwargs: Any) -> Any:
        self.sent.append((args, kwargs))
        return RoomSendResponse("$told", args[0])


class _Database:
    def unit_of_work(self) -> Any:
        class Unit:
            def __enter__(self) -> Unit:
                return self

            def __exit__(self, *exc: object) -> None:
                return None

            def commit(self) -> None:
                return None

        return Unit()


@pytest.mark.parametrize(
    ("answer", "later"),
    [
        (UploadError("too big", "M_TOO_LARGE"), False),
        (UploadError("slow down", "M_LIMIT_EXCEEDED", retry_after_ms=800), True),
        (UploadError("broken", "M_UNKNOWN"), True),
    ],
)
def test_a_refused_upload_is_retried_unless_the_file_is_too_large(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, answer: Any, later: bool
) -> None:
    import asyncio

    big = Attachment("journal-2027.csv", "text/csv", b"x" * 100)
    monkeypatch.setattr(files, "attachment_of", lambda uow, context, locale: big)
    client = _Client(answer)
    now = at("2027-02-01T06:00:00")
    request = {"kind": "journal", "filename": "journal-2027.csv", "ended": "2027-01"}
    row = _row({"attachment": request, "span": "2027"}, template="journal_export")
    with caplog.at_level(logging.INFO, logger="minga.matrix"):
        outcome = asyncio.run(
            files.send_file(client, _Database(), row, "!room:minga.test", "minga-1-x", now)  # type: ignore[arg-type]
        )
    assert (outcome is not None) == later
    if later:
        assert client.sent == [], "nothing is posted without an upload"
    if answer.status_code == "M_TOO_LARGE":
        assert "no file as large as journal-2027.csv (100 bytes)" in caplog.text
        [((room, kind, content), options)] = client.sent
        assert (room, kind, options["tx_id"]) == (
            "!room:minga.test",
            "m.room.message",
            "minga-1-x-too-large",
        )
        assert content["msgtype"] == "m.notice"
        assert content["body"] == (
            "⚠️ journal-2027.csv is too large to send here. "
            "Ask for one month at a time, e.g. !export 2027-01"
        )
    elif answer.status_code == "M_LIMIT_EXCEEDED":
        assert outcome.pause and (outcome.not_before - now).total_seconds() == 0.8
