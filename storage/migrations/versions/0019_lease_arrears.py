"""lease arrears: each lease's rent due, payment and arrears per cleared period

Every lease running in a cleared period gets a row, paid or not: what it owed, what
it paid, its cumulative arrears, its run of periods in arrears and whether its
``end lease`` motion for unpaid rent went to an assembly.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lease_arrears',
    sa.Column('clearing_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('issue_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('rent_due', sa.BigInteger(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('arrears', sa.BigInteger(), nullable=False),
    sa.Column('outstanding', sa.BigInteger(), nullable=False),
    sa.Column('months', sa.Integer(), nullable=False),
    sa.Column('ending', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.ForeignKeyConstraint(['clearing_id'], ['clearing.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['bond_issue.id'], ),
    sa.PrimaryKeyConstraint('clearing_id', 'issue_id')
    )


def downgrade() -> None:
    op.drop_table('lease_arrears')
