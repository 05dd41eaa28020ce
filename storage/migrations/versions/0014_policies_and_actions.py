"""policies, motions that act, and the record of decisions

A commune's policies (who decides, whether bonds need an assembly's approval, how
much support a member's motion needs) get a row each once set; a motion may carry
an action, stored as JSON; and every decision that changes what is not money (a
policy, a role, a lease's rent or end, a bond's approval) is recorded with the
member or the motion that made it.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 11:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy',
    sa.Column('commune_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('changed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.PrimaryKeyConstraint('commune_id', 'name')
    )
    op.create_table('change_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('motion_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_change_record_commune_id'), 'change_record', ['commune_id'], unique=False)
    op.add_column('motion', sa.Column('action', sa.Text(), nullable=True))


def downgrade() -> None:
    # Not a batch copy: votes reference motion, and SQLite (>= 3.35) drops a column in place.
    op.execute('ALTER TABLE motion DROP COLUMN action')
    op.drop_index(op.f('ix_change_record_commune_id'), table_name='change_record')
    op.drop_table('change_record')
    op.drop_table('policy')
