"""members' proposals: a motion's status and proposer, and who supports it

A member who is not an admin may put a motion forward before the assembly opens: it
is a proposal until enough members support it (the ``support`` policy), then it
joins the agenda; one still short when voting opens is "not supported". Motions
already there are all on the agenda.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch copy of motion on SQLite would drop
    # a table other tables' foreign keys point at (vote, change_record).
    op.add_column('motion', sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), server_default='agenda', nullable=False))
    if op.get_bind().dialect.name == 'sqlite':  # its ALTER takes a column's REFERENCES
        op.execute('ALTER TABLE motion ADD COLUMN proposer_id INTEGER REFERENCES member (id)')
    else:
        op.add_column('motion', sa.Column('proposer_id', sa.Integer(), sa.ForeignKey('member.id'), nullable=True))
    op.create_table('motion_support',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('motion_id', 'member_id')
    )


def downgrade() -> None:
    op.drop_table('motion_support')
    for column in ('proposer_id', 'status'):  # SQLite >= 3.35 and PostgreSQL
        op.execute(f'ALTER TABLE motion DROP COLUMN {column}')
