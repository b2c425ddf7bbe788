"""identity keys longer than their column are filed under their fitted form

Until the identity engine learnt to fit them, an exact key longer than identity_keys.key's 200
characters (a long email or identifier) was stored whole. PostgreSQL refused it; SQLite, which
does not enforce VARCHAR lengths, kept it. The engine now looks such keys up by their fitted
form (start + "~" + digest), so those old rows were never found again: this refiles them.

Revision ID: 0007_fit_long_identity_keys
Revises: 0006_import_leases
Create Date: 2026-11-24 10:20:00
"""
import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0007_fit_long_identity_keys'
down_revision = '0006_import_leases'
branch_labels = None
depends_on = None

MAX_KEY = 200


def fitted(key: str) -> str:
    """The rule of core.identity_rules._fit as it stood when this migration was written (a
    migration keeps its own copy, so later changes there do not rewrite history)."""
    return key[:150] + "~" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def upgrade() -> None:
    conn = op.get_bind()
    # identity_keys: (workspace, key, contact, origin) rows; a contact may be filed under a key once
    for workspace_id, key, contact_id, origin_id in conn.execute(sa.text(
            "SELECT workspace_id, key, contact_id, origin_id FROM identity_keys WHERE length(key) > :max"),
            {"max": MAX_KEY}).all():
        row = {"w": workspace_id, "old": key, "new": fitted(key), "c": contact_id, "o": origin_id}
        conn.execute(sa.text("DELETE FROM identity_keys "
                             "WHERE workspace_id = :w AND key = :old AND contact_id = :c AND origin_id = :o"), row)
        conn.execute(sa.text("INSERT INTO identity_keys (workspace_id, key, contact_id, origin_id) "
                             "SELECT :w, :new, :c, :o WHERE NOT EXISTS (SELECT 1 FROM identity_keys "
                             "WHERE workspace_id = :w AND key = :new AND contact_id = :c AND origin_id = :o)"), row)
    # identity_claims: one owner per key; a contact that claimed the fitted key since keeps it
    for workspace_id, key, contact_id in conn.execute(sa.text(
            "SELECT workspace_id, key, contact_id FROM identity_claims WHERE length(key) > :max"),
            {"max": MAX_KEY}).all():
        row = {"w": workspace_id, "old": key, "new": fitted(key), "c": contact_id}
        conn.execute(sa.text("DELETE FROM identity_claims WHERE workspace_id = :w AND key = :old"), row)
        conn.execute(sa.text("INSERT INTO identity_claims (workspace_id, key, contact_id) "
                             "SELECT :w, :new, :c WHERE NOT EXISTS (SELECT 1 FROM identity_claims "
                             "WHERE workspace_id = :w AND key = :new)"), row)


def downgrade() -> None:
    pass  # the fitted keys are the ones every version since can find
