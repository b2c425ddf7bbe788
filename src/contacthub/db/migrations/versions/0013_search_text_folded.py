"""contacts.search_text folded: accents and case, so `q=emile` finds "Émile"

Search text was lower-cased only. It is now folded by core.normalize.searchable, and the
searched text too; this folds the text of contacts stored before (folding lower-cased text
gives what folding the original gives, so the contacts need not be read again).

Revision ID: 0013_search_text_folded
Revises: 0012_reviews_by_candidate
Create Date: 2026-11-25 06:50:00
"""
from alembic import op

from contacthub.db.search_text import refold_all

revision = '0013_search_text_folded'
down_revision = '0012_reviews_by_candidate'
branch_labels = None
depends_on = None


def upgrade() -> None:
    refold_all(op.get_bind())


def downgrade() -> None:
    pass  # folded text is still lower-cased text: the old search finds what it found, less the accented
