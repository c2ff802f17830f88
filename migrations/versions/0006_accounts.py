"""accounts: browser sign-in, invitations, municipality profiles, answers to suggestions

`account` holds people who sign in (staff of one municipality, coordinators, admins) with an argon2id
password hash; `invitation` the one-time links that set a password (hashed tokens); `sign_in_attempt`
what the login rate limit counts; `web_session` the server-side session data (keyed by a hash of the
session id); `municipality_profile` what a municipality's staff say about it; `suggestion_response`
their answers to suggested partners. `audit_event` gains the account that made
an edit in the browser (nullable: every existing event, made by an API key or the CLI, keeps none).
New tables and one nullable column only: existing rows and edits are untouched.

Revision ID: 0006_accounts
Revises: 0005_third_partners
Create Date: 2026-12-04 18:42:42.730013
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006_accounts'
down_revision: str | None = '0005_third_partners'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('web_session',
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key_hash', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'], unique=False)

    op.create_table('sign_in_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client', sa.String(length=64), nullable=False),
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_attempt'))
    )
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_client'), ['client'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_in_attempt_login'), ['login'], unique=False)

    op.create_table('account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=200), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.Enum('staff', 'coordinator', 'admin', name='accountrole', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('password_hash', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('last_sign_in', sa.DateTime(timezone=True), nullable=True),
    sa.Column('disabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("role != 'staff' OR municipality_id IS NOT NULL", name=op.f('ck_account_staff_municipality')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_account_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account')),
    sa.UniqueConstraint('login', name=op.f('uq_account_login'))
    )
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('municipality_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('contact_person', sa.String(length=200), nullable=True),
    sa.Column('office', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('website', sa.String(length=500), nullable=True),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('description_de', sa.Text(), nullable=True),
    sa.Column('description_en', sa.Text(), nullable=True),
    sa.Column('description_uk', sa.Text(), nullable=True),
    sa.Column('confirmed_on', sa.Date(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_municipality_profile_municipality_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality_profile')),
    sa.UniqueConstraint('municipality_id', name=op.f('uq_municipality_profile_municipality_id'))
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_invitation_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_account_id'), ['account_id'], unique=False)

    op.create_table('suggestion_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('response', sa.Enum('interested', 'not_a_fit', name='responsekind', native_enum=False, create_constraint=True, length=16), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_suggestion_response_account_id_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_suggestion_response_municipality_id_municipality'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['municipality.id'], name=op.f('fk_suggestion_response_partner_id_municipality'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_suggestion_response')),
    sa.UniqueConstraint('municipality_id', 'partner_id', name=op.f('uq_suggestion_response_municipality_id_partner_id'))
    )
    with op.batch_alter_table('suggestion_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_suggestion_response_municipality_id'), ['municipality_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_suggestion_response_partner_id'), ['partner_id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_event_account_id_account'), 'account', ['account_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_event_account_id_account'), type_='foreignkey')
        batch_op.drop_column('account_id')

    with op.batch_alter_table('suggestion_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_suggestion_response_partner_id'))
        batch_op.drop_index(batch_op.f('ix_suggestion_response_municipality_id'))

    op.drop_table('suggestion_response')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_account_id'))

    op.drop_table('invitation')
    op.drop_table('municipality_profile')
    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_municipality_id'))

    op.drop_table('account')
    with op.batch_alter_table('sign_in_attempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_attempt_login'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempt_client'))
        batch_op.drop_index(batch_op.f('ix_sign_in_attempt_at'))

    op.drop_table('sign_in_attempt')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))

    op.drop_table('web_session')
