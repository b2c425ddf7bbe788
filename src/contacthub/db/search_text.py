"""Refolding the stored search text (`q`'s) and names (`name`'s) of every contact, for migrations
that change how core.normalize folds them. Folding folded search text gives what folding the
original gives, so its contacts need not be read again; the names are made anew from the
contacts' name columns."""

import sqlalchemy as sa

from contacthub.core.normalize import searchable, searchable_names

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


NAMES = ("display_name", "first_name", "middle_name", "last_name", "nickname", "organization_name")
named = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("merged_into"),
                 sa.column("name_text"), *(sa.column(name) for name in NAMES))


def refill_names(conn) -> None:
    """Every live contact's name_text made from its names (a merged-away one is found by no filter)."""
    after = None
    while True:  # a page at a time by key, so a large store is never held in memory
        query = sa.select(named.c.workspace_id, named.c.id, named.c.name_text, *(named.c[n] for n in NAMES)).where(
            named.c.merged_into.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(named.c.workspace_id, named.c.id) > after)
        page = conn.execute(query.order_by(named.c.workspace_id, named.c.id).limit(5000)).all()
        if not page:
            return
        changed = [{"w": row[0], "i": row[1], "names": names} for row in page
                   if (names := searchable_names(*row[3:])) != (row[2] or "")]
        if changed:
            conn.execute(named.update()
                         .where(named.c.workspace_id == sa.bindparam("w"), named.c.id == sa.bindparam("i"))
                         .values(name_text=sa.bindparam("names")), changed)
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))


SEARCHED = ("display_name", "first_name", "middle_name", "last_name", "nickname", "organization_name",
            "official_name", "employer")  # in core.contacts.search_text's order, its emails and phones after
searched = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("merged_into"),
                    sa.column("search_text"), *(sa.column(name) for name in SEARCHED))
points = sa.table("contact_points", sa.column("workspace_id"), sa.column("contact_id"), sa.column("kind"),
                  sa.column("normalized"), sa.column("position"))


def rebuild_search_text(conn) -> None:
    """Every live contact's search text made anew from its names, emails and phones: for a change
    of folding that folded text cannot be refolded into (marks it took off, that are kept now)."""
    after = None
    while True:
        query = sa.select(searched.c.workspace_id, searched.c.id, searched.c.search_text,
                          *(searched.c[n] for n in SEARCHED)).where(searched.c.merged_into.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(searched.c.workspace_id, searched.c.id) > after)
        page = conn.execute(query.order_by(searched.c.workspace_id, searched.c.id).limit(2000)).all()
        if not page:
            return
        held: dict[tuple, dict[str, list[str]]] = {}
        for workspace_id in {row[0] for row in page}:
            ids = [row[1] for row in page if row[0] == workspace_id]
            for contact_id, kind, normalized in conn.execute(
                    sa.select(points.c.contact_id, points.c.kind, points.c.normalized).where(
                        points.c.workspace_id == workspace_id, points.c.contact_id.in_(ids),
                        points.c.kind.in_(("email", "phone"))).order_by(points.c.contact_id, points.c.position)):
                held.setdefault((workspace_id, contact_id), {"email": [], "phone": []})[kind].append(normalized)
        changed = []
        for row in page:
            mine = held.get((row[0], row[1]), {"email": [], "phone": []})
            text = searchable(*row[3:], *mine["email"], *mine["phone"])
            if text != (row[2] or ""):
                changed.append({"w": row[0], "i": row[1], "text": text})
        if changed:
            conn.execute(searched.update()
                         .where(searched.c.workspace_id == sa.bindparam("w"), searched.c.id == sa.bindparam("i"))
                         .values(search_text=sa.bindparam("text")), changed)
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))
