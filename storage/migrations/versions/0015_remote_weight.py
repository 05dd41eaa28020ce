"""remote weight: how much a vote cast from afar weighs

An assembly kept ``binding_present`` (only the members present decide). It now keeps
``remote_weight``, the percent of a vote in the room that a remote vote weighs: 100
is the old default, where every vote counts the same, and 0 is binding presence.
Existing assemblies get 0 where they were binding and 100 otherwise, so they count
exactly as before; stored results of closed ones are left as they were.

Downgrading turns a weight of 0 back into binding presence and any other weight
into 100 (the weights in between are lost).

The column is added with a server default of 100 (SQLite cannot add a NOT NULL
column without one); PostgreSQL drops it again at once, as in 0012.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('assembly', sa.Column('remote_weight', sa.Integer(), nullable=False, server_default='100'))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('assembly', 'remote_weight', server_default=None)
    op.execute("UPDATE assembly SET remote_weight = CASE WHEN binding_present THEN 0 ELSE 100 END")
    op.execute('ALTER TABLE assembly DROP COLUMN binding_present')  # SQLite >= 3.35 and PostgreSQL


def downgrade() -> None:
    op.add_column('assembly', sa.Column('binding_present', sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('assembly', 'binding_present', server_default=None)
    op.execute("UPDATE assembly SET binding_present = (remote_weight = 0)")
    op.execute('ALTER TABLE assembly DROP COLUMN remote_weight')
