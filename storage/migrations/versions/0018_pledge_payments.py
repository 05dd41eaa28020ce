"""pledges' payments: a sold bond's payment window, and payments and refunds

With the ``payment-days`` policy above 0, a fully pledged bond is sold and its
pledgers have until ``pay_by`` to pay; the treasurer records each payment (and,
after a bond expired, each refund) in ``pledge_payment``.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 12:10:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('bond_issue', sa.Column('pay_by', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.create_table('pledge_payment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('issue_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('amount', sa.BigInteger(), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], ),
    sa.ForeignKeyConstraint(['issue_id'], ['bond_issue.id'], ),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['member.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_pledge_payment_issue_id'), 'pledge_payment', ['issue_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_pledge_payment_issue_id'), table_name='pledge_payment')
    op.drop_table('pledge_payment')
    op.execute('ALTER TABLE bond_issue DROP COLUMN pay_by')
