"""tests/fakes.py's in-memory unit of work keeps to domain/ports.py, as storage does.

The same structural comparison as tests/test_ports.py (names, kinds, defaults and
types of every parameter, and the return type) for every repository the fake
binds, and for the unit of work itself; then the transaction semantics the
dispatcher relies on: only a commit keeps anything, and a savepoint left by a
refusal puts everything back.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fakes import FakeUnitOfWork, MemoryStore
from test_ports import REPOSITORIES, _mismatches

from domain.errors import Refusal
from domain.ports import UnitOfWork

NOW = datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize("attribute", sorted(REPOSITORIES))
def test_the_fake_implements_the_port(attribute: str) -> None:
    protocol = REPOSITORIES[attribute]
    implementation = type(getattr(MemoryStore().unit_of_work(), attribute))
    assert _mismatches(protocol, implementation) == [], (
        f"uow.{attribute}: tests.{implementation.__module__}.{implementation.__qualname__} "
        f"and domain.ports.{protocol.__name__} disagree"
    )


def test_the_fake_unit_of_work_is_one() -> None:
    """commit, rollback and savepoint as the port has them; the repositories are set in
    ``__init__`` (instance attributes, as storage's are), each checked above."""
    mismatches = _mismatches(UnitOfWork, FakeUnitOfWork)
    assert sorted(m.removesuffix(": missing") for m in mismatches) == sorted(REPOSITORIES)
    uow = MemoryStore().unit_of_work()
    assert all(hasattr(uow, attribute) for attribute in REPOSITORIES)


def _add_commune(uow: FakeUnitOfWork, name: str) -> None:
    uow.communes.add(name, "EUR", "Europe/Madrid", "en", NOW)


def test_only_a_commit_keeps_anything() -> None:
    store = MemoryStore()
    with store.unit_of_work() as uow:
        _add_commune(uow, "Terra")
    with store.unit_of_work() as uow:
        assert uow.communes.all() == []
        _add_commune(uow, "Terra")
        uow.commit()
    with store.unit_of_work() as uow:
        assert [c.name for c in uow.communes.all()] == ["Terra"]


def test_a_refusal_rolls_its_savepoint_back_and_nothing_before_it() -> None:
    store = MemoryStore()
    with store.unit_of_work() as uow:
        _add_commune(uow, "Terra")
        with pytest.raises(Refusal), uow.savepoint():
            _add_commune(uow, "Aigua")
            uow.settings.set("k", "v")
            raise Refusal("no_commune_here")
        with uow.savepoint():
            _add_commune(uow, "Foc")
        uow.commit()
    with store.unit_of_work() as uow:
        assert [c.name for c in uow.communes.all()] == ["Terra", "Foc"]
        assert uow.settings.get("k") is None


def test_what_a_handler_holds_is_a_copy() -> None:
    """Storage hands out fresh objects: changing one changes nothing until it is saved."""
    store = MemoryStore()
    with store.unit_of_work() as uow:
        _add_commune(uow, "Terra")
        commune = uow.communes.get(1)
        commune.name = "Changed"
        assert uow.communes.get(1).name == "Terra"
