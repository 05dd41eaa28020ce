"""What every check of ``minga check`` is built from: one row shape, two sides compared."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Select,
    String,
    bindparam,
    case,
    cast,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)

from domain.audit import ID_FIELDS
from domain.bonds import IssueStatus
from domain.journal import AccountKind

COLUMNS = ("code", *ID_FIELDS, "expected", "found")
CLEARED = IssueStatus.CLEARED.value
OPEN = IssueStatus.OPEN.value
UNOPENED = (IssueStatus.AWAITING.value, IssueStatus.NOT_APPROVED.value)  # never pledged
HOLDING = AccountKind.HOLDING.value
DIVIDEND = AccountKind.DIVIDEND.value
CASH = AccountKind.CASH.value
RENT = AccountKind.RENT.value
ASSET = AccountKind.ASSET.value
FUND = AccountKind.FUND.value
GRANTED = AccountKind.GRANTED.value


def shape(code: Any, *, where: Any = None, **values: Any) -> Select[Any]:
    """A check's SELECT in the common shape; ids and amounts it does not name are NULL."""
    columns = [cast(code if isinstance(code, ColumnElement) else literal(code), String)]
    for name in COLUMNS[1:]:
        value = values.pop(name, None)
        columns.append(cast(null() if value is None else value, BigInteger).label(name))
    if values:
        raise TypeError(f"not a column of a discrepancy: {sorted(values)}")
    query = select(columns[0].label("code"), *columns[1:])
    return query if where is None else query.where(where)


def ref_key(prefix: str, *parts: Any) -> ColumnElement[str]:
    """``prefix`` followed by the ids, ``:``-separated: how journal refs and outbox
    dedup keys name what they are about (``receipt:7``, ``statement:3:12``)."""
    key: ColumnElement[str] = literal(prefix, String) + cast(parts[0], String)
    for part in parts[1:]:
        key = key + ":" + cast(part, String)
    return key


def sides(expected: Select[Any] | CompoundSelect, found: Select[Any]) -> Any:
    """Both sides as one subquery, in ``expected``'s columns (what a row is about, the
    ids, then ``amount``) and ``side``: 1 for what should be, 0 for what is."""
    if isinstance(expected, CompoundSelect):
        expected = select(expected.subquery())
    return union_all(
        expected.add_columns(literal(1).label("side")),
        found.add_columns(literal(0).label("side")),
    ).subquery()


def expected_sum(rows: Any) -> ColumnElement[Any]:
    return func.sum(case((rows.c.side == 1, rows.c.amount), else_=0))


def found_sum(rows: Any) -> ColumnElement[Any]:
    return func.sum(case((rows.c.side == 0, rows.c.amount), else_=0))


class Scope:
    """A check's scope: one commune (the ``commune_id`` parameter), or all of them."""

    def __init__(self, one: bool) -> None:
        self.one = one

    def of(self, column: Any) -> ColumnElement[bool]:
        return column == bindparam("commune_id") if self.one else true()
