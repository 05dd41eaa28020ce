"""What the README's "Run it for your group" ships: the systemd unit, the Dockerfile and
the compose file.

The unit is checked by ``systemd-analyze verify`` (with its ``ExecStart`` pointed at
this checkout's ``minga``, since /opt/minga is not installed here). The Dockerfile
and compose.yaml are read for what they promise: the image runs as its own user,
has a health check, copies every package; compose runs minga after a healthy
PostgreSQL, with no secret in the file. The image is also built and started with no
network until ``minga health`` answers (and ``minga check`` passes on its SQLite), and
compose.yaml is brought up until minga is healthy on PostgreSQL and
``minga check`` passes, with nothing published on the host.

For that, ``scripts/docker-base`` makes Docker usable from Debian's own packages: as root
it installs docker.io (and debootstrap), starts a daemon if none answers and, when
Docker Hub cannot be reached (no ``python:3.11-slim-bookworm``), builds a local Debian 12
base image with python3 that stays in Docker's store for the next run. Where that cannot
be done (not root, no apt, the daemon does not start) the tests skip saying why;
``MINGA_DOCKER=1`` makes that a failure and ``MINGA_DOCKER=0`` skips them untried.
``MINGA_DOCKER_BASE`` names another base image to build on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
MINGA = Path(sys.executable).parent / "minga"
UNIT = REPO / "deploy" / "minga.service"
PACKAGES = ("bot", "domain", "handlers", "storage", "templates")


def unit_settings() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in UNIT.read_text().splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_the_unit_is_hardened_and_runs_minga_as_its_own_user() -> None:
    unit = unit_settings()
    assert unit["ExecStart"] == ["/opt/minga/bin/minga run"]
    assert unit["User"] == ["minga"] and unit["StateDirectory"] == ["minga"]
    for key, value in {
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "CapabilityBoundingSet": "",
        "RestartPreventExitStatus": "2",
    }.items():
        assert unit[key] == [value], key
    assert unit["Environment"] == ["MINGA_CONFIG=/etc/minga/minga.toml"]


def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian: apt install systemd)")
    unit = tmp_path / "minga.service"
    unit.write_text(UNIT.read_text().replace("/opt/minga/bin/minga", str(MINGA)))
    result = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    said = [line for line in (result.stdout + result.stderr).splitlines() if "minga" in line]
    assert result.returncode == 0 and said == [], result.stdout + result.stderr
    # The check has teeth: a value or a key systemd does not know is said (exit 0 even so).
    unit.write_text(unit.read_text().replace("ProtectSystem=strict", "ProtectSystem=stric"))
    wrong = subprocess.run(
        [analyze, "verify", "--man=no", str(unit)], capture_output=True, text=True
    )
    assert "Failed to parse protect system value" in wrong.stdout + wrong.stderr


def dockerfile() -> list[tuple[str, str]]:
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    return [
        (line.split()[0].upper(), line.split(None, 1)[1] if " " in line.strip() else "")
        for line in text.splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]


def test_the_image_runs_minga_as_its_own_user_with_a_health_check() -> None:
    instructions = dockerfile()
    assert instructions[0] == ("ARG", "PYTHON_IMAGE=python:3.11-slim-bookworm")
    stages = [value for kind, value in instructions if kind == "FROM"]
    assert stages == ["${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}"]
    final = instructions[[k for k, _ in instructions].index("FROM", 1) :]
    assert ("USER", "minga") in final
    assert ("HEALTHCHECK", "--interval=30s --timeout=10s --start-period=60s --retries=3 "
            'CMD ["minga", "health"]') in final  # fmt: skip
    assert ("ENTRYPOINT", '["minga"]') in final and ("CMD", '["run"]') in final
    env = " ".join(value for kind, value in final if kind == "ENV")
    assert "MINGA_HEALTH_LISTEN=127.0.0.1:9464" in env
    copied = {value.split()[0] for kind, value in instructions if kind == "COPY"}
    assert set(PACKAGES) <= copied
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    assert all(f"!{package}/" in ignored for package in PACKAGES)


def test_compose_runs_minga_after_a_healthy_postgresql_with_no_secret_in_the_file() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "minga"}
    assert services["db"]["image"].startswith("postgres:15")
    assert services["db"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    minga = services["minga"]
    assert minga["build"] == "." and minga["env_file"] == ".env"
    assert minga["depends_on"] == {"db": {"condition": "service_healthy"}}
    url = minga["environment"]["MINGA_DATABASE_URL"]
    assert url == "postgresql+psycopg://minga:${POSTGRES_PASSWORD}@db:5432/minga"
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "ports" not in minga  # Telegram's polling and Matrix's sync only go out
    assert ".env" in (REPO / ".gitignore").read_text().splitlines()
    assert "minga.toml" in (REPO / ".gitignore").read_text().splitlines()


def docker_base(*args: str) -> str:
    """scripts/docker-base's answer (the base image's name), or a skip saying why not."""
    if os.environ.get("MINGA_DOCKER") == "0":
        pytest.skip("MINGA_DOCKER=0")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "docker-base"), *args],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if done.returncode != 0:
        why = (done.stderr.strip().splitlines() or ["scripts/docker-base failed"])[-1]
        if os.environ.get("MINGA_DOCKER") == "1":
            pytest.fail(why)
        pytest.skip(why)
    return (done.stdout.strip().splitlines() or [""])[-1]


def have_image(image: str) -> bool:
    """Docker has ``image``, or pulls it now."""
    return any(
        subprocess.run(command, capture_output=True, timeout=600).returncode == 0
        for command in (["docker", "image", "inspect", image], ["docker", "pull", image])
    )


def python_image() -> list[str]:
    """The build argument for the Dockerfile's base: the user's, the Dockerfile's own
    (python:3.11-slim-bookworm) when Docker has it or pulls it, else the local one."""
    base = os.environ.get("MINGA_DOCKER_BASE")
    if base is None and not have_image(dockerfile()[0][1].partition("=")[2]):
        base = docker_base()
    return ["--build-arg", f"PYTHON_IMAGE={base}"] if base else []


@pytest.mark.slow
def test_the_image_builds_and_minga_runs_healthy_in_it(tmp_path: Path) -> None:
    docker_base("--daemon-only")
    tag = f"minga-test:{os.getpid()}"
    base = python_image()
    try:
        # The build stage is tagged too, so that removing both leaves no layer behind.
        for target in (["--target", "build", "--tag", f"{tag}-build"], ["--tag", tag]):
            built = subprocess.run(
                ["docker", "build", "--quiet", *target, *base, str(REPO)],
                capture_output=True,
                text=True,
                timeout=1200,
            )
            assert built.returncode == 0, built.stderr
        run_the_image(tag)
    finally:
        subprocess.run(["docker", "rmi", "--force", tag, f"{tag}-build"], capture_output=True)


def run_the_image(tag: str) -> None:
    name = f"minga-test-{os.getpid()}"
    try:
        version = subprocess.run(
            ["docker", "run", "--rm", tag, "--version"], capture_output=True, text=True, timeout=60
        )
        assert re.fullmatch(r"minga 0\.\d+\.\d+\n", version.stdout), version.stderr
        subprocess.run(
            [
                "docker",
                "run",
                "--detach",
                "--name",
                name,
                "--network",
                "none",
                tag,
                "run",
                "--scheduler-only",
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        deadline = time.monotonic() + 90
        while True:
            asked = subprocess.run(
                ["docker", "exec", name, "minga", "health"], capture_output=True, text=True
            )
            if asked.returncode == 0:
                break
            assert time.monotonic() < deadline, asked.stdout + asked.stderr
            time.sleep(1)
        assert asked.stdout.startswith("healthy: last tick ")
        user = subprocess.run(
            ["docker", "exec", name, "id", "-un"], capture_output=True, text=True, timeout=30
        )
        assert user.stdout.strip() == "minga"
        checked = subprocess.run(
            ["docker", "exec", name, "minga", "check"], capture_output=True, text=True, timeout=60
        )
        assert "invariants hold" in checked.stdout, checked.stdout + checked.stderr
    finally:
        subprocess.run(["docker", "rm", "--force", name], capture_output=True, timeout=60)


def compose_command() -> list[str] | None:
    """``docker compose`` (v2) or Debian 12's ``docker-compose`` (1.29), whichever runs."""
    if (
        shutil.which("docker")
        and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
    ):
        return ["docker", "compose"]
    found = shutil.which("docker-compose")
    return [found] if found else None


