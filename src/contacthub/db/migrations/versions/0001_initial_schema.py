"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 02:41:07.726216
"""
from alembic import op
import sqlalchemy as sa
import contacthub.db.types
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('subject_type', sa.String(length=32), nullable=False),
    sa.Column('subject_id', sa.Uuid(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('door', sa.String(length=32), nullable=False),
    sa.Column('api_key_id', sa.Uuid(), nullable=True),
    sa.Column('changes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('before', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_subject', ['workspace_id', 'subject_id', 'id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('body', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('workspace_id', 'key', name=op.f('pk_idempotency_keys'))
    )
    op.create_table('workspaces',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspaces'))
    )
    op.create_table('api_keys',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_api_keys_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_table('attribute_definitions',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('cardinality', sa.String(length=8), nullable=False),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('description', sa.String(length=1000), nullable=True),
    sa.Column('pii', sa.Boolean(), nullable=False),
    sa.Column('read_only', sa.Boolean(), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_attribute_definitions_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_attribute_definitions')),
    sa.UniqueConstraint('workspace_id', 'key', name='uq_attribute_definitions_key')
    )
    op.create_table('contacts',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('display_name', sa.String(length=300), nullable=True),
    sa.Column('prefix', sa.String(length=50), nullable=True),
    sa.Column('first_name', sa.String(length=200), nullable=True),
    sa.Column('middle_name', sa.String(length=200), nullable=True),
    sa.Column('last_name', sa.String(length=200), nullable=True),
    sa.Column('suffix', sa.String(length=50), nullable=True),
    sa.Column('nickname', sa.String(length=200), nullable=True),
    sa.Column('salutation', sa.String(length=200), nullable=True),
    sa.Column('organization_name', sa.String(length=300), nullable=True),
    sa.Column('official_name', sa.String(length=300), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=True),
    sa.Column('employer', sa.String(length=300), nullable=True),
    sa.Column('occupation', sa.String(length=200), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('social', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('merged_into', sa.Uuid(), nullable=True),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_contacts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_contacts'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_ws_kind', ['workspace_id', 'kind', 'id'], unique=False)

    op.create_table('data_sources',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('system', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_data_sources_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_data_sources'))
    )
    op.create_table('lists',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=256), nullable=False),
    sa.Column('description', sa.String(length=2000), nullable=True),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_lists_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_lists'))
    )
    op.create_table('accounts',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('data_source_id', sa.Uuid(), nullable=True),
    sa.Column('external_id', sa.String(length=300), nullable=True),
    sa.Column('name', sa.String(length=300), nullable=True),
    sa.Column('email', sa.String(length=320), nullable=True),
    sa.Column('company', sa.String(length=300), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=100), nullable=True),
    sa.Column('city', sa.String(length=200), nullable=True),
    sa.Column('zip', sa.String(length=50), nullable=True),
    sa.Column('website_url', sa.String(length=500), nullable=True),
    sa.Column('attributes', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('extra', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'data_source_id'], ['data_sources.workspace_id', 'data_sources.id'], name=op.f('fk_accounts_workspace_iddata_source_id_data_sources'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_accounts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_accounts'))
    )
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.create_index('ix_accounts_external', ['workspace_id', 'data_source_id', 'external_id'], unique=False)

    op.create_table('addresses',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=True),
    sa.Column('line1', sa.String(length=300), nullable=True),
    sa.Column('line2', sa.String(length=300), nullable=True),
    sa.Column('city', sa.String(length=200), nullable=True),
    sa.Column('region', sa.String(length=200), nullable=True),
    sa.Column('postal_code', sa.String(length=50), nullable=True),
    sa.Column('country', sa.String(length=100), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_addresses_workspace_idcontact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_addresses'))
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index('ix_addresses_contact', ['workspace_id', 'contact_id'], unique=False)

    op.create_table('attribute_values',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_attribute_values_workspace_idcontact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'contact_id', 'key', 'value', name=op.f('pk_attribute_values'))
    )
    with op.batch_alter_table('attribute_values', schema=None) as batch_op:
        batch_op.create_index('ix_attribute_values_lookup', ['workspace_id', 'key', 'value'], unique=False)

    op.create_table('contact_points',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=500), nullable=False),
    sa.Column('normalized', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=50), nullable=True),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('properties', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_contact_points_workspace_idcontact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'id', name=op.f('pk_contact_points'))
    )
    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.create_index('ix_points_contact', ['workspace_id', 'contact_id'], unique=False)
        batch_op.create_index('ix_points_lookup', ['workspace_id', 'normalized'], unique=False)

    op.create_table('list_members',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('list_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_list_members_workspace_idcontact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id', 'list_id'], ['lists.workspace_id', 'lists.id'], name=op.f('fk_list_members_workspace_idlist_id_lists'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'list_id', 'contact_id', name=op.f('pk_list_members'))
    )
    with op.batch_alter_table('list_members', schema=None) as batch_op:
        batch_op.create_index('ix_list_members_contact', ['workspace_id', 'contact_id'], unique=False)

    op.create_table('relations',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('from_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('to_id', sa.Uuid(), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'from_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_relations_workspace_idfrom_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id', 'to_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_relations_workspace_idto_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'from_id', 'kind', 'to_id', name=op.f('pk_relations'))
    )
    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.create_index('ix_relations_to', ['workspace_id', 'to_id'], unique=False)

    op.create_table('account_members',
    sa.Column('workspace_id', sa.Uuid(), nullable=False),
    sa.Column('account_id', sa.Uuid(), nullable=False),
    sa.Column('contact_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', contacthub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id', 'account_id'], ['accounts.workspace_id', 'accounts.id'], name=op.f('fk_account_members_workspace_idaccount_id_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id', 'contact_id'], ['contacts.workspace_id', 'contacts.id'], name=op.f('fk_account_members_workspace_idcontact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('workspace_id', 'account_id', 'contact_id', name=op.f('pk_account_members'))
    )
    with op.batch_alter_table('account_members', schema=None) as batch_op:
        batch_op.create_index('ix_account_members_contact', ['workspace_id', 'contact_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('account_members', schema=None) as batch_op:
        batch_op.drop_index('ix_account_members_contact')

    op.drop_table('account_members')
    with op.batch_alter_table('relations', schema=None) as batch_op:
        batch_op.drop_index('ix_relations_to')

    op.drop_table('relations')
    with op.batch_alter_table('list_members', schema=None) as batch_op:
        batch_op.drop_index('ix_list_members_contact')

    op.drop_table('list_members')
    with op.batch_alter_table('contact_points', schema=None) as batch_op:
        batch_op.drop_index('ix_points_lookup')
        batch_op.drop_index('ix_points_contact')

    op.drop_table('contact_points')
    with op.batch_alter_table('attribute_values', schema=None) as batch_op:
        batch_op.drop_index('ix_attribute_values_lookup')

    op.drop_table('attribute_values')
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index('ix_addresses_contact')

    op.drop_table('addresses')
    with op.batch_alter_table('accounts', schema=None) as batch_op:
        batch_op.drop_index('ix_accounts_external')

    op.drop_table('accounts')
    op.drop_table('lists')
    op.drop_table('data_sources')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_ws_kind')

    op.drop_table('contacts')
    op.drop_table('attribute_definitions')
    op.drop_table('api_keys')
    op.drop_table('workspaces')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_subject')

    op.drop_table('events')
