"""search_text and name_text folded alike on both engines, and middle names always searched

Folding decomposed a letter after folding its case, so a letter whose compatibility form is a
capital (𝐉, ℍ) was stored as one: SQLite's LIKE matched it in any case, PostgreSQL's did not.
The text is now decomposed before and after its case is folded (core.normalize.searchable), and
a contact's names hold its middle name even without a last one; this refolds the search text
and makes the names anew, for the contacts stored before.

Revision ID: 0020_folded_alike
Revises: 0019_contact_name_text
Create Date: 2026-11-25 17:10:00
"""
from alembic import op

from contacthub.db.search_text import refill_names, refold_all

revision = '0020_folded_alike'
down_revision = '0019_contact_name_text'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    refold_all(conn)
    refill_names(conn)


def downgrade() -> None:
    pass  # folded text is still folded text: the old search finds what it found
