"""``minga run --metrics HOST:PORT``: Prometheus metrics at /metrics, /healthz beside them.

A real ``minga run`` against the loopback Bot API server: commands handled and
refused are counted (chatter is not), a reply Telegram may or may not have is a
failed delivery, a reply held back by a 429 is pending in the outbox with its
age, and the last clearing of a commune made in the console is there with its
period. The page is parsed with prometheus_client's own parser.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fake_telegram import FakeTelegram, LoopThread, wait_for
from harness import ConsoleChat
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from test_operations import clean_env, free_port

from bot.health import Health
from bot.metrics import Metrics
from handlers import observe
from storage.tables import ClearingRow
from storage.uow import Database

MINGA = Path(sys.executable).parent / "minga"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(port: int) -> Samples:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        assert answer.headers["Content-Type"].startswith("text/plain; version=")
        page = answer.read().decode()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(page)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def total(samples: Samples, name: str) -> float:
    return sum(v for (n, _), v in samples.items() if n == name)


def cleared_commune(url: str, now: datetime) -> None:
    """A commune made in the console last month, its last month cleared just now."""
    last_month = (now.replace(day=1) - timedelta(days=1)).replace(day=1, hour=12)
    chat = ConsoleChat(url)
    chat.script(
        f"""
:now {last_month:%Y-%m-%dT%H:%M:%SZ}
:admin ana group
ana@group: /setup Terra EUR Europe/Madrid
:now {now - timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}
"""
    )
    chat.close()


def test_minga_run_serves_metrics_counted_and_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/minga.sqlite"
    now = datetime.now(UTC).replace(microsecond=0)
    cleared_commune(url, now)
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    port = free_port()
    env = clean_env(
        tmp_path,
        MINGA_TELEGRAM_TOKEN=fake.token,
        MINGA_TELEGRAM_BASE_URL=fake.base_url,
        MINGA_TELEGRAM_POLL_TIMEOUT="1",
    )
    worker = subprocess.Popen(
        [str(MINGA), "run", "--db", url, "--tick", "60", "--metrics", f"127.0.0.1:{port}"],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        ana = fake.user("Ana")
        group = fake.group("Pan", admins=[ana])

        def replies(count: int) -> None:
            wait_for(lambda: len(fake.texts(group)) >= count, 60)

        fake.say(ana, group, "just chatting")  # not addressed to minga: not counted
        fake.say(ana, group, "/setup Pan EUR")
        replies(1)
        fake.say(ana, group, "/join Nowhere")  # no such cooperative: refused
        replies(2)
        fake.fail("sendMessage", "500")  # Telegram may have it: recorded as uncertain
        fake.say(ana, group, "/coop new Trigo")
        wait_for(lambda: total(scrape(port), "minga_deliveries_failed_total") == 1, 60, every=0.2)
        fake.fail("sendMessage", "429", retry_after=300)  # held back for five minutes
        fake.say(ana, group, "/coop new Horno")
        wait_for(lambda: value(scrape(port), "minga_outbox_pending", platform="telegram"), 60)
        time.sleep(1.1)
        samples = scrape(port)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200 and json.loads(answer.read())["healthy"] is True
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
        loop.run(fake.stop())
        loop.close()

    assert value(samples, "minga_commands_handled_total", platform="telegram") == 3
    refused = {
        dict(labels)["reason"]: v
        for (name, labels), v in samples.items()
        if name == "minga_commands_refused_total"
    }
    assert list(refused.values()) == [1] and "" not in refused, refused
    assert value(samples, "minga_commands_failed_total", platform="telegram") == 0
    assert (
        value(samples, "minga_deliveries_failed_total", platform="telegram", state="uncertain") == 1
    )
    assert value(samples, "minga_outbox_pending", platform="telegram") == 1
    oldest = value(samples, "minga_outbox_oldest_pending_seconds", platform="telegram")
    assert oldest is not None and 1 <= oldest < 60
    database = Database(url)
    with database.engine.connect() as connection:
        period, cleared_at = connection.execute(
            select(ClearingRow.period, ClearingRow.cleared_at).order_by(ClearingRow.period.desc())
        ).first()
    database.dispose()
    last_month = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert period == last_month
    stamp = value(
        samples, "minga_last_clearing_timestamp_seconds", commune="Terra", period=last_month
    )
    assert stamp == cleared_at.timestamp()
    assert value(samples, "minga_healthy") == 1 and value(samples, "minga_database_up") == 1
    assert value(samples, "minga_platform_connected", platform="telegram") == 1


def test_the_listener_counts_only_while_listening(tmp_path: Path) -> None:
    database = Database(f"sqlite:///{tmp_path}/m.sqlite")
    metrics = Metrics(database, Health(30.0))
    observe.command("console", "handled")  # nobody listens yet
    observe.listen(metrics)
    try:
        observe.command("console", "handled")
        observe.command("console", "refused", "unknown_bond")
        observe.command("console", "failed")
        observe.delivery_failed("matrix", "refused")
    finally:
        observe.stop_listening(metrics)
    observe.command("console", "handled")
    page: Any = metrics.page()[0].decode()
    samples = {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }
    assert value(samples, "minga_commands_handled_total", platform="console") == 1
    assert (
        value(samples, "minga_commands_refused_total", platform="console", reason="unknown_bond")
        == 1
    )
    assert value(samples, "minga_commands_failed_total", platform="console") == 1
    assert value(samples, "minga_deliveries_failed_total", platform="matrix", state="refused") == 1
    assert value(samples, "minga_healthy") == 0  # no tick yet
    assert value(samples, "minga_database_up") == 1
    assert total(samples, "minga_outbox_pending") == 0
    database.dispose()


def test_a_metrics_address_in_use_is_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [str(MINGA), "run", "--db", f"sqlite:///{tmp_path}/m.sqlite", "--scheduler-only"],
            env=clean_env(tmp_path, MINGA_METRICS_LISTEN=f"127.0.0.1:{port}"),
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"minga: metrics_listen: cannot listen on 127.0.0.1:{port}: "
        + result.stderr.split(f"127.0.0.1:{port}: ", 1)[1].strip()
    ]
