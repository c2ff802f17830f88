"""area source: the source of a municipality's area, like every other fact's

The column starts empty; the next `registry load` fills it, because every loaded record's fingerprint
now includes the area's source and so differs from the stored one. Batch mode (env.py) recreates the
table on SQLite, which cannot add a foreign key to an existing table; PostgreSQL alters it in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:50:55.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('area_source_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_municipality_area_source_id_source'), 'source', ['area_source_id'], ['id']
        )


def downgrade() -> None:
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_municipality_area_source_id_source'), type_='foreignkey')
        batch_op.drop_column('area_source_id')
