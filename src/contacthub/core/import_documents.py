"""One line of a JSONL import: a whole contact in the native API's shape, as
`contacthub export --format jsonl` writes it and `POST /v1/contacts` accepts it.

The line is checked by the same model and rules as the API's body (an unknown field, a bad email
or phone, a value too long: the row is invalid, with the field at fault), then read into the
row's plain values (names, emails, phones, addresses, attributes, social profiles, identifiers),
which duplicate resolution and merging use as for any other row; the checked contact itself is
kept whole, and a new contact is created from it through the contact service, so nothing the
shape carries is lost (identifiers, point properties, `extra`, lists and accounts). A line that
merges into a stored contact brings those too (see imports.merge_patch). Beside the shape, the
export writes the names of the groups holding the contact and the ids of the organizations it
is a member of; the import joins them again.
"""

import uuid
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson
from pydantic import ValidationError

from contacthub.core.errors import dotted_path, reason_of
from contacthub.core.inputs import SCALAR_FIELDS, ContactDocument, ContactInput
from contacthub.core.moments import NOT_AN_INSTANT, parse_instant
from contacthub.core.normalize import normalize_email, normalize_phone, with_extension
from contacthub.db.types import utcnow

if TYPE_CHECKING:
    from contacthub.core.import_rows import ParsedRow

# What a contact's rendering carries that no one writes: the store sets them. `id`,
# `created_at` and `updated_at` are read apart (a restore keeps them); the others are passed over.
READ_ONLY = ("id", "workspace_id", "created_at", "updated_at", "merged_into", "merged_from", "match",
             "possible_duplicates")
MAX_GROUP_NAME = 300  # a group's name is its display name
ADDRESS_PARTS = ("type", "line1", "line2", "city", "region", "postal_code", "country")


def read_document(row: "ParsedRow", text: str, region: str) -> None:
    """Fills `row` from one JSONL line, or records why it cannot be a contact."""
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        _fault(row, "contact", f"not valid JSON: {exc}")
        return
    if not isinstance(document, dict):
        _fault(row, "contact", "each line must be one JSON object: a contact")
        return
    given_id, created_at, updated_at = document.get("id"), document.get("created_at"), document.get("updated_at")
    groups, member_of, leads = document.get("groups"), document.get("organizations"), document.get("primary_in")
    document = {k: v for k, v in document.items()
                if k not in READ_ONLY and k not in ("groups", "organizations", "primary_in")}
    if given_id is not None:
        try:
            row.given_id = uuid.UUID(str(given_id))
        except ValueError:
            _fault(row, "id", "must be a UUID")
    row.given_created_at = _moment(row, "created_at", created_at)
    row.given_updated_at = _moment(row, "updated_at", updated_at)
    if row.given_created_at and row.given_updated_at and row.given_updated_at < row.given_created_at:
        _fault(row, "updated_at", "is before created_at")
    if isinstance(document.get("addresses"), list):
        for address in document["addresses"]:
            if isinstance(address, dict):
                # the id it had where it was exported: kept where no address here holds it
                row.given_address_ids.append(_uuid_or_none(address.pop("id", None)))
    if document.get("display_name") is not None and document["display_name"] == _computed_name(document, region):
        del document["display_name"]  # the export shows a name made from the others: not a name of its own
    try:
        data = ContactDocument.model_validate(document)
    except ValidationError as exc:
        for e in exc.errors():
            _fault(row, dotted_path(e["loc"], skip=()) or "contact", reason_of(e))
        return
    _read_values(row, data, region)
    _read_groups(row, groups, "groups", row.groups)
    _read_groups(row, leads, "primary_in", row.primary_in)
    _read_organizations(row, member_of)
    named = row.name or row.scalars.get("organization_name") or row.scalars.get("nickname")
    if not row.errors and not (named or row.emails or row.phones or row.identifiers):
        _fault(row, "contact", "a contact needs a name, an email, a phone or an identifier")
    if row.kind == "group" and not row.name and not row.errors:
        _fault(row, "display_name", "a group needs a name")
    if not row.errors:
        row.document = data


def _moment(row: "ParsedRow", name: str, value) -> datetime | None:
    """An ISO 8601 date and time, in UTC (one without its zone is UTC's), and past (a day's
    slack for clocks): a fault of the row if it is none."""
    if value is None:
        return None
    try:
        moment = parse_instant(value)
    except ValueError as exc:
        _fault(row, name, "must be a date and time (ISO 8601)" if str(exc) == NOT_AN_INSTANT else str(exc))
        return None
    if moment > utcnow() + timedelta(days=1):
        _fault(row, name, "is in the future")
        return None
    return moment


def _uuid_or_none(value) -> uuid.UUID | None:
    """An address's exported id, if it is one (anything else: the address gets a new id)."""
    try:
        return uuid.UUID(str(value)) if value is not None else None
    except ValueError:
        return None


