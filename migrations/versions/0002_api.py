"""api: keys, audit trail, needs/offers vocabulary, hromada needs and municipality offers

The vocabulary's rows are data, not schema: `registry load` seeds them from data/needs_vocabulary.csv
(registry/ingest/vocabulary.py), like every other bundled file. Batch mode (env.py) keeps this
migration working on SQLite as well as PostgreSQL.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 15:50:46.112799
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('editor', 'admin', name='apikeyrole', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_key')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_key_key_hash'))
    )
    op.create_table('need_category',
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('group', sa.String(length=40), nullable=False),
    sa.Column('label_de', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('label_uk', sa.String(length=200), nullable=False),
    sa.Column('examples', sa.Text(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_need_category'))
    )
    op.create_table('audit_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('api_key_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity', sa.String(length=30), nullable=False),
    sa.Column('entity_key', sa.String(length=80), nullable=False),
    sa.Column('municipality_code', sa.String(length=80), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['api_key_id'], ['api_key.id'], name=op.f('fk_audit_event_api_key_id_api_key')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_event'))
    )
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_event_entity_entity_key', ['entity', 'entity_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_municipality_code'), ['municipality_code'], unique=False)

    op.create_table('hromada_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('priority', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('stated_on', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.CheckConstraint('priority BETWEEN 1 AND 3', name=op.f('ck_hromada_need_priority')),
    sa.ForeignKeyConstraint(['category'], ['need_category.code'], name=op.f('fk_hromada_need_category_need_category')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_hromada_need_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_hromada_need_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hromada_need')),
    sa.UniqueConstraint('municipality_id', 'category', name=op.f('uq_hromada_need_municipality_id_category'))
    )
    with op.batch_alter_table('hromada_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hromada_need_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_hromada_need_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('municipality_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.ForeignKeyConstraint(['category'], ['need_category.code'], name=op.f('fk_municipality_offer_category_need_category')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_municipality_offer_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality_offer')),
    sa.UniqueConstraint('municipality_id', 'category', name=op.f('uq_municipality_offer_municipality_id_category'))
    )
    with op.batch_alter_table('municipality_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_offer_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_municipality_offer_municipality_id'), ['municipality_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('municipality_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_offer_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_municipality_offer_category'))

    op.drop_table('municipality_offer')
    with op.batch_alter_table('hromada_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hromada_need_municipality_id'))
        batch_op.drop_index(batch_op.f('ix_hromada_need_category'))

    op.drop_table('hromada_need')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_municipality_code'))
        batch_op.drop_index('ix_audit_event_entity_entity_key')
        batch_op.drop_index(batch_op.f('ix_audit_event_at'))

    op.drop_table('audit_event')
    op.drop_table('need_category')
    op.drop_table('api_key')
