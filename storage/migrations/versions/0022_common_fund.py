"""common fund: each clearing's fund share, budget rounds, grants from the fund

With the ``fund`` policy at N%, a clearing keeps N% of its dividend pool in the
commune's common fund: ``clearing.fund_percent`` and ``clearing.fund_share`` (0 for
every clearing before this, which kept nothing). An assembly created with ``budget``
is a budget round (``assembly.budget``). A carried fund motion's grant is one
``fund_grant`` row, with its journal entry ref ``grant:<motion id>``.

The columns are added with a server default (SQLite cannot add a NOT NULL column
without one); PostgreSQL drops it again at once, as in 0015.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('clearing', sa.Column('fund_percent', sa.Integer(), nullable=False, server_default='0'))
    op.add_column('clearing', sa.Column('fund_share', sa.BigInteger(), nullable=False, server_default='0'))
    op.add_column('assembly', sa.Column('budget', sa.Boolean(), nullable=False, server_default=sa.false()))
    if op.get_bind().dialect.name == 'postgresql':
        op.alter_column('clearing', 'fund_percent', server_default=None)
        op.alter_column('clearing', 'fund_share', server_default=None)
        op.alter_column('assembly', 'budget', server_default=None)
    op.create_table('fund_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('purpose', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('cooperative_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['cooperative_id'], ['cooperative.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id')
    )
    op.create_index(op.f('ix_fund_grant_commune_id'), 'fund_grant', ['commune_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_fund_grant_commune_id'), table_name='fund_grant')
    op.drop_table('fund_grant')
    op.execute('ALTER TABLE assembly DROP COLUMN budget')  # SQLite >= 3.35 and PostgreSQL
    op.execute('ALTER TABLE clearing DROP COLUMN fund_share')
    op.execute('ALTER TABLE clearing DROP COLUMN fund_percent')
