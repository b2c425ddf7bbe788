"""contacts.search_text: letters with no base letter in Unicode folded too (ı, ø, ł, æ…)

`q=isik` did not find "Işık": the dotless ı has no mark to take off. core.normalize.searchable
now folds such letters to what those who type without them write; this folds the search text
of contacts stored before (folding folded text gives what folding the original gives, so the
contacts need not be read again), as 0013 did.

Revision ID: 0016_search_text_base_letters
Revises: 0015_attribute_lookup_covering
Create Date: 2026-11-25 12:30:00
"""
from alembic import op

from contacthub.db.search_text import refold_all

revision = '0016_search_text_base_letters'
down_revision = '0015_attribute_lookup_covering'
branch_labels = None
depends_on = None


def upgrade() -> None:
    refold_all(op.get_bind())


def downgrade() -> None:
    pass  # refolded text is still folded text: the old search finds what it found
