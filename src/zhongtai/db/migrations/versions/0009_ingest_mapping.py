"""integration: links from a source's references (platform orders, ERP transfers) to zhongtai objects

Revision ID: 0009_ingest_mapping
Revises: 0007_integration
Create Date: 2026-11-25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import zhongtai.db.base

revision = "0009_ingest_mapping"
down_revision = "0007_integration"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integration_links",
        sa.Column("source_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=200), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("created_at", zhongtai.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["source_id"], ["integration_sources.id"],
                                name=op.f("fk_integration_links_source_id_integration_sources")),
        sa.PrimaryKeyConstraint("source_id", "kind", "external_ref", name=op.f("pk_integration_links")),
    )


def downgrade() -> None:
    op.drop_table("integration_links")
