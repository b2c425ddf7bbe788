"""search_text and name_text keep the marks that make another letter, and Hangul syllables whole

Folding took every combining mark off, so a Thai tone mark, a Devanagari virama, a Tamil pulli
or the kana's voicing mark was dropped (ก้อง found กอง, ごとう found ことう), and decomposed a Hangul
syllable into its jamo (이 found 임). Only the accents of Latin, Greek, Cyrillic, Armenian, Hebrew
and Arabic letters are taken off now, the text composed again (core.normalize.searchable); the
marks already taken off cannot be put back by refolding, so this makes both texts anew from each
contact's names, emails and phones.

Revision ID: 0022_marks_that_make_letters
Revises: 0021_webhook_urls_by_origin
Create Date: 2026-11-25 17:40:00
"""
from alembic import op

from contacthub.db.search_text import rebuild_search_text, refill_names

revision = '0022_marks_that_make_letters'
down_revision = '0021_webhook_urls_by_origin'
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    rebuild_search_text(conn)
    refill_names(conn)


def downgrade() -> None:
    pass  # the texts stay as this folding makes them: the old search finds what it found, or more
