"""pledge totals on the issue: pledged, pledgers and the newest place in the queue

A pledge used to read every pledge of its issue (to know what remained and where a
new pledger queues) and write them all back. The issue row now carries the running
totals, updated in the same transaction as the pledge they count, so a pledge reads
one row and writes two whatever the number of pledgers. Filled from the pledges
already there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE on both databases: a batch copy of bond_issue on SQLite would
    # drop a table other tables' foreign keys point at.
    op.add_column('bond_issue', sa.Column('pledged', sa.BigInteger(), server_default='0', nullable=False))
    op.add_column('bond_issue', sa.Column('pledgers', sa.Integer(), server_default='0', nullable=False))
    op.add_column('bond_issue', sa.Column('last_seq', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        """
        UPDATE bond_issue SET
            pledged = (SELECT coalesce(sum(amount), 0) FROM pledge WHERE issue_id = bond_issue.id),
            pledgers = (SELECT count(*) FROM pledge WHERE issue_id = bond_issue.id),
            last_seq = (SELECT coalesce(max(seq), 0) FROM pledge WHERE issue_id = bond_issue.id)
        """
    )


def downgrade() -> None:
    for column in ('last_seq', 'pledgers', 'pledged'):  # SQLite >= 3.35 and PostgreSQL
        op.execute(f'ALTER TABLE bond_issue DROP COLUMN {column}')
