"""year to date kept per clearing: each member's dividends and repayments through it

A statement shows the year's dividends and repayments so far. The clearing summed
them from every clearing of the year (the roster's dividends and the journal's
``holding`` postings): in December, eleven months of postings, several seconds at
federation size. Now each clearing keeps, for the clearing before it in the same
year, the totals through that one (its predecessor's totals plus its own period's),
and reads them back; January writes nothing.

Nothing is filled in here: where a clearing's totals are missing (clearings made
before this revision) they are summed from the journal as before, once, by the next
clearing, which keeps them from then on. The numbers are the same either way.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Derived data over rows that never change: no foreign keys (on PostgreSQL each
    # is a trigger query per row), and on SQLite one b-tree without a rowid.
    op.create_table(
        'clearing_year_to_date',
        sa.Column('clearing_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('member_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('dividends', sa.BigInteger(), nullable=False),
        sa.Column('repaid', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('clearing_id', 'member_id'),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table('clearing_year_to_date')
