"""lease terms: a lease's rent changed, or its end, by a carried motion

A motion may change what a lease pays from the next period, or end it with the
current one; each such decision is a row, and the latest row up to a period says
what that period owes (no row: the bond's rent, for as long as the lease runs).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 11:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lease_term',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('from_period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('rent', sa.BigInteger(), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['bond_issue.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_lease_term_issue_id'), 'lease_term', ['issue_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_lease_term_issue_id'), table_name='lease_term')
    op.drop_table('lease_term')
