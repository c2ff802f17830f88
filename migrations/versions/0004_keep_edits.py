"""keep edits: what `registry load` must not overwrite or re-create

`municipality.edited_facts` lists the facts edited through the API, `partnership.edited_at` marks a
partnership edited through the API, and `deleted_partnership` remembers the bundled partnerships deleted
through the API (by their source reference, e.g. partnerships.csv#17). A reload keeps the first two as
they are and does not re-create the third.

Edits made before this revision are read from the audit trail: a municipality's facts and a partnership
count as edited when no load has overwritten them since, i.e. the record is still at the version its last
edit left. Deletions made before it cannot be recovered this way (the audit trail names the deleted
pair, not its source row): a load run since has already re-created them, as it used to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The editable facts and the column of each one's source, as registry.repository.municipalities had
# them at this revision (a migration must not change with later code).
FACT_SOURCE = {
    'population': 'population_source_id',
    'population_date': 'population_source_id',
    'area_km2': 'area_source_id',
    'lat': 'coordinates_source_id',
    'lon': 'coordinates_source_id',
    'war_status': 'war_status_source_id',
    'war_status_date': 'war_status_source_id',
    'occupied_since': 'war_status_source_id',
    'occupation_ended': 'war_status_source_id',
    'idp_registered': 'idp_source_id',
    'idp_date': 'idp_source_id',
    'distance_to_russia_km': 'distance_source_id',
    'damage_note': 'damage_source_id',
}


def upgrade() -> None:
    op.create_table('deleted_partnership',
    sa.Column('external_ref', sa.String(length=100), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('external_ref', name=op.f('pk_deleted_partnership'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_facts', sa.JSON(), nullable=True))
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    _mark_earlier_edits(op.get_bind())


def _mark_earlier_edits(connection: sa.Connection) -> None:
    """Mark what the audit trail shows was edited through the API and not overwritten since."""
    audit = sa.table(
        'audit_event',
        sa.column('id', sa.Integer),
        sa.column('at', sa.DateTime(timezone=True)),
        sa.column('entity', sa.String),
        sa.column('entity_key', sa.String),
        sa.column('before', sa.JSON),
        sa.column('after', sa.JSON),
    )
    # (entity, key) -> (version after its last edit, facts edited since a load last overwrote them, when)
    edits: dict[tuple[str, str], tuple[Any, set[str], Any]] = {}
    events = connection.execute(
        sa.select(audit.c.entity, audit.c.entity_key, audit.c.at, audit.c.before, audit.c.after)
        .where(audit.c.entity.in_(['municipality', 'partnership']))
        .order_by(audit.c.id)
    )
    for entity, key, at, before, after in events:
        if before is None or after is None:  # created through the API, or deleted: nothing to keep
            edits.pop((entity, key), None)
            continue
        version, facts, _ = edits.get((entity, key), (None, set(), None))
        if version != before.get('version'):  # a load wrote in between: the earlier edits are gone
            facts = set()
        facts |= {
            fact
            for fact, source in FACT_SOURCE.items()
            if entity == 'municipality'
            and (before.get(fact) != after.get(fact) or before.get(source) != after.get(source))
        }
        edits[entity, key] = (after.get('version'), facts, at)
    municipality = sa.table(
        'municipality', sa.column('code', sa.String), sa.column('version', sa.Integer),
        sa.column('edited_facts', sa.JSON),
    )
    partnership = sa.table(
        'partnership', sa.column('id', sa.Integer), sa.column('version', sa.Integer),
        sa.column('edited_at', sa.DateTime(timezone=True)),
    )
    for (entity, key), (version, facts, at) in edits.items():
        # The version condition skips records a load has written since their last edit.
        if entity == 'municipality' and facts:
            connection.execute(
                sa.update(municipality)
                .where(municipality.c.code == key, municipality.c.version == version)
                .values(edited_facts=sorted(facts))
            )
        elif entity == 'partnership' and key.isdigit():
            connection.execute(
                sa.update(partnership)
                .where(partnership.c.id == int(key), partnership.c.version == version)
                .values(edited_at=at)
            )


def downgrade() -> None:
    with op.batch_alter_table('partnership', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_column('edited_facts')
    op.drop_table('deleted_partnership')
