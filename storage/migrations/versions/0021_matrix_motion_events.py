"""matrix motion events: the notice of each motion, and vote reactions to it

When voting opens, each motion gets a notice of its own in the commune's Matrix
rooms; ``matrix_motion_event`` keeps which event carries which motion, and
``matrix_reaction`` the members' vote reactions to it (👍 yes, 👎 no, 🤷 abstain)
until they are redacted (storage/matrix_tables.py).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('matrix_motion_event',
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('assembly_id', sa.Integer(), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['assembly_id'], ['assembly.id'], ),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('matrix_motion_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matrix_motion_event_motion_id'), ['motion_id'], unique=False)

    op.create_table('matrix_reaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('room_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('target_event_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id')
    )
    with op.batch_alter_table('matrix_reaction', schema=None) as batch_op:
        batch_op.create_index('ix_matrix_reaction_target_sender', ['target_event_id', 'sender'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('matrix_reaction', schema=None) as batch_op:
        batch_op.drop_index('ix_matrix_reaction_target_sender')
    op.drop_table('matrix_reaction')
    with op.batch_alter_table('matrix_motion_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matrix_motion_event_motion_id'))
    op.drop_table('matrix_motion_event')