@pytest.mark.slow
def test_compose_runs_minga_healthy_on_postgresql(tmp_path: Path) -> None:
    docker_base("--daemon-only")
    compose = compose_command()
    missing = None
    if not have_image("postgres:15-bookworm"):
        missing = "the image postgres:15-bookworm can neither be pulled nor found here"
    elif compose is None:
        missing = "neither docker compose nor docker-compose is installed"
    if missing is not None:
        if os.environ.get("MINGA_DOCKER") == "1":
            pytest.fail(missing)
        pytest.skip(missing)
    assert compose is not None
    project = tmp_path / "minga"
    project.mkdir()
    for name in (
        "compose.yaml",
        "Dockerfile",
        ".dockerignore",
        "pyproject.toml",
        "README.md",
        "LICENSE",
    ):
        shutil.copy2(REPO / name, project / name)
    for package in PACKAGES:
        shutil.copytree(
            REPO / package, project / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    (project / ".env").write_text(f"POSTGRES_PASSWORD={os.urandom(12).hex()}\n")
    run = [*compose, "--project-name", f"mingatest{os.getpid()}"]

    def do(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*run, *args], cwd=project, capture_output=True, text=True, timeout=timeout
        )

    base = python_image()
    try:
        built = do("build", *base, timeout=1200)
        assert built.returncode == 0, built.stdout + built.stderr
        up = do("up", "--detach")
        assert up.returncode == 0, up.stdout + up.stderr
        deadline = time.monotonic() + 180
        while (asked := do("exec", "-T", "minga", "minga", "health")).returncode != 0:
            assert time.monotonic() < deadline, asked.stdout + asked.stderr + do("logs").stdout
            time.sleep(2)
        assert asked.stdout.startswith("healthy: last tick ")
        checked = do("exec", "-T", "minga", "minga", "check")
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "invariants hold" in checked.stdout
    finally:
        do("down", "--volumes", "--rmi", "local", timeout=300)
