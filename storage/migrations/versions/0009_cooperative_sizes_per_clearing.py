"""cooperative sizes kept per clearing

A statement shows its cooperative's rent per member. The member count was taken
live, so a January statement asked in May read differently from the one sent in
February once members had joined or left the cooperative. Each clearing now keeps
every cooperative's count as it was; clearings before this revision have none, and
their statements keep counting live, as before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 13:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clearing_cooperative',
    sa.Column('clearing_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('cooperative_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('members', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['clearing_id'], ['clearing.id'], ),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], ),
    sa.PrimaryKeyConstraint('clearing_id', 'cooperative_id')
    )


def downgrade() -> None:
    op.drop_table('clearing_cooperative')
