"""Running minga for real: its version, and what it says when its configuration is wrong.

Everything that is wrong with the configuration is one line on stderr (``minga: …``),
never a traceback, with exit status 2 (1 for a database server that is down): a file
that is not TOML, a misspelt setting (with the closest one), a database URL minga
cannot use, a Telegram token the Bot API refuses, a Matrix login the homeserver
refuses. Also: ``--version``, ``--help`` that names the right database, log lines as
JSON, and the health check of a running ``minga run``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from fake_telegram import FakeTelegram, LoopThread

import bot
from bot import cli
from bot.config import KNOWN, ConfigError, PlatformFailed, Settings
from bot.health import Health, summary
from bot.runner import failure_of

REPO = Path(__file__).resolve().parent.parent
MINGA = Path(sys.executable).parent / "minga"


def clean_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The test's environment without any MINGA_* of its own, the config file in tmp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MINGA_")}
    return {**env, "MINGA_CONFIG": str(tmp_path / "minga.toml"), **extra}


def minga(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(MINGA), *args],
        env=env or clean_env(tmp_path),
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a failed command printed, checked to be one line and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("minga: "), lines[0]
    return lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- version -------------------------------------------------------------------------


def test_minga_version_is_the_projects(tmp_path: Path) -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert declared.startswith("0.")
    result = minga(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"minga {declared}"


def test_the_version_comes_from_pyproject_when_minga_is_not_installed(monkeypatch) -> None:
    from importlib.metadata import PackageNotFoundError

    def not_installed(name: str) -> str:
        raise PackageNotFoundError(name)

    monkeypatch.setattr(bot, "installed_version", not_installed)
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    assert bot.version() == declared


def test_the_licence_is_the_agpl_and_declared() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert project["license"] == "AGPL-3.0-or-later"
    assert project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text()
    assert text.lstrip().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert "Version 3, 19 November 2007" in text and "END OF TERMS AND CONDITIONS" in text
    assert f"## {project['version']}" in (REPO / "CHANGELOG.md").read_text()


# --- --help --------------------------------------------------------------------------


def test_demo_help_names_the_demo_database_not_the_configured_one(capsys) -> None:
    with pytest.raises(SystemExit) as done:
        cli.main(["demo", "--help"])
    assert done.value.code == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "minga-demo.sqlite" in shown and "never the configured database" in shown
    assert "MINGA_DATABASE_URL" not in shown


def subcommands() -> dict[str, argparse.ArgumentParser]:
    (found,) = [a for a in cli.parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(found.choices)


def test_every_subcommand_has_help_and_the_logging_options(capsys) -> None:
    commands = subcommands()
    assert {"doctor", "health", "run", "console", "check", "backup"} <= set(commands)
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    overview = " ".join(capsys.readouterr().out.split())
    for command, sub in commands.items():
        assert command in overview
        with pytest.raises(SystemExit) as done:
            cli.main([command, "--help"])
        assert done.value.code == 0
        shown = " ".join(capsys.readouterr().out.split())
        assert sub.description and " ".join(sub.description.split()) in shown, command
        assert "--log-level" in shown and "--log-format" in shown, command
        for action in sub._actions:  # every option says what it is for
            assert action.help, (command, action.option_strings)
        if any("--db" in a.option_strings for a in sub._actions) and command != "demo":
            assert "./minga.sqlite" in shown, command
    run = " ".join(cli.parser().parse_args(["run"]).__dict__)
    assert "scheduler_only" in run


# --- the configuration file ----------------------------------------------------------


def test_a_file_that_is_not_toml_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "minga.toml").write_text('telegram_token = "unclosed\n')
    result = minga(tmp_path, "check")
    assert result.returncode == 2
    assert "is not valid TOML" in one_line(result)


def test_a_misspelt_setting_names_the_one_it_resembles(tmp_path: Path) -> None:
    (tmp_path / "minga.toml").write_text('telegram_tokn = "123:abc"\nflood_brust = 3\n')
    result = minga(tmp_path, "check")
    assert result.returncode == 2
    line = one_line(result)
    assert "telegram_tokn (did you mean telegram_token?)" in line
    assert "flood_brust (did you mean flood_burst?)" in line


def test_every_setting_is_documented_in_the_example_and_the_readme() -> None:
    example: dict[str, object] = {}
    for line in (REPO / "deploy/minga.toml.example").read_text().splitlines():
        if re.match(r"(# )?[a-z_]+ = ", line):  # a setting, maybe commented out
            example.update(tomllib.loads(line.removeprefix("# ")))
    readme = (REPO / "README.md").read_text()
    for name in sorted(KNOWN - {"test_plugins"}):
        assert name in example, name
        assert f"`{name}`" in readme, name


def test_a_misspelt_environment_variable_is_warned_about(tmp_path: Path) -> None:
    env = clean_env(tmp_path, MINGA_TELEGRAM_TOKN="123:abc")
    result = minga(tmp_path, "console", "--db", f"sqlite:///{tmp_path}/m.sqlite", env=env)
    assert result.returncode == 0
    assert "MINGA_TELEGRAM_TOKN" in result.stderr
    assert "did you mean MINGA_TELEGRAM_TOKEN?" in result.stderr


@pytest.mark.parametrize(
    ("setting", "value", "says"),
    [
        ("log_level", "verbose", "log_level must be one of debug, info"),
        ("log_format", "xml", "log_format must be one of text, json"),
        ("health_listen", "localhost", "health_listen must be host:port"),
        ("flood_burst", "five", "flood_burst must be a whole number"),
    ],
)
def test_a_setting_minga_cannot_use_is_refused(
    tmp_path: Path, setting: str, value: str, says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        Settings.load(
            {"MINGA_CONFIG": str(tmp_path / "none.toml"), f"MINGA_{setting.upper()}": value}
        )


# --- the database URL ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("nonsense", 2, "is not a database URL; use sqlite:////"),
        ("postgres://ana:s3cret@localhost/minga", 2, "minga cannot use postgres://ana:***@"),
        ("mysql+nodriver://ana:s3cret@localhost/minga", 2, "minga cannot use"),
        ("sqlite:////nonexistent/directory/minga.sqlite", 2, "cannot open the database"),
        ("postgresql+psycopg://ana:s3cret@127.0.0.1:{port}/minga", 1, "cannot connect"),
    ],
)
def test_a_database_minga_cannot_open_is_one_line(
    tmp_path: Path, url: str, status: int, says: str
) -> None:
    url = url.format(port=free_port())  # nothing listens there
    result = minga(tmp_path, "console", "--db", url)
    assert result.returncode == status, result.stderr
    line = one_line(result)
    assert says in line
    assert "s3cret" not in line


def test_the_url_from_the_file_is_named_as_coming_from_there(tmp_path: Path) -> None:
    (tmp_path / "minga.toml").write_text('database_url = "postgres://localhost/minga"\n')
    line = one_line(minga(tmp_path, "console"))
    assert line.startswith("minga: database_url (MINGA_* or ") and "minga.toml" in line


# --- minga run: a platform that refuses minga ----------------------------------------


def _run_until_exit(env: dict[str, str], tmp_path: Path, *args: str, seconds: float = 30) -> Any:
    started = time.monotonic()
    result = subprocess.run(
        [str(MINGA), "run", "--db", f"sqlite:///{tmp_path}/minga.sqlite", "--tick", "60", *args],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
    )
    return result, time.monotonic() - started


def test_a_telegram_token_refused_stops_minga_run_with_one_line(tmp_path: Path) -> None:
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    try:
        env = clean_env(
            tmp_path,
            MINGA_TELEGRAM_TOKEN="123456789:not-the-token",
            MINGA_TELEGRAM_BASE_URL=fake.base_url,
            MINGA_LOG_LEVEL="warning",
        )
        result, took = _run_until_exit(env, tmp_path)
    finally:
        loop.run(fake.stop())
        loop.close()
    assert result.returncode == 2 and took < 30
    line = one_line(result)
    assert line.startswith("minga: telegram: the Bot API refused the token")
    assert "telegram_token" in line and "not-the-token" not in line


class FakeHomeserver:
    """Answers a Matrix login: first ``errors`` times 500 (passing), then 403 M_FORBIDDEN."""

    def __init__(self, errors: int) -> None:
        self.errors = errors
        self.logins = 0

    async def serve(self) -> str:
        async def login(request: web.Request) -> web.Response:
            self.logins += 1
            if self.logins <= self.errors:
                return web.json_response({"errcode": "M_UNKNOWN", "error": "busy"}, status=500)
            return web.json_response(
                {"errcode": "M_FORBIDDEN", "error": "Invalid username or password"}, status=403
            )

        async def other(request: web.Request) -> web.Response:
            return web.json_response({"errcode": "M_UNRECOGNIZED", "error": "no"}, status=404)

        app = web.Application()
        app.router.add_post("/_matrix/client/{version}/login", login)
        app.router.add_route("*", "/{tail:.*}", other)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"http://127.0.0.1:{port}"


def test_a_matrix_login_refused_stops_minga_run_after_retrying_a_server_error(
    tmp_path: Path,
) -> None:
    loop = LoopThread()
    homeserver = FakeHomeserver(errors=1)
    url = loop.run(homeserver.serve())
    try:
        env = clean_env(
            tmp_path,
            MINGA_MATRIX_HOMESERVER=url,
            MINGA_MATRIX_USER="@minga:minga.test",
            MINGA_MATRIX_PASSWORD="wrong",
            MINGA_MATRIX_PICKLE_KEY="a secret for the test",
            MINGA_LOG_LEVEL="error",
        )
        result, took = _run_until_exit(env, tmp_path)
    finally:
        loop.run(homeserver.runner.cleanup())
        loop.close()
    assert result.returncode == 2 and took < 30
    assert homeserver.logins == 2  # the 500 was tried again, the 403 was not
    line = one_line(result)
    assert line == (
        "minga: matrix: logging in as @minga:minga.test failed (M_FORBIDDEN: Invalid username "
        "or password); check matrix_user and matrix_password (MINGA_MATRIX_USER, "
        "MINGA_MATRIX_PASSWORD)"
    )


def test_minga_run_with_no_platform_configured_stops_with_one_line(tmp_path: Path) -> None:
    result, took = _run_until_exit(clean_env(tmp_path), tmp_path)
    assert result.returncode == 2 and took < 30
    line = one_line(result)
    assert line.startswith("minga: no chat platform is configured: set telegram_token")
    assert line.endswith("or run minga run --scheduler-only")


def test_scheduler_only_starts_no_adapter_even_a_configured_one(tmp_path: Path) -> None:
    # A token nothing could check (no server listens there): with --scheduler-only
    # minga never asks, so it runs until told to stop, and clears as usual.
    env = clean_env(
        tmp_path,
        MINGA_TELEGRAM_TOKEN="123456789:never-asked",
        MINGA_TELEGRAM_BASE_URL=f"http://127.0.0.1:{free_port()}/bot",
    )
    log = tmp_path / "worker.log"
    with log.open("w") as stderr:
        worker = subprocess.Popen(
            [str(MINGA), "run", "--db", f"sqlite:///{tmp_path}/m.sqlite", "--scheduler-only"],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while "minga is running" not in log.read_text():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    assert "adapter" not in log.read_text()


def test_a_matrix_configuration_without_a_user_is_one_line(tmp_path: Path) -> None:
    env = clean_env(tmp_path, MINGA_MATRIX_HOMESERVER="https://matrix.example.org")
    result, _ = _run_until_exit(env, tmp_path)
    assert result.returncode == 2
    assert "MINGA_MATRIX_USER must be a full Matrix id" in one_line(result)


def test_an_adapter_that_ended_on_a_bug_stops_minga_run_with_status_1() -> None:
    class Ended:
        name = "matrix"
        failure: BaseException | None = KeyError("room")

    class Fine:
        name = "telegram"

    assert failure_of([Fine()]) is None
    stopped = failure_of([Fine(), Ended()])
    assert stopped is not None and stopped.status == 1 and "KeyError('room')" in str(stopped)
    Ended.failure = PlatformFailed("matrix: refused")
    assert failure_of([Ended()]) is Ended.failure


# --- logs and the health check ---------------------------------------------------------


def test_health_needs_a_recent_tick_and_every_platform_connected() -> None:
    now = [1000.0]

    class Platform:
        name = "telegram"
        connected = False

    health = Health(tick_seconds=30, adapters=[Platform()], clock=lambda: now[0])
    assert health.report()["healthy"] is False  # no tick yet
    health.began()
    now[0] += 5
    assert health.report()["scheduler"] == {"tick_running_for_seconds": 5.0, "healthy": True}
    health.ended(ok=True)
    assert health.report()["platforms"] == {"telegram": "not connected"}
    assert health.report()["healthy"] is False
    Platform.connected = True
    assert health.report()["healthy"] is True
    assert summary(health.report()) == "healthy: last tick 0.0s ago, telegram connected"
    now[0] += 91  # three ticks of 30 s, and one more second
    assert health.report()["scheduler"]["healthy"] is False
    health.began()
    health.ended(ok=False)  # a tick that failed does not count
    assert health.report()["healthy"] is False


def test_minga_run_answers_healthz_and_logs_json_lines(tmp_path: Path) -> None:
    port = free_port()
    health = ("--health", f"127.0.0.1:{port}", "--log-level", "debug", "--scheduler-only")
    env = clean_env(tmp_path, MINGA_LOG_FORMAT="json")
    worker = subprocess.Popen(
        [str(MINGA), "run", "--db", f"sqlite:///{tmp_path}/m.sqlite", "--tick", "0.2", *health],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = None
        deadline = time.monotonic() + 60
        while found is None or not found["healthy"]:
            assert time.monotonic() < deadline, found
            time.sleep(0.2)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    found = json.loads(r.read())
            except OSError:
                continue
        assert found["platforms"] == {} and found["scheduler"]["healthy"] is True
        asked = minga(tmp_path, "health", "--address", f"127.0.0.1:{port}")
        assert asked.returncode == 0 and asked.stdout.startswith("healthy: last tick ")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    records = [json.loads(line) for line in worker.stderr.read().splitlines()]  # type: ignore[union-attr]
    assert {"time", "level", "logger", "message"} <= set(records[0])
    assert any(r["message"].startswith("minga is running") for r in records)
    assert any(r["level"] == "DEBUG" for r in records)


def test_minga_health_with_nothing_listening_says_so(tmp_path: Path) -> None:
    port = free_port()
    result = minga(tmp_path, "health", "--address", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert result.stdout.startswith(f"nothing answers at http://127.0.0.1:{port}/healthz")
    unset = minga(tmp_path, "health")
    assert unset.returncode == 2 and "set health_listen" in one_line(unset)


def test_a_health_address_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(tmp_path, MINGA_HEALTH_LISTEN=f"127.0.0.1:{port}", MINGA_LOG_LEVEL="error")
        result, _ = _run_until_exit(env, tmp_path, "--scheduler-only")
    assert result.returncode == 2
    assert f"health_listen: cannot listen on 127.0.0.1:{port}" in one_line(result)


def test_log_lines_as_json_carry_the_traceback_in_one_line() -> None:
    import io
    import logging

    from bot import logs

    out = io.StringIO()
    logs.configure("info", "json", out)
    try:
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("minga.test").exception("it failed: %s", "here")
        logging.getLogger("minga.test").debug("not shown")
    finally:
        logs.configure("warning", "text")
    (line,) = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "it failed: here" and record["level"] == "ERROR"
    assert record["logger"] == "minga.test" and "ValueError: boom" in record["exception"]
