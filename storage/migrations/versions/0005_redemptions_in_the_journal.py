"""redemptions live in the journal only: drop the redemption table, index clearing entries

Every redemption was written twice: a ``redemption`` row and the clearing entry's
``holding`` posting of the same amount. At federation size (500,000 holdings) the
second copy cost more than the whole floor of the clearing: PostgreSQL checks each
row's four foreign keys with a trigger query (6 of the 8.6 s its COPY took). The
journal posting is the record now; what was in the table is a join away:
clearing -> its entry (``journal_entry`` kind 'clearing', ref 'period:YYYY-MM',
found by the new index) -> ``holding`` postings -> ``holding`` (member, issue).

Downgrade rebuilds the table from the journal, so no redemption is lost either way
(what each holding was still owed after it: owed now plus what later clearings repaid).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.create_index('ix_journal_entry_kind_ref', ['commune_id', 'kind', 'ref'], unique=False)
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_redemption_member_id'))
        batch_op.drop_index(batch_op.f('ix_redemption_clearing_id'))
    op.drop_table('redemption')


def downgrade() -> None:
    op.create_table('redemption',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clearing_id', sa.Integer(), nullable=False),
    sa.Column('holding_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('outstanding_after', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['clearing_id'], ['clearing.id'], ),
    sa.ForeignKeyConstraint(['holding_id'], ['holding.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['bond_issue.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('redemption', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_redemption_clearing_id'), ['clearing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_redemption_member_id'), ['member_id'], unique=False)
    op.execute(
        """
        INSERT INTO redemption (clearing_id, holding_id, member_id, issue_id, amount,
                                outstanding_after)
        SELECT clearing.id, holding.id, holding.member_id, holding.issue_id,
               journal_posting.amount,
               holding.principal - holding.redeemed + COALESCE(SUM(journal_posting.amount) OVER (
                   PARTITION BY holding.id ORDER BY journal_posting.id
                   ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING), 0)
        FROM clearing
        JOIN journal_entry ON journal_entry.commune_id = clearing.commune_id
            AND journal_entry.kind = 'clearing'
            AND journal_entry.ref = 'period:' || clearing.period
        JOIN journal_posting ON journal_posting.entry_id = journal_entry.id
            AND journal_posting.account_kind = 'holding'
        JOIN holding ON holding.id = journal_posting.account_ref
        ORDER BY journal_posting.id
        """
    )
    with op.batch_alter_table('journal_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_journal_entry_kind_ref')
