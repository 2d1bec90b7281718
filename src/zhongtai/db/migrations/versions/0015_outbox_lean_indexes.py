"""outbox: drop the two indexes no query uses, which every event insert paid for

`ix_outbox_events_pending` (dispatched_at, next_attempt_at) is covered by the partial index
`ix_outbox_events_undispatched` the relay polls with, and nothing filters outbox rows by `event_type`.
Both are written on every insert, and with few distinct values all concurrent inserts land on the same
leaf page: on a hot reservation path they cost more than a third of the database's throughput.

Revision ID: 0015_outbox_lean_indexes
Revises: 0014_till_line_registry
Create Date: 2026-11-25
"""
from __future__ import annotations

from alembic import op

revision = "0015_outbox_lean_indexes"
down_revision = "0014_till_line_registry"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_events_pending")
        batch_op.drop_index("ix_outbox_events_event_type")


def downgrade() -> None:
    with op.batch_alter_table("outbox_events", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_events_event_type", ["event_type"], unique=False)
        batch_op.create_index("ix_outbox_events_pending", ["dispatched_at", "next_attempt_at"], unique=False)
