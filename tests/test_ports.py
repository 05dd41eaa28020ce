"""domain/ports.py and what implements and uses it cannot drift apart.

There is no static type checker in the toolchain, so this is what holds the
interface: every repository Protocol is matched against the storage class that
SqlUnitOfWork really binds (names, kinds, defaults and types of the parameters,
and the return type), and every ``uow.<repo>.<method>`` in handlers/ must be a
Protocol method its call can bind to.
"""

from __future__ import annotations

import ast
import inspect
import typing
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest

from domain import plumbing_ports, ports
from domain.clearing import ClearingRecord
from domain.ports import UnitOfWork
from storage.uow import Database

HANDLERS = Path(__file__).resolve().parent.parent / "handlers"


def _protocol_members(protocol: type) -> dict[str, Any]:
    """vars(), not dir(): what object and Protocol bring is no repository's to implement."""
    return {
        name: value
        for name, value in vars(protocol).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }


def _is_protocol(t: object) -> bool:  # typing.is_protocol arrives only in Python 3.13
    return isinstance(t, type) and bool(getattr(t, "_is_protocol", False))


REPOSITORIES: dict[str, type] = {
    name: typing.get_type_hints(prop.fget)["return"]
    for name, prop in _protocol_members(UnitOfWork).items()
    if isinstance(prop, property)
}


@pytest.fixture(scope="module")
def bound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, type]]:
    """{uow attribute: the storage class SqlUnitOfWork really binds to it}."""
    database = Database(f"sqlite:///{tmp_path_factory.mktemp('ports')}/minga.sqlite")
    try:
        with database.unit_of_work() as uow:
            yield {name: type(getattr(uow, name)) for name in REPOSITORIES}
    finally:
        database.dispose()


def _conforms(impl: Any, port: Any) -> bool:
    """Equal, part by part; except that where the port names a read-only view (a data
    Protocol), storage may return its own class: it has every field, typed alike."""
    if impl == port:
        return True
    if _is_protocol(port):
        if not isinstance(impl, type):
            return False
        fields = typing.get_type_hints(impl)
        wanted = {
            name: typing.get_type_hints(prop.fget)["return"]
            for name, prop in _protocol_members(port).items()
            if isinstance(prop, property)
        }
        return all(name in fields and _conforms(fields[name], t) for name, t in wanted.items())
    impl_args, port_args = typing.get_args(impl), typing.get_args(port)
    return (
        typing.get_origin(impl) is not None
        and typing.get_origin(impl) == typing.get_origin(port)
        and len(impl_args) == len(port_args)
        and all(_conforms(i, p) for i, p in zip(impl_args, port_args, strict=True))
    )


def _hints(function: Callable[..., Any]) -> dict[str, Any]:
    hints = typing.get_type_hints(function)
    if inspect.isgeneratorfunction(getattr(function, "__wrapped__", None)):
        # @contextmanager: written as a generator of X, called as a context manager of X
        (yielded, *_) = typing.get_args(hints["return"])
        hints["return"] = AbstractContextManager[yielded]
    return hints


def _mismatches(protocol: type, implementation: type) -> list[str]:
    found = []
    for name, declared in _protocol_members(protocol).items():
        actual = getattr(implementation, name, None)
        if actual is None:
            found.append(f"{name}: missing")
            continue
        want, have = inspect.signature(declared), inspect.signature(actual)
        want_params, have_params = list(want.parameters.values()), list(have.parameters.values())
        if [(p.name, p.kind) for p in want_params] != [(p.name, p.kind) for p in have_params]:
            found.append(f"{name}: parameters {have} where the port has {want}")
            continue
        for w, h in zip(want_params, have_params, strict=True):
            if w.default is inspect.Parameter.empty:
                continue  # an optional extra is still compatible
            if h.default is inspect.Parameter.empty:
                found.append(f"{name}: {w.name} has no default, the port gives one")
            elif w.default is not Ellipsis and w.default != h.default:
                found.append(f"{name}: {w.name} defaults to {h.default!r}, not {w.default!r}")
        want_hints, have_hints = _hints(declared), _hints(actual)
        for key, port_type in want_hints.items():
            if key not in have_hints or not _conforms(have_hints[key], port_type):
                found.append(
                    f"{name}: {key} is {have_hints.get(key)!r} where the port has {port_type!r}"
                )
    return found


def test_the_unit_of_work_types_every_repository() -> None:
    assert set(REPOSITORIES) == {
        "communes",
        "bonds",
        "assemblies",
        "clearings",
        "journal",
        "policies",
        "sales",
        "fund",
        "payouts",
        "audit",
        "inbox",
        "outbox",
        "conversations",
        "settings",
        "links",
        "job_failures",
        "flood",
    }
    assert all(_is_protocol(repository) for repository in REPOSITORIES.values())


