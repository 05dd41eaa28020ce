"""flood control buckets

One token bucket per (platform, chat, sender): how many messages they may still
address to minga in that chat (domain/flood.py). A small table, written by one
UPSERT in each command's own transaction, so the limit holds across processes
and restarts.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('flood_bucket',
    sa.Column('platform', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('tat', sa.BigInteger(), nullable=False),
    sa.Column('verdict', sa.SmallInteger(), nullable=False),
    sa.PrimaryKeyConstraint('platform', 'chat_id', 'user_id')
    )


def downgrade() -> None:
    op.drop_table('flood_bucket')
