"""inventory: reservation lines carry their allocation rule; on PostgreSQL stock is taken at commit

A reservation line's stock is taken by a deferred constraint trigger, so the hot stock row is locked
only while the reserving transaction commits (the same window as a bare autocommit UPDATE), not across
the round trips between the reservation and the commit. The trigger applies the same condition as the
SQLite path (`inventory.repository._TRY_RESERVE`) and writes the same `inventory.stock_changed` event;
a line that cannot be promised raises SQLSTATE ZT409, which the database layer turns into
`InsufficientStock` (409).

Revision ID: 0011_reserve_at_commit
Revises: 0006
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_reserve_at_commit"
down_revision = "0006"
branch_labels = None
depends_on = None

UUID7 = """
CREATE OR REPLACE FUNCTION zt_uuid7() RETURNS uuid LANGUAGE sql VOLATILE AS $$
  -- RFC 9562 version 7: 48-bit Unix milliseconds, then random bits (like kernel.ids.uuid7)
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) PLACING
         substring(int8send((extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
         52, 1), 53, 1), 'hex')::uuid
$$;
"""

TAKE = """
CREATE OR REPLACE FUNCTION zt_take_reserved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  lvl record;
  now_ts timestamptz := clock_timestamp();
BEGIN
  UPDATE stock_levels SET reserved = reserved + NEW.quantity, updated_at = now_ts
   WHERE location_id = NEW.location_id AND sku_id = NEW.sku_id
     AND on_hand - safety_stock - reserved >= NEW.quantity
     AND (on_hand - safety_stock - NEW.walk_in_buffer) * NEW.online_percent >= (reserved + NEW.quantity) * 100
  RETURNING on_hand, reserved, safety_stock INTO lvl;
  IF NOT FOUND THEN
    SELECT coalesce(sl.on_hand, 0) AS on_hand, coalesce(sl.reserved, 0) AS reserved,
           coalesce(sl.safety_stock, 0) AS safety_stock, s.code
      INTO lvl FROM skus s LEFT JOIN stock_levels sl ON sl.location_id = NEW.location_id AND sl.sku_id = s.id
     WHERE s.id = NEW.sku_id;
    RAISE EXCEPTION USING ERRCODE = 'ZT409', MESSAGE = 'insufficient stock',
      DETAIL = json_build_object('location_id', NEW.location_id, 'sku_id', NEW.sku_id, 'sku_code', lvl.code,
                                 'requested', NEW.quantity,
                                 'on_hand', lvl.on_hand, 'reserved', lvl.reserved,
                                 'safety_stock', lvl.safety_stock, 'online_percent', NEW.online_percent,
                                 'walk_in_buffer', NEW.walk_in_buffer)::text;
  END IF;
  INSERT INTO outbox_events (id, event_type, store_id, payload, occurred_at, attempts)
  VALUES (zt_uuid7(), 'inventory.stock_changed', NEW.location_id, jsonb_build_object(
    'location_id', NEW.location_id, 'sku_id', NEW.sku_id, 'kind', 'reserve', 'delta_on_hand', 0,
    'delta_reserved', NEW.quantity, 'on_hand', lvl.on_hand, 'reserved', lvl.reserved,
    'available', greatest(0, lvl.on_hand - lvl.reserved - lvl.safety_stock), 'safety_stock', lvl.safety_stock,
    'source_type', 'reservation', 'source_id', NEW.reservation_id::text), now_ts, 0);
  RETURN NULL;
END
$$;
"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER reservation_lines_take_stock AFTER INSERT ON reservation_lines
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zt_take_reserved();
"""


def upgrade() -> None:
    with op.batch_alter_table("reservation_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("online_percent", sa.Integer(), server_default="100", nullable=False))
        batch_op.add_column(sa.Column("walk_in_buffer", sa.Integer(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(UUID7)
        op.execute(TAKE)
        op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS reservation_lines_take_stock ON reservation_lines")
        op.execute("DROP FUNCTION IF EXISTS zt_take_reserved()")
        op.execute("DROP FUNCTION IF EXISTS zt_uuid7()")
    with op.batch_alter_table("reservation_lines", schema=None) as batch_op:
        batch_op.drop_column("walk_in_buffer")
        batch_op.drop_column("online_percent")
