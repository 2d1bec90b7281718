"""wallet: stored value (principal and bonus), top-up bonus rules, gift cards; tier spend for loyalty

Revision ID: 0010_wallet
Revises: 0006
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import zhongtai.db.base

revision = '0010_wallet'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('gift_card_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('valid_days', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('face_value_fen > 0', name=op.f('ck_gift_card_batches_face_pos')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_gift_card_batches_quantity_pos')),
    sa.CheckConstraint('valid_days > 0', name=op.f('ck_gift_card_batches_valid_pos')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gift_card_batches')),
    sa.UniqueConstraint('code', name=op.f('uq_gift_card_batches_code'))
    )
    op.create_table('gift_card_entries',
    sa.Column('card_code', sa.String(length=24), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=120), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('activate', 'spend', 'refund', 'expire')", name=op.f('ck_gift_card_entries_kind')),
    sa.PrimaryKeyConstraint('card_code', 'id', name=op.f('pk_gift_card_entries')),
    sa.UniqueConstraint('card_code', 'source_type', 'source_id', 'kind', name=op.f('uq_gift_card_entries_card_code_source_type_source_id_kind'))
    )
    with op.batch_alter_table('gift_card_entries', schema=None) as batch_op:
        batch_op.create_index('ix_gift_card_entries_occurred', ['occurred_at'], unique=False)
        batch_op.create_index('ix_gift_card_entries_reference', ['reference'], unique=False)

    op.create_table('tier_spend',
    sa.Column('member_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('order_id', sa.String(length=36), nullable=False),
    sa.Column('buyer_id', sa.BigInteger(), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('completed_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('refunded_fen', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('paid_fen >= 0 AND refunded_fen >= 0', name=op.f('ck_tier_spend_amounts_nonneg')),
    sa.PrimaryKeyConstraint('member_id', 'order_id', name=op.f('pk_tier_spend'))
    )
    with op.batch_alter_table('tier_spend', schema=None) as batch_op:
        batch_op.create_index('ix_tier_spend_order', ['order_id'], unique=True)
        batch_op.create_index('ix_tier_spend_window', ['member_id', 'completed_at'], unique=False)

    op.create_table('wallet_accounts',
    sa.Column('member_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('bonus_fen >= 0', name=op.f('ck_wallet_accounts_bonus_nonneg')),
    sa.CheckConstraint('principal_fen >= 0', name=op.f('ck_wallet_accounts_principal_nonneg')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_wallet_accounts'))
    )
    op.create_table('wallet_bonus_rules',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('min_topup_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_percent', sa.Integer(), nullable=False),
    sa.Column('cap_fen', sa.BigInteger(), nullable=True),
    sa.Column('starts_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('ends_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by', sa.String(length=100), nullable=False),
    sa.Column('created_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('bonus_fen > 0 OR bonus_percent > 0', name=op.f('ck_wallet_bonus_rules_gives_something')),
    sa.CheckConstraint('bonus_fen >= 0 AND bonus_percent BETWEEN 0 AND 100', name=op.f('ck_wallet_bonus_rules_bonus_range')),
    sa.CheckConstraint('min_topup_fen > 0', name=op.f('ck_wallet_bonus_rules_threshold_pos')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_wallet_bonus_rules'))
    )
    op.create_table('wallet_entries',
    sa.Column('member_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('principal_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('source_type', sa.String(length=32), nullable=False),
    sa.Column('source_id', sa.String(length=120), nullable=False),
    sa.Column('reference', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('occurred_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('topup', 'spend', 'refund', 'cash_out', 'adjust', 'merge_in', 'merge_out')", name=op.f('ck_wallet_entries_kind')),
    sa.PrimaryKeyConstraint('member_id', 'id', name=op.f('pk_wallet_entries')),
    sa.UniqueConstraint('member_id', 'source_type', 'source_id', 'kind', name=op.f('uq_wallet_entries_member_id_source_type_source_id_kind'))
    )
    with op.batch_alter_table('wallet_entries', schema=None) as batch_op:
        batch_op.create_index('ix_wallet_entries_occurred', ['occurred_at'], unique=False)
        batch_op.create_index('ix_wallet_entries_reference', ['reference'], unique=False)

    op.create_table('gift_cards',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('pin_hash', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('face_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('balance_fen', sa.BigInteger(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=True),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('activated_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('expires_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('issued', 'active', 'expired', 'void')", name=op.f('ck_gift_cards_status')),
    sa.CheckConstraint('balance_fen >= 0', name=op.f('ck_gift_cards_balance_nonneg')),
    sa.ForeignKeyConstraint(['batch_id'], ['gift_card_batches.id'], name=op.f('fk_gift_cards_batch_id_gift_card_batches')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_gift_cards'))
    )
    with op.batch_alter_table('gift_cards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_gift_cards_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_gift_cards_due', ['status', 'expires_at'], unique=False)
        batch_op.create_index('ix_gift_cards_member', ['member_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('gift_cards', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_cards_member')
        batch_op.drop_index('ix_gift_cards_due')
        batch_op.drop_index(batch_op.f('ix_gift_cards_batch_id'))

    op.drop_table('gift_cards')
    with op.batch_alter_table('wallet_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_wallet_entries_reference')
        batch_op.drop_index('ix_wallet_entries_occurred')

    op.drop_table('wallet_entries')
    op.drop_table('wallet_bonus_rules')
    op.drop_table('wallet_accounts')
    with op.batch_alter_table('tier_spend', schema=None) as batch_op:
        batch_op.drop_index('ix_tier_spend_window')
        batch_op.drop_index('ix_tier_spend_order')

    op.drop_table('tier_spend')
    with op.batch_alter_table('gift_card_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_gift_card_entries_reference')
        batch_op.drop_index('ix_gift_card_entries_occurred')

    op.drop_table('gift_card_entries')
    op.drop_table('gift_card_batches')
