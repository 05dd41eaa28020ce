"""leavers out of delegations and open votes

Leaving used to keep a member's delegation and every delegation to them, and left
them a voter in assemblies still open, so they kept deciding a vote after they had
gone. /leave now ends all of that; this revision does the same for members who left
before it: their delegations go, and in assemblies still open their votes and voter
rows go and the eligible count is what remains. Closed assemblies keep their stored
results. No schema change.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 08:00:00
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_LEFT = "SELECT id FROM member WHERE left_at IS NOT NULL"
_OPEN = "SELECT id FROM assembly WHERE status = 'open'"


def upgrade() -> None:
    op.execute(f"DELETE FROM delegation WHERE member_id IN ({_LEFT}) OR delegate_id IN ({_LEFT})")
    op.execute(
        f"DELETE FROM vote WHERE member_id IN ({_LEFT}) "
        f"AND motion_id IN (SELECT id FROM motion WHERE assembly_id IN ({_OPEN}))"
    )
    op.execute(
        f"DELETE FROM assembly_voter WHERE member_id IN ({_LEFT}) AND assembly_id IN ({_OPEN})"
    )
    op.execute(
        "UPDATE assembly SET eligible = "
        "(SELECT count(*) FROM assembly_voter WHERE assembly_voter.assembly_id = assembly.id) "
        "WHERE status = 'open'"
    )


def downgrade() -> None:
    """Nothing to restore: the removed rows no longer counted for anything."""
