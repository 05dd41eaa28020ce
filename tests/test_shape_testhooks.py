"""Tests change a real process only through the composition root's test plugins."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pauses import register

from bot.bootstrap import load_plugins
from bot.config import ConfigError, Settings
from bot.hooks import NO_HOOKS
from domain.due import PeriodClearing
from domain.periods import Period

REPO = Path(__file__).resolve().parent.parent
#: A test setting other than the plugin list, in the environment's or the settings' spelling.
TEST_SETTING = re.compile(r"MINGA_TEST_(?!PLUGINS)|[\"']test_(?!plugins\b)")


def test_production_code_reads_no_test_setting_but_the_plugin_list() -> None:
    readers = sorted(
        str(path.relative_to(REPO))
        for package in ("bot", "handlers", "domain", "storage")
        for path in (REPO / package).rglob("*.py")
        if TEST_SETTING.search(path.read_text(encoding="utf-8"))
    )
    assert readers == []


def _plugins(tmp_path: Path, **environ: str):  # type: ignore[no-untyped-def]
    """What the plugins add, as bot/bootstrap.py would load them (without making the
    settings this test process's own)."""
    return load_plugins(Settings.load({"MINGA_CONFIG": str(tmp_path / "none.toml"), **environ}))


def test_without_plugins_a_process_has_no_hooks_and_no_extra_adapters(tmp_path: Path) -> None:
    plugins = _plugins(tmp_path)
    assert plugins.hooks is NO_HOOKS and plugins.factories == []


def test_a_plugin_fills_the_hooks_it_is_asked_for(tmp_path: Path) -> None:
    plugins = _plugins(
        tmp_path,
        MINGA_TEST_PLUGINS=f"{register.__module__}:register",
        MINGA_TEST_PAUSE_UPDATES=str(tmp_path / "received"),
    )
    assert plugins.hooks.after_receive is not None and plugins.hooks.before_commit is None


def test_a_plugin_that_cannot_be_loaded_stops_the_process(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="test_plugins: cannot load 'nowhere:x'"):
        _plugins(tmp_path, MINGA_TEST_PLUGINS="nowhere:x")


def test_the_clearing_pause_waits_only_for_its_period(tmp_path: Path) -> None:
    hook = _plugins(
        tmp_path,
        MINGA_TEST_PLUGINS=f"{register.__module__}:register",
        MINGA_TEST_PAUSE_CLEARING=f"2027-02:{tmp_path / 'paused'}",
    ).hooks.before_commit
    assert hook is not None
    hook(PeriodClearing(1, datetime.now(UTC), Period.parse("2027-01")))  # another month

    assert not (tmp_path / "paused").exists()