def test_domain_ports_offers_the_plumbing_ports() -> None:
    """Declared apart, imported from ``domain.ports`` like the rest, and each one a
    repository of the unit of work (so the checks below cover it)."""
    plumbing = {
        name
        for name, value in vars(plumbing_ports).items()
        if _is_protocol(value) and value.__module__ == plumbing_ports.__name__
    }
    assert plumbing == {
        "Audit",
        "Conversations",
        "Flood",
        "Inbox",
        "JobFailures",
        "Links",
        "Outbox",
        "Settings",
    }
    assert all(getattr(ports, name) is getattr(plumbing_ports, name) for name in plumbing)
    assert {getattr(plumbing_ports, name) for name in plumbing} <= set(REPOSITORIES.values())


@pytest.mark.parametrize("attribute", sorted(REPOSITORIES))
def test_storage_implements_the_port(attribute: str, bound: dict[str, type]) -> None:
    protocol, implementation = REPOSITORIES[attribute], bound[attribute]
    assert _mismatches(protocol, implementation) == [], (
        f"uow.{attribute}: {implementation.__module__}.{implementation.__qualname__} "
        f"and {protocol.__module__}.{protocol.__name__} disagree"
    )


def test_the_checks_catch_drift() -> None:
    """The comparison itself must see a difference, or the tests above prove nothing."""

    class Drifted:
        def get(self, key: str, fresh: bool) -> str | None: ...

        def set(self, key: str, value: int) -> None: ...

    class Renamed:
        def get(self, name: str) -> str | None: ...

    class Record:
        id: int
        period: int

    assert len(_mismatches(ports.Settings, Drifted)) == 2
    assert [m.split(":")[:2] for m in _mismatches(ports.Settings, Renamed)] == [
        ["get", " parameters (self, name"],
        ["set", " missing"],
    ]
    assert not _conforms(Record, ClearingRecord)
    assert not _conforms(list[Record], list[ClearingRecord])
    assert _conforms(int | None, int | None)
    assert not _conforms(int | None, str | None)


def _is_uow(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "uow") or (
        isinstance(node, ast.Attribute) and node.attr == "uow"
    )


def _repository_uses(root: Path) -> Iterator[tuple[str, str, str | None, ast.AST]]:
    """(where, repository, method, the node around it) for each ``uow.<repo>.<method>``
    and ``<anything>.uow.<repo>.<method>`` under ``root``; method None where the
    repository itself is handed on, out of this scan's sight."""
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Attribute) and _is_uow(node.value)):
                continue
            if node.attr not in REPOSITORIES and not isinstance(parents[node], ast.Attribute):
                continue  # uow.commit(), uow.savepoint(): the unit of work's own
            around = parents[node]
            method = around.attr if isinstance(around, ast.Attribute) else None
            where = f"{path.relative_to(root.parent)}:{node.lineno}"
            yield where, node.attr, method, parents.get(around, around)


def _undeclared_uses(root: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {"unknown": [], "unbindable": [], "handed on": []}
    for where, repository, method, around in _repository_uses(root):
        if method is None:
            found["handed on"].append(f"{where} uow.{repository}")
            continue
        protocol = REPOSITORIES.get(repository)
        declared = _protocol_members(protocol).get(method) if protocol else None
        if declared is None:
            found["unknown"].append(f"{where} uow.{repository}.{method}")
            continue
        if (
            not isinstance(around, ast.Call)
            or any(isinstance(a, ast.Starred) for a in around.args)
            or any(k.arg is None for k in around.keywords)
        ):
            continue  # not called here, or with arguments only known at run time
        try:
            inspect.signature(declared).bind(
                None, *around.args, **{k.arg: k.value for k in around.keywords if k.arg}
            )
        except TypeError as e:
            found["unbindable"].append(f"{where} uow.{repository}.{method}: {e}")
    return found


def test_the_scan_sees_the_handlers() -> None:
    uses = {(repository, method) for _, repository, method, _ in _repository_uses(HANDLERS)}
    assert ("communes", "touch_account") in uses  # uow.<repo>.<method>
    assert ("clearings", "latest") in uses  # turn.uow.<repo>.<method> too
    assert len(uses) > 50


def test_the_scan_catches_what_the_ports_lack(tmp_path: Path) -> None:
    """The scan must see a difference, or the test below proves nothing."""
    (tmp_path / "handlers").mkdir()
    (tmp_path / "handlers" / "drifted.py").write_text(
        "def f(turn, uow):\n"
        "    turn.uow.bonds.melt(1)\n"
        "    uow.session.execute('DELETE FROM member')\n"
        "    uow.communes.get(1, lock=True, wait=False)\n"
        "    uow.settings.set(*pair)\n"
        "    uow.commit()\n"
        "    return uow.links\n"
    )
    assert _undeclared_uses(tmp_path / "handlers") == {
        "unknown": [
            "handlers/drifted.py:2 uow.bonds.melt",
            "handlers/drifted.py:3 uow.session.execute",
        ],
        "unbindable": [
            "handlers/drifted.py:4 uow.communes.get: got an unexpected keyword argument 'wait'"
        ],
        "handed on": ["handlers/drifted.py:7 uow.links"],
    }


def test_handlers_use_only_what_the_ports_declare() -> None:
    assert _undeclared_uses(HANDLERS) == {"unknown": [], "unbindable": [], "handed on": []}
