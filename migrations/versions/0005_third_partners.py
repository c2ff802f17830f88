"""third partners: third-country towns and their ties; the official hostilities list per hromada

`third_town` and `third_tie` hold the third-country partners (Polish, French, ... towns) of German and
Ukrainian municipalities from data/third/twin_towns_de_ua_wikipedia.csv; `war_listing` holds the rows
of the official list of hostilities and occupation (Order No. 376) placed in hromadas, so that the
status of a hromada's administrative centre can be known. New tables only: existing rows and edits are
untouched; the next `registry load` fills them.

Revision ID: 0005_third_partners
Revises: 0004
Create Date: 2026-12-04 15:19:50.599599
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005_third_partners'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('third_town',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=False),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_third_town_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_third_town')),
    sa.UniqueConstraint('key', name=op.f('uq_third_town_key'))
    )
    op.create_table('third_tie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('town_id', sa.Integer(), nullable=False),
    sa.Column('name_in_source', sa.String(length=200), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_third_tie_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_third_tie_source_id_source')),
    sa.ForeignKeyConstraint(['town_id'], ['third_town.id'], name=op.f('fk_third_tie_town_id_third_town'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_third_tie')),
    sa.UniqueConstraint('municipality_id', 'town_id', name=op.f('uq_third_tie_municipality_id_town_id'))
    )
    with op.batch_alter_table('third_tie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_third_tie_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_third_tie_town_id'), ['town_id'], unique=False)

    op.create_table('war_listing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('listed_code', sa.String(length=40), nullable=False),
    sa.Column('listed_level', sa.String(length=20), nullable=False),
    sa.Column('listed_name', sa.String(length=400), nullable=False),
    sa.Column('section', sa.String(length=60), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=True),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('covers_centre', sa.Boolean(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_war_listing_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], name=op.f('fk_war_listing_source_id_source')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_war_listing'))
    )
    with op.batch_alter_table('war_listing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_war_listing_municipality_id'), ['municipality_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('war_listing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_war_listing_municipality_id'))

    op.drop_table('war_listing')
    with op.batch_alter_table('third_tie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_third_tie_town_id'))
        batch_op.drop_index(batch_op.f('ix_third_tie_municipality_id'))

    op.drop_table('third_tie')
    op.drop_table('third_town')
