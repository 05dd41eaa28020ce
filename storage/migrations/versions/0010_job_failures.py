"""scheduled work that failed waits to be retried

A clearing, deadline or assembly step that raised used to stop every later item
of every commune and was tried again on every tick. Each failing item now keeps
its streak of failures and the time of its next attempt here, so it pauses,
growing, without holding anything else back, across restarts and processes.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_failure',
    sa.Column('commune_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('what', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('first_failed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('retry_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.PrimaryKeyConstraint('commune_id', 'what', 'key')
    )


def downgrade() -> None:
    op.drop_table('job_failure')
