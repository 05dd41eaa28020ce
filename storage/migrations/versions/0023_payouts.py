"""payouts: what clearings and sales owe each member, and what the treasurer paid

``clearing_owed`` keeps what each clearing or sale entry of the journal owed each
member (the clearing's holding and dividend postings; a sale's repayments, from its
lines), backfilled here from the entries already made. ``payout`` keeps each payout
the treasurer records (``/payout``); its journal entry is ref ``payout:<id>``.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('clearing_owed',
    sa.Column('entry_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('member_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['entry_id'], ['journal_entry.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('entry_id', 'member_id')
    )
    op.create_index('ix_clearing_owed_member', 'clearing_owed', ['commune_id', 'member_id', 'period'], unique=False)
    op.create_table('payout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('period', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
    sa.Column('up_to', sqlmodel.sql.sqltypes.AutoString(length=7), nullable=True),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_payout_member', 'payout', ['commune_id', 'member_id'], unique=False)
    # What every clearing entry made so far owed: its holding postings by holder, its
    # dividend postings by member. Then each sale's repayments, from its lines.
    op.execute(
        """
        INSERT INTO clearing_owed (entry_id, member_id, commune_id, period, amount)
        SELECT owed.entry_id, owed.member_id, c.commune_id, c.period, SUM(owed.amount)
        FROM (
            SELECT p.entry_id AS entry_id, h.member_id AS member_id, p.amount AS amount
            FROM journal_posting p JOIN holding h ON h.id = p.account_ref
            WHERE p.account_kind = 'holding'
            UNION ALL
            SELECT p.entry_id, p.account_ref, p.amount
            FROM journal_posting p
            WHERE p.account_kind = 'dividend'
        ) owed
        JOIN journal_entry e ON e.id = owed.entry_id AND e.kind = 'clearing'
        JOIN clearing c ON c.commune_id = e.commune_id AND e.ref = 'period:' || c.period
        GROUP BY owed.entry_id, owed.member_id, c.commune_id, c.period
        HAVING SUM(owed.amount) <> 0
        """
    )
    op.execute(
        """
        INSERT INTO clearing_owed (entry_id, member_id, commune_id, period, amount)
        SELECT e.id, h.member_id, s.commune_id, s.period, SUM(l.repaid)
        FROM asset_sale s
        JOIN asset_sale_line l ON l.sale_id = s.id
        JOIN holding h ON h.id = l.holding_id
        JOIN journal_entry e ON e.commune_id = s.commune_id AND e.kind = 'sale'
            AND e.ref = 'sale:' || CAST(s.id AS VARCHAR)
        GROUP BY e.id, h.member_id, s.commune_id, s.period
        HAVING SUM(l.repaid) <> 0
        """
    )


def downgrade() -> None:
    op.drop_index('ix_payout_member', table_name='payout')
    op.drop_table('payout')
    op.drop_index('ix_clearing_owed_member', table_name='clearing_owed')
    op.drop_table('clearing_owed')
