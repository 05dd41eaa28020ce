"""``minga doctor``: one ✓/✗ line per check, exit status 1 on any ✗, nothing changed.

A good configuration (a migrated database, the loopback Bot API server knowing the
token, a real Synapse accepting the password) is all ✓; broken ones name what is
wrong: a misspelt setting, a database at an older schema or not there, a token the
Bot API refuses, a homeserver nothing listens at, no pickle key, no platform.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fake_telegram import FakeTelegram, LoopThread
from sqlalchemy import text
from synapse import Homeserver
from test_operations import clean_env, free_port

from storage.migrate import revisions
from storage.uow import Database

MINGA = Path(sys.executable).parent / "minga"


def doctor(tmp_path: Path, env: dict[str, str], *args: str) -> tuple[int, list[str]]:
    result = subprocess.run(
        [str(MINGA), "doctor", *args],
        env=env,
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout.splitlines()


def migrated(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/minga.sqlite"
    Database(url).dispose()
    return url


def devices(homeserver: Homeserver, token: str) -> list[str]:
    found = homeserver.request("GET", "/_matrix/client/v3/devices", token=token)
    return sorted(d["device_id"] for d in found["devices"])


def test_a_good_configuration_is_all_ticks(homeserver: Homeserver, tmp_path: Path) -> None:
    (bot_user,) = homeserver.fresh_users("doctor")
    before = devices(homeserver, bot_user.access_token)
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    try:
        env = clean_env(
            tmp_path,
            MINGA_TELEGRAM_TOKEN=fake.token,
            MINGA_TELEGRAM_BASE_URL=fake.base_url,
            MINGA_MATRIX_HOMESERVER=homeserver.url,
            MINGA_MATRIX_USER=bot_user.user_id,
            MINGA_MATRIX_PASSWORD=bot_user.password,
            MINGA_MATRIX_PICKLE_KEY="a secret for the test",
            MINGA_MATRIX_STORE=str(tmp_path / "store"),
        )
        status, lines = doctor(tmp_path, env, "--db", migrated(tmp_path))
    finally:
        loop.run(fake.stop())
        loop.close()
    assert status == 0, lines
    assert [line[:2] for line in lines] == ["✓ "] * 5, lines
    _, head = revisions(Database(f"sqlite:///{tmp_path}/minga.sqlite").engine)
    assert lines[1].endswith(f"reachable, at the newest schema ({head})")
    assert lines[2].startswith("✓ telegram: the Bot API knows the token: @minga_test_bot")
    assert lines[3] == f"✓ matrix login: {bot_user.user_id} logged in with matrix_password"
    assert lines[4] == f"✓ matrix store: {tmp_path / 'store'} can be created, matrix_pickle_key set"
    assert not (tmp_path / "store").exists()  # nothing made
    assert devices(homeserver, bot_user.access_token) == before  # its login logged out


def test_a_misspelt_setting_is_the_one_line_that_fails(tmp_path: Path) -> None:
    (tmp_path / "minga.toml").write_text('telegram_tokn = "123:abc"\n')
    status, lines = doctor(tmp_path, clean_env(tmp_path))
    assert status == 1
    assert lines == [
        f"✗ configuration: {tmp_path / 'minga.toml'} has settings minga does not know: "
        "telegram_tokn (did you mean telegram_token?)"
    ]


def test_a_broken_configuration_names_each_thing_wrong(tmp_path: Path) -> None:
    url = migrated(tmp_path)
    database = Database(url)
    current, _ = revisions(database.engine)
    with database.engine.begin() as connection:  # as if an older minga had made it
        connection.execute(text("UPDATE alembic_version SET version_num = '0019'"))
    database.dispose()
    loop = LoopThread()
    fake = loop.run(FakeTelegram().serve())
    nothing = free_port()
    (tmp_path / "a-file").write_text("not a directory")
    try:
        env = clean_env(
            tmp_path,
            MINGA_TELEGRAM_TOKEN="123456789:not-the-token",
            MINGA_TELEGRAM_BASE_URL=fake.base_url,
            MINGA_MATRIX_HOMESERVER=f"http://127.0.0.1:{nothing}",
            MINGA_MATRIX_USER="@minga:minga.test",
            MINGA_MATRIX_PASSWORD="secret",
            MINGA_MATRIX_STORE=str(tmp_path / "a-file" / "store"),
        )
        status, lines = doctor(tmp_path, env, "--db", url)
    finally:
        loop.run(fake.stop())
        loop.close()
    assert status == 1
    assert lines[0].startswith("✓ configuration: every setting known and usable")
    assert lines[1] == (
        f"✗ database: {url} is at schema 0019, this minga's newest is {current} "
        "(minga run migrates an older one; a newer one is a newer minga's)"
    )
    assert lines[2].startswith("✗ telegram: the Bot API refused the token (")
    assert "not-the-token" not in lines[2]
    assert lines[3].startswith(f"✗ matrix login: cannot reach http://127.0.0.1:{nothing} (")
    assert lines[4] == (
        f"✗ matrix store: {tmp_path}/a-file/store: {tmp_path}/a-file is not a directory; "
        "matrix_pickle_key is not set (the secret that encrypts the crypto keys)"
    )
    assert len(lines) == 5


def test_no_database_and_no_platform_are_each_a_cross(tmp_path: Path) -> None:
    env = clean_env(tmp_path, MINGA_TELEGRAM_TOKN="123:abc")
    status, lines = doctor(tmp_path, env, "--db", f"sqlite:///{tmp_path}/absent.sqlite")
    assert status == 1
    assert lines == [
        "✗ configuration: the environment has MINGA_TELEGRAM_TOKN, which minga does not read; "
        "did you mean MINGA_TELEGRAM_TOKEN?",
        f"✗ database: there is no database at sqlite:///{tmp_path}/absent.sqlite "
        "(minga run creates and migrates it)",
        "- telegram: not configured (telegram_token)",
        "- matrix: not configured (matrix_homeserver)",
        "✗ chat platforms: none configured: minga run will refuse to start without "
        "--scheduler-only",
    ]
    assert not (tmp_path / "absent.sqlite").exists()


def test_a_database_server_that_is_down_is_a_cross(tmp_path: Path) -> None:
    url = f"postgresql+psycopg://minga:s3cret@127.0.0.1:{free_port()}/minga"
    status, lines = doctor(tmp_path, clean_env(tmp_path), "--db", url)
    assert status == 1
    assert lines[1].startswith("✗ database: cannot connect to postgresql+psycopg://minga:***@")
    assert "s3cret" not in "\n".join(lines)
