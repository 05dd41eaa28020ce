"""``minga run`` with Matrix configured in the environment: serves the room, survives SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from synapse import Homeserver, Person, run

MINGA = Path(sys.executable).parent / "minga"


def test_minga_run_serves_matrix_and_survives_a_kill(
    homeserver: Homeserver, tmp_path: Path
) -> None:
    bot_user, ana_user = homeserver.fresh_users("minga", "ana")
    database = tmp_path / "minga.sqlite"
    env = {
        **os.environ,
        "MINGA_CONFIG": str(tmp_path / "absent.toml"),
        "MINGA_MATRIX_HOMESERVER": homeserver.url,
        "MINGA_MATRIX_USER": bot_user.user_id,
        "MINGA_MATRIX_PASSWORD": bot_user.password,
        "MINGA_MATRIX_PICKLE_KEY": "a secret for the test",
    }
    log = tmp_path / "minga.log"

    def start() -> subprocess.Popen[bytes]:
        with log.open("ab") as out:
            return subprocess.Popen(
                [str(MINGA), "run", "--db", f"sqlite:///{database}", "--tick", "0.5"],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    ana = Person(homeserver, ana_user, tmp_path / "ana")
    worker = start()

    async def scenario() -> None:
        nonlocal worker
        await ana.start("Ana")
        try:
            room = await ana.create_room("Terra", invite=[bot_user.user_id])
            await ana.until(
                lambda: (
                    bot_user.user_id in ana.client.rooms[room].users
                    and bot_user.user_id not in ana.client.rooms[room].invited_users
                ),
                what="minga joining",
            )
            await ana.say(room, "!setup Terra EUR")
            await ana.wait_notice("Terra is set up", room_id=room)
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
            await ana.say(room, "!coop new Pan")  # while minga is dead
            worker = start()
            await ana.wait_notice("Cooperative Pan created", room_id=room, timeout=60)
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(30) == 0, log.read_text()
            assert len([s for s in ana.notices(room) if "Terra is set up" in s.body]) == 1
            assert len([s for s in ana.notices(room) if "Cooperative Pan" in s.body]) == 1
        finally:
            if worker.poll() is None:
                worker.kill()
            await ana.stop()

    run(scenario())
    store = tmp_path / "minga-matrix"  # the default: beside the database
    assert (store / "session.json").exists()
    assert oct((store / "session.json").stat().st_mode & 0o777) == "0o600"
