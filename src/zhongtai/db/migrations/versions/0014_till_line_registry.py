"""till transactions register the line numbers taken from them (POS idempotency per transaction, not per line)

Revision ID: 0014_till_line_registry
Revises: 0013_fixes
Create Date: 2026-11-25

On PostgreSQL a till line is no longer keyed by its own `inbound_records` row: its transaction's row in
`till_transactions` lists the line numbers taken (accepted or quarantined). A transaction may be registered
before it has an order (only returns, voids or refused lines so far), so store and order become optional.
The registry is filled from the per-line keys taken before this revision, so old files replay as duplicates.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_till_line_registry"
down_revision = "0013_fixes"
branch_labels = None
depends_on = None

LINE_NOS = sa.ARRAY(sa.Integer()).with_variant(sa.JSON(), "sqlite")

# Every POS line key ("<transaction>/<line>") seen so far, grouped per transaction (PostgreSQL only: SQLite
# keeps keying till lines in inbound_records).
_BACKFILL = """
INSERT INTO till_transactions (source_id, transaction_id, store_id, order_id, occurred_at, line_nos)
SELECT r.source_id, left(substring(r.external_id from '^(.*)/[0-9]{1,9}$'), 100), NULL, NULL, min(r.recorded_at),
       array_agg(DISTINCT substring(r.external_id from '/([0-9]{1,9})$')::int)
FROM inbound_records r JOIN integration_sources s ON s.id = r.source_id AND s.type = 'pos'
WHERE r.external_id ~ '^.+/[0-9]{1,9}$' AND r.external_id NOT LIKE 'raw:%'
GROUP BY 1, 2
ON CONFLICT (source_id, transaction_id) DO UPDATE SET line_nos = excluded.line_nos
"""


def upgrade() -> None:
    with op.batch_alter_table("till_transactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("line_nos", LINE_NOS, nullable=True))
        batch_op.alter_column("store_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                              nullable=True)
        batch_op.alter_column("order_id", existing_type=sa.Uuid(), nullable=True)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_BACKFILL)


def downgrade() -> None:
    op.execute("DELETE FROM till_transactions WHERE order_id IS NULL")
    with op.batch_alter_table("till_transactions", schema=None) as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("store_id", existing_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                              nullable=False)
        batch_op.drop_column("line_nos")
