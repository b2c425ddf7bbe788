"""Refolding the stored search text (`q`'s) and names (`name`'s) of every contact, for migrations
that change how core.normalize folds them. Folding folded search text gives what folding the
original gives, so its contacts need not be read again; the names, and the search text where
refolding cannot do, are made anew from the contacts' own columns and points."""

from collections.abc import Iterator

import sqlalchemy as sa

from contacthub.core.normalize import searchable, searchable_names

NAMES = ("display_name", "first_name", "middle_name", "last_name", "nickname", "organization_name")
SEARCHED = NAMES + ("official_name", "employer")  # core.contacts.search_text's order, emails and phones after
contacts = sa.table("contacts", sa.column("workspace_id"), sa.column("id"), sa.column("merged_into"),
                    sa.column("search_text"), sa.column("name_text"), *(sa.column(name) for name in SEARCHED))
points = sa.table("contact_points", sa.column("workspace_id"), sa.column("contact_id"), sa.column("kind"),
                  sa.column("normalized"), sa.column("position"))


def refold_all(conn) -> None:
    for page in _pages(conn, ["search_text"], live_only=False):
        _store(conn, "search_text", [(w, i, searchable(text or ""), text) for w, i, text in page])


def refill_names(conn) -> None:
    """Every live contact's name_text made from its names (a merged-away one is found by no filter)."""
    for page in _pages(conn, ["name_text", *NAMES]):
        _store(conn, "name_text", [(row[0], row[1], searchable_names(*row[3:]), row[2]) for row in page])


def rebuild_search_text(conn) -> None:
    """Every live contact's search text made anew from its names, emails and phones: for a change
    of folding that folded text cannot be refolded into (marks it took off, that are kept now)."""
    for page in _pages(conn, ["search_text", *SEARCHED], size=2000):
        held: dict[tuple, dict[str, list[str]]] = {}
        for workspace_id in {row[0] for row in page}:
            ids = [row[1] for row in page if row[0] == workspace_id]
            for contact_id, kind, normalized in conn.execute(
                    sa.select(points.c.contact_id, points.c.kind, points.c.normalized).where(
                        points.c.workspace_id == workspace_id, points.c.contact_id.in_(ids),
                        points.c.kind.in_(("email", "phone"))).order_by(points.c.contact_id, points.c.position)):
                held.setdefault((workspace_id, contact_id), {"email": [], "phone": []})[kind].append(normalized)
        made = []
        for row in page:
            mine = held.get((row[0], row[1]), {"email": [], "phone": []})
            made.append((row[0], row[1], searchable(*row[3:], *mine["email"], *mine["phone"]), row[2]))
        _store(conn, "search_text", made)


def _pages(conn, columns: list[str], live_only: bool = True, size: int = 5000) -> Iterator[list]:
    """(workspace_id, id, *columns) of the contacts, a page at a time by key, so a large store is
    never held in memory."""
    after = None
    while True:
        query = sa.select(contacts.c.workspace_id, contacts.c.id, *(contacts.c[c] for c in columns))
        if live_only:
            query = query.where(contacts.c.merged_into.is_(None))
        if after is not None:
            query = query.where(sa.tuple_(contacts.c.workspace_id, contacts.c.id) > after)
        page = conn.execute(query.order_by(contacts.c.workspace_id, contacts.c.id).limit(size)).all()
        if not page:
            return
        yield page
        after = sa.tuple_(*(sa.literal(v) for v in page[-1][:2]))


def _store(conn, column: str, made: list[tuple]) -> None:
    """Writes `column` of each (workspace_id, id, new text, stored text) whose text changed."""
    changed = [{"w": w, "i": i, "text": new} for w, i, new, old in made if new != (old or "")]
    if changed:
        conn.execute(contacts.update()
                     .where(contacts.c.workspace_id == sa.bindparam("w"), contacts.c.id == sa.bindparam("i"))
                     .values({column: sa.bindparam("text")}), changed)
