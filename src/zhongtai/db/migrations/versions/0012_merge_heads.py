"""merge the data hub, webhooks, ingest mapping, wallet and reserve-at-commit branches

Revision ID: 0012_merge_heads
Revises: 0008_webhooks, 0009_ingest_mapping, 0010_wallet, 0011_reserve_at_commit
Create Date: 2026-11-25
"""
from __future__ import annotations

revision = "0012_merge_heads"
down_revision = ("0008_webhooks", "0009_ingest_mapping", "0010_wallet", "0011_reserve_at_commit")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
