"""fixes from review: gift cards count wrong PINs and pause PIN checks after too many

Revision ID: 0013_fixes
Revises: 0012_merge_heads
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhongtai.db.base

revision = "0013_fixes"
down_revision = "0012_merge_heads"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("gift_cards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pin_failures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("pin_locked_until", zhongtai.db.base.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("gift_cards", schema=None) as batch_op:
        batch_op.drop_column("pin_locked_until")
        batch_op.drop_column("pin_failures")
