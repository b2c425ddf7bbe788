"""The hot read: whole contacts in ONE statement, run on the DBAPI cursor.

Every door's GET, every list page and every write's answer load contacts here, so this is the
query the service runs most. It was five SQLAlchemy statements; their per-statement Python cost
(compiling, events, result processing: ~100 µs each) was most of a GET, while SQLite itself
needs ~10 µs. Now the contact row carries its emails, phones, identifiers, addresses, lists and
accounts as JSON arrays built by the database (json_group_array / json_agg subqueries), and the
statement runs on the session's own DBAPI connection, inside its transaction.

The two engines differ only in the JSON functions' spelling and in what comes back: SQLite hands back text
(uuid hex, "YYYY-MM-DD HH:MM:SS", JSON text) where psycopg hands back typed values.
"""

import json
import uuid
from datetime import date, datetime, timezone
from functools import lru_cache

from sqlalchemy.orm import Session

from contacthub.core.views import AccountLinkView, AddressView, ContactView, PointView
from contacthub.repositories import raw
from contacthub.repositories.raw import as_uuid

CONTACT_COLUMNS = (
    "id", "workspace_id", "kind", "display_name", "prefix", "first_name", "middle_name",
    "last_name", "suffix", "nickname", "salutation", "organization_name", "official_name",
    "title", "employer", "occupation", "birth_date", "notes", "social", "attributes", "extra",
    "created_at", "updated_at", "merged_into",
)
_POINT = ("id", "kind", "key", "value", "normalized", "type", "is_primary", "properties", "created_at", "position")
_ADDRESS = ("id", "type", "line1", "line2", "city", "region", "postal_code", "country", "is_primary",
            "properties", "position")
_LIST = ("list_id", "created_at")
_ACCOUNT = ("account_id", "position", "created_at")
_CHILDREN = (  # (table, columns, alias) of the rows hanging off a contact
    ("contact_points", _POINT, "points"),
    ("addresses", _ADDRESS, "addresses"),
    ("list_members", _LIST, "lists"),
    ("account_members", _ACCOUNT, "accounts"),
)
_JSON_COLUMNS = {"properties"}


def _array(dialect: str, table: str, columns: tuple[str, ...]) -> str:
    if dialect == "sqlite":
        # json() embeds a stored JSON document as JSON, not as a quoted string
        items = ", ".join(f"json(t.{c})" if c in _JSON_COLUMNS else f"t.{c}" for c in columns)
        aggregate = f"json_group_array(json_array({items}))"
    else:
        items = ", ".join(f"t.{c}" for c in columns)
        aggregate = f"coalesce(json_agg(json_build_array({items})), '[]'::json)"
    return (f"(SELECT {aggregate} FROM {table} t "
            f"WHERE t.workspace_id = c.workspace_id AND t.contact_id = c.id)")


@lru_cache(maxsize=2)
def _statement(dialect: str) -> str:
    """The statement for any number of ids: `{values}` is their IN list (see raw.select_in)."""
    children = ", ".join(f"{_array(dialect, table, cols)} AS {alias}" for table, cols, alias in _CHILDREN)
    return (f"SELECT {', '.join('c.' + c for c in CONTACT_COLUMNS)}, {children} FROM contacts c "
            f"WHERE c.workspace_id = ? AND c.id IN ({{values}})")


def _moment(value) -> datetime | None:
    """In UTC: SQLite's text has no zone; PostgreSQL answers in its session's time zone."""
    if value is None:
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment.astimezone(timezone.utc) if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _document(value):
    # not orjson: it reads integers beyond 64 bits as floats, and attribute values may be such integers
    return json.loads(value) if isinstance(value, str) else value


def _point(p: list) -> PointView:
    return PointView(as_uuid(p[0]), p[1], p[2], p[3], p[4], p[5], bool(p[6]), p[7] or {}, _moment(p[8]))


def _address(a: list) -> AddressView:
    return AddressView(as_uuid(a[0]), a[1], a[2], a[3], a[4], a[5], a[6], a[7], bool(a[8]), a[9] or {})


_POINT_GROUPS = {"email": "emails", "phone": "phones"}


def add_point_view(view: ContactView, point: PointView) -> None:
    getattr(view, _POINT_GROUPS.get(point.kind, "identifiers")).append(point)


def _view(row: tuple) -> ContactView:
    (cid, ws, kind, display, prefix, first, middle, last, suffix, nick, salutation, org, official, title,
     employer, occupation, birth, notes, social, attributes, extra, created, updated, merged,
     points, addresses, lists, accounts) = row
    view = ContactView(
        as_uuid(cid), as_uuid(ws), kind, display, prefix, first, middle, last, suffix, nick, salutation, org,
        official, title, employer, occupation, _day(birth), notes, _document(social) or {},
        _document(attributes) or {}, _document(extra) or {}, _moment(created), _moment(updated), as_uuid(merged),
    )
    for p in sorted(_document(points), key=lambda p: p[9]):
        add_point_view(view, _point(p))
    view.addresses = [_address(a) for a in sorted(_document(addresses), key=lambda a: a[10])]
    # lists and accounts in the order they were joined (ties by id), as the API has always shown them
    view.list_ids = [as_uuid(m[0]) for m in sorted(_document(lists), key=lambda m: (_moment(m[1]), str(m[0])))]
    view.accounts = [AccountLinkView(as_uuid(m[0]), m[1])
                     for m in sorted(_document(accounts), key=lambda m: (_moment(m[2]), str(m[0])))]
    return view


def load_views(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, ContactView]:
    """id -> whole contact, for the ids that exist in the workspace."""
    sql = _statement(session.get_bind().dialect.name)
    views = (_view(row) for row in raw.select_in(session, sql, [workspace_id], list(dict.fromkeys(ids))))
    return {view.id: view for view in views}


def _first_point(kind: str, column: str, primary_first: bool) -> str:
    order = "t.is_primary DESC, t.position" if primary_first else "t.position"
    return (f"(SELECT t.{column} FROM contact_points t WHERE t.workspace_id = c.workspace_id "
            f"AND t.contact_id = c.id AND t.kind = '{kind}' ORDER BY {order} LIMIT 1)")


# The few columns a contact is named by elsewhere (a group's members): its names, the email it
# shows (the primary one, else the first), its first email and first phone.
_CARDS = ("SELECT c.id, c.display_name, c.first_name, c.last_name, c.organization_name, "
          f"{_first_point('email', 'value', True)}, {_first_point('email', 'value', False)}, "
          f"{_first_point('phone', 'normalized', False)} "
          "FROM contacts c WHERE c.workspace_id = ? AND c.id IN ({values})")


def load_cards(session: Session, workspace_id: uuid.UUID, ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple]:
    """id -> (display name, first, last, organization name, shown email, first email, first
    phone) for the ids that exist in the workspace: a fraction of load_views' cost a contact."""
    rows = raw.select_in(session, _CARDS, [workspace_id], list(dict.fromkeys(ids)))
    return {as_uuid(row[0]): row[1:] for row in rows}
