"""Refolding the stored search text of every contact, for migrations that change how
core.normalize.searchable folds (folding folded text gives what folding the original gives, so
the contacts need not be read again)."""

import sqlalchemy as sa

from contacthub.core.normalize import searchable

contacts = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("search_text"))


def refold_all(conn) -> None:
    after = None
    while True:  # a page at a time by key, so a large store is never held in memory
        query = sa.select(contacts.c.workspace_id, contacts.c.id, contacts.c.search_text)
        if after is not None:
            query = query.where(sa.tuple_(contacts.c.workspace_id, contacts.c.id) > after)
        page = conn.execute(query.order_by(contacts.c.workspace_id, contacts.c.id).limit(5000)).all()
        if not page:
            return
        for workspace_id, contact_id, text in page:
            folded = searchable(text or "")
            if folded != (text or ""):
                conn.execute(contacts.update()
                             .where(contacts.c.workspace_id == workspace_id, contacts.c.id == contact_id)
                             .values(search_text=folded))
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))
