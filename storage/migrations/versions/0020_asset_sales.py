"""asset sales: an ended lease's asset sold, its holdings repaid or written off; relets

The treasurer records the sale of an ended lease's asset (``/sold``): one
``asset_sale`` row per bond, and one ``asset_sale_line`` per holding it repaid or
wrote off. A carried ``relet`` motion lets an ended lease's asset again: a
``lease_term`` row naming the new lessee (``cooperative_id``).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 19:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases (as in 0017): a batch copy of lease_term is
    # not needed for one nullable column.
    if op.get_bind().dialect.name == 'sqlite':  # its ALTER takes a column's REFERENCES
        op.execute('ALTER TABLE lease_term ADD COLUMN cooperative_id INTEGER REFERENCES cooperative (id)')
    else:
        op.add_column('lease_term', sa.Column('cooperative_id', sa.Integer(), sa.ForeignKey('cooperative.id'), nullable=True))
    op.create_table('asset_sale',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('proceeds', sa.BigInteger(), nullable=False),
    sa.Column('repaid', sa.BigInteger(), nullable=False),
    sa.Column('to_pool', sa.BigInteger(), nullable=False),
    sa.Column('written_off', sa.BigInteger(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['bond_issue.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('issue_id')
    )
    op.create_table('asset_sale_line',
    sa.Column('sale_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('holding_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('repaid', sa.BigInteger(), nullable=False),
    sa.Column('written_off', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['holding_id'], ['holding.id'], ),
    sa.ForeignKeyConstraint(['sale_id'], ['asset_sale.id'], ),
    sa.PrimaryKeyConstraint('sale_id', 'holding_id')
    )


def downgrade() -> None:
    op.drop_table('asset_sale_line')
    op.drop_table('asset_sale')
    op.execute('ALTER TABLE lease_term DROP COLUMN cooperative_id')  # SQLite >= 3.35 and PostgreSQL
