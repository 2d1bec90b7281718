"""integration: sources, landed payloads, batches, inbound record keys (quarantine), till transactions,
oversell exceptions

Revision ID: 0007_integration
Revises: 0006
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import zhongtai.db.base

revision = "0007_integration"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('integration_sources',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('api_client_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('config', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('pos', 'erp', 'ecommerce', 'crm')", name=op.f('ck_integration_sources_type')),
    sa.ForeignKeyConstraint(['api_client_id'], ['api_clients.id'], name=op.f('fk_integration_sources_api_client_id_api_clients')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_integration_sources_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_integration_sources')),
    sa.UniqueConstraint('api_client_id', name=op.f('uq_integration_sources_api_client_id')),
    sa.UniqueConstraint('code', name=op.f('uq_integration_sources_code'))
    )
    op.create_table('inbound_batches',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('payload_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('records', sa.Integer(), nullable=False),
    sa.Column('accepted', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('quarantined', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('started_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('processing', 'done', 'failed')", name=op.f('ck_inbound_batches_status')),
    sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'], name=op.f('fk_inbound_batches_source_id_integration_sources')),
    sa.PrimaryKeyConstraint('source_id', 'id', name=op.f('pk_inbound_batches'))
    )
    op.create_index('ix_inbound_batches_started', 'inbound_batches', ['source_id', 'started_at'], unique=False)
    op.create_table('inbound_payloads',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('storage', sa.String(length=8), nullable=False),
    sa.Column('body', sa.LargeBinary(), nullable=True),
    sa.Column('path', sa.String(length=500), nullable=True),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('received_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("storage IN ('inline', 'file')", name=op.f('ck_inbound_payloads_storage')),
    sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'], name=op.f('fk_inbound_payloads_source_id_integration_sources')),
    sa.PrimaryKeyConstraint('source_id', 'id', name=op.f('pk_inbound_payloads'))
    )
    op.create_index('ix_inbound_payloads_sha256', 'inbound_payloads', ['source_id', 'sha256'], unique=False)
    op.create_table('inbound_records',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=True),
    sa.Column('raw', sa.Text(), nullable=True),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('replays', sa.Integer(), nullable=False),
    sa.Column('recorded_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('accepted', 'quarantined')", name=op.f('ck_inbound_records_status')),
    sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'], name=op.f('fk_inbound_records_source_id_integration_sources')),
    sa.PrimaryKeyConstraint('source_id', 'external_id', name=op.f('pk_inbound_records'))
    )
    op.create_index('ix_inbound_records_quarantine', 'inbound_records', ['source_id', 'reason', 'line_no'], unique=False, postgresql_where=sa.text("status = 'quarantined'"), sqlite_where=sa.text("status = 'quarantined'"))
    op.create_table('till_transactions',
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('transaction_id', sa.String(length=100), nullable=False),
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('order_id', sa.Uuid(), nullable=False),
    sa.Column('occurred_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['source_id'], ['integration_sources.id'], name=op.f('fk_till_transactions_source_id_integration_sources')),
    sa.PrimaryKeyConstraint('source_id', 'transaction_id', name=op.f('pk_till_transactions'))
    )
    op.create_table('oversell_exceptions',
    sa.Column('store_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('sku_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('source_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.Uuid(), nullable=False),
    sa.Column('on_hand', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('flagged_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', zhongtai.db.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by', sa.String(length=100), nullable=False),
    sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f('ck_oversell_exceptions_status')),
    sa.ForeignKeyConstraint(['sku_id'], ['skus.id'], name=op.f('fk_oversell_exceptions_sku_id_skus')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_oversell_exceptions_store_id_stores')),
    sa.PrimaryKeyConstraint('store_id', 'id', name=op.f('pk_oversell_exceptions')),
    sa.UniqueConstraint('store_id', 'sku_id', 'batch_id', name=op.f('uq_oversell_exceptions_store_id_sku_id_batch_id'))
    )
    op.create_index('ix_oversell_exceptions_open', 'oversell_exceptions', ['status', 'store_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_oversell_exceptions_open', table_name='oversell_exceptions')
    op.drop_table('oversell_exceptions')
    op.drop_table('till_transactions')
    op.drop_index('ix_inbound_records_quarantine', table_name='inbound_records', postgresql_where=sa.text("status = 'quarantined'"), sqlite_where=sa.text("status = 'quarantined'"))
    op.drop_table('inbound_records')
    op.drop_index('ix_inbound_payloads_sha256', table_name='inbound_payloads')
    op.drop_table('inbound_payloads')
    op.drop_index('ix_inbound_batches_started', table_name='inbound_batches')
    op.drop_table('inbound_batches')
    op.drop_table('integration_sources')