def kind_of_document(text: str) -> str | None:
    """A line's `kind` alone (imports read groups first); None when the line cannot tell."""
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return document.get("kind") or "person" if isinstance(document, dict) else None


def _read_values(row: "ParsedRow", data: ContactInput, region: str) -> None:
    """The contact's values as a row holds them (the primary email, phone and address first)."""
    row.kind = data.kind or "person"
    row.scalars = {name: getattr(data, name) for name in SCALAR_FIELDS
                   if name != "kind" and getattr(data, name) is not None}
    for i, email in sorted(enumerate(data.emails or []), key=lambda e: not e[1].primary):
        try:
            normalized = normalize_email(email.address)
        except ValueError as exc:
            _fault(row, f"emails[{i}].address", str(exc))
            continue
        if all(e[1] != normalized for e in row.emails):
            row.emails.append((email.address.strip(), normalized, email.type))
        _keep_properties(row, "email", normalized, email.properties)
    for i, phone in sorted(enumerate(data.phones or []), key=lambda p: not p[1].primary):
        try:
            normalized = normalize_phone(phone.number, region)
        except ValueError as exc:
            _fault(row, f"phones[{i}].number", str(exc))
            continue
        if all(p[1] != normalized for p in row.phones):
            row.phones.append((with_extension(phone.number.strip(), phone.extension), normalized, phone.type))
        _keep_properties(row, "phone", normalized, phone.properties)
    row.identifiers = list(dict.fromkeys((i.key, i.value) for i in data.identifiers or []))
    for identifier in data.identifiers or []:
        _keep_properties(row, "identifier", f"{identifier.key}={identifier.value}", identifier.properties)
    row.addresses = [{part: getattr(a, part) for part in ADDRESS_PARTS if getattr(a, part) is not None}
                     for a in sorted(data.addresses or [], key=lambda a: not a.primary)]
    row.metadata = {k: v for k, v in (data.attributes or {}).items() if v is not None}
    row.social = {k: v for k, v in (data.social or {}).items() if v is not None}


def _keep_properties(row: "ParsedRow", kind: str, key: str, properties: dict[str, Any]) -> None:
    """A point's properties, which a merge into a stored contact brings along (the first
    point of a value gives them, as the first is the one kept)."""
    if properties:
        row.point_properties.setdefault((kind, key), properties)


def _read_groups(row: "ParsedRow", groups: Any, field: str, into: list[str]) -> None:
    """The names of the groups holding the contact, or (`primary_in`) of those it is a primary
    contact of (the export writes them beside the native shape): joined as a CSV's Groups
    column is."""
    if groups is None:
        return
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        _fault(row, field, "must be a list of group names")
        return
    for name in groups:
        name = name.strip()
        if len(name) > MAX_GROUP_NAME:
            _fault(row, field, f"a group name longer than {MAX_GROUP_NAME} characters")
        elif name and name.lower() not in (g.lower() for g in into):
            into.append(name)


def _read_organizations(row: "ParsedRow", given: Any) -> None:
    """The ids of the organizations the contact is a member of (the export writes them beside
    the native shape): joined when the workspace has them."""
    if given is None:
        return
    if not isinstance(given, list) or not all(isinstance(i, str) for i in given):
        _fault(row, "organizations", "must be a list of organization ids")
        return
    for i, text in enumerate(given):
        try:
            row.organizations.append(uuid.UUID(text))
        except ValueError:
            _fault(row, f"organizations[{i}]", "must be a UUID")


def _computed_name(document: dict[str, Any], region: str) -> str | None:
    """The name a contact with no display name of its own is shown under (views.ContactView's
    computed_display_name, from the document's values: a phone as normalized)."""
    full = " ".join(p for p in (document.get("first_name"), document.get("last_name")) if isinstance(p, str) and p)
    if full:
        return full
    if document.get("organization_name"):
        return document["organization_name"]
    for points, value in (("emails", "address"), ("phones", "number")):
        given = document.get(points)
        first = given[0] if isinstance(given, list) and given else None
        if isinstance(first, dict) and isinstance(first.get(value), str) and first[value]:
            if points == "emails":
                return first[value]
            try:
                return normalize_phone(first[value], region)
            except ValueError:
                return first[value]
    return None


def _fault(row: "ParsedRow", field: str, reason: str) -> None:
    # a line has no columns: the field's path within the contact names what is at fault
    field = escape_unstorable(field)
    row.errors.append({"column": field, "field": field, "reason": escape_unstorable(reason)})


def escape_unstorable(text: str) -> str:
    """`text` as an outcome can keep it: a key of the line may hold a NUL or a lone surrogate
    (JSON escapes both), which no database here stores; they are written out as escapes."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
