"""holding fillfactor: room on each page for the clearing's update of every holding

Every clearing updates ``holding.redeemed`` on every holding it repays: half a
million rows in a federation. Bulk-loaded pages are full, so on PostgreSQL each new
row version went to another page and all three of the table's indexes took a new
entry for it. With half of each page kept free the new version stays on its page
(a heap-only tuple) and no index is touched: the update took 0.47 s instead of
2.64 s at 150,000 holdings (bench/RESULTS.md). Pages written before keep their
layout until rewritten (``VACUUM FULL holding``); rows added from now on get the
room. SQLite has no such setting; nothing to do there.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03 13:00:00
"""
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

FILLFACTOR = 50


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE holding SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE holding RESET (fillfactor)")
