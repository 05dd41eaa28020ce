"""name keys: one name per commune, cooperative and member, by key

Names were compared with lower(), so "Terra" and fullwidth "Ｔｅｒｒａ", or "eve" and
"e\u200bve", could stand side by side. Each of commune, cooperative and member now
keeps its name's key (domain.names.name_key: NFKC, case-folded, invisible characters
left out), unique where the name must be. Existing rows get their key here; where two
already share one, the later (higher id) is renamed "name (2)", "name (3)"… so the
unique index can hold.

The column is added with a server default of '' (SQLite cannot add a NOT NULL column
without one); PostgreSQL drops it again at once. A row inserted without a key then
collides with the next one instead of going unnoticed.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 10:00:00
"""
from alembic import op
import sqlalchemy as sa

from domain.names import name_key, numbered


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# table, the column that scopes uniqueness (None: the whole table), longest name
_TABLES = (('commune', None, 80), ('cooperative', 'commune_id', 80), ('member', 'commune_id', 255))


def upgrade() -> None:
    bind = op.get_bind()
    for table, scope, limit in _TABLES:
        op.add_column(table, sa.Column('name_key', sa.String(length=255), nullable=False, server_default=''))
        if bind.dialect.name == 'postgresql':
            op.alter_column(table, 'name_key', server_default=None)
        _backfill(bind, table, scope, limit)
        columns = ['name_key'] if scope is None else [scope, 'name_key']
        op.create_index(f'ix_{table}_name_key', table, columns, unique=True)


def _backfill(bind: sa.Connection, table: str, scope: str | None, limit: int) -> None:
    scope_column = scope or "0"
    rows = bind.execute(sa.text(f'SELECT id, {scope_column}, name FROM {table} ORDER BY id')).all()
    taken: set[tuple[object, str]] = set()
    changes = []
    for row_id, where, name in rows:
        candidate, n = name, 1
        while (where, name_key(candidate)) in taken:
            n += 1
            candidate = numbered(name, n, limit)
        taken.add((where, name_key(candidate)))
        changes.append({'id': row_id, 'name': candidate, 'key': name_key(candidate)})
    if changes:
        bind.execute(sa.text(f'UPDATE {table} SET name = :name, name_key = :key WHERE id = :id'), changes)


def downgrade() -> None:
    for table, _, _ in reversed(_TABLES):
        op.drop_index(f'ix_{table}_name_key', table_name=table)
        op.execute(f'ALTER TABLE {table} DROP COLUMN name_key')  # SQLite >= 3.35 and PostgreSQL
