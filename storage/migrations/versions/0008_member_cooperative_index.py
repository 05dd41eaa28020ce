"""index members by cooperative

A statement shows the cooperative's rent per member; for one member's /statement
that is one cooperative's size, which without an index was a scan of the commune's
members (8 ms at 100,000 members, most of the statement's time).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26 12:30:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_member_cooperative_id', 'member', ['cooperative_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_member_cooperative_id', table_name='member')
