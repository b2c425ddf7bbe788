"""What one row of an import file becomes: its cells read, checked and normalized (ParsedRow,
RowParser), and, for a valid row, what its contact is written as (Derived), computed where the
row is parsed (in the parser process of a large file). The columns it is read by are
core/import_columns.py; how a row meets the stored contacts is core/import_resolution.py.
"""

import csv
import os
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import orjson

from contacthub.core import attributes as attribute_rules
from contacthub.core.errors import InvalidInput
from contacthub.core.identity_rules import SHARED_IDENTIFIER_KEYS, blocking_keys, build_profile, exact_keys
from contacthub.core.import_columns import ADDRESS_TARGETS, Column, point_type, TYPE_WORDS
from contacthub.core.import_documents import kind_of_document, read_document
from contacthub.core.import_sources import _BrokenRow
from contacthub.core.inputs import MAX_ADDRESSES, MAX_POINTS_PER_KIND, ContactInput, born_already
from contacthub.core.normalize import (
    DateWithoutYear, normalize_email, normalize_phone, read_date, searchable, searchable_names,
)
from contacthub.repositories.bulk import JsonText

if TYPE_CHECKING:  # (it imports this module)
    from contacthub.core.import_resolution import Pending

KIND_WORDS = {
    "": "person", "person": "person", "contact": "person", "individual": "person",
    "group": "group", "organization": "organization", "organisation": "organization", "company": "organization",
}
MAX_TEXT = {"notes": 10_000, "email": 320, "phone": 64, "postal_code": 50, "prefix": 50, "suffix": 50,
            # as the columns (ContactInput says the same)
            "first_name": 200, "last_name": 200, "middle_name": 200, "nickname": 200, "title": 200, "city": 200,
            "region": 200, "country": 100, "occupation": 200, "salutation": 200, "official_name": 300}
SCALAR_TARGETS = {
    "name": "display_name", "first_name": "first_name", "last_name": "last_name", "middle_name": "middle_name",
    "prefix": "prefix", "suffix": "suffix", "nickname": "nickname", "notes": "notes",
    "title": "title", "employer": "employer", "organization": "organization_name",
    "occupation": "occupation", "salutation": "salutation", "official_name": "official_name",
}

# Google Contacts puts a contact's several emails, phones or labels in one cell, joined by " ::: "
# (as do vCards read by core/vcards.py); such a cell's limit is each value's (MAX_TEXT).
MULTI_VALUE = ":::"
MULTI_VALUED = ("email", "phone", "groups")
# Other exports join them by ";" (HubSpot's `Additional email addresses`), or by "," where no
# value can hold one (an email): a phone's "," is a pause before an extension, as is its ";ext=".
_SEVERAL_EMAILS = re.compile(r"[;,]")
_SEVERAL_PHONES = re.compile(r";(?!\s*(?:ext|isub|phone-context)=)", re.IGNORECASE)


def _group_names(cell: str) -> list[str]:
    """The group names of a Groups cell: cut at ::: alone when it holds one (Google's, our exports':
    a name may hold a comma); read as a list of quoted names when it opens with a quote
    (Mailchimp's TAGS: "Customer","Newsletter, Weekly"); else cut at `,` `;` or `|`."""
    if MULTI_VALUE in cell:
        return cell.split(MULTI_VALUE)
    if cell.startswith('"'):
        return next(csv.reader([cell], skipinitialspace=True), [])
    return re.split(r"[,;|]", cell)


@dataclass
class ParsedRow:
    index: int
    cells: list[str]
    kind: str = "person"
    scalars: dict[str, Any] = field(default_factory=dict)  # core field -> value (text; birth_date a date)
    emails: list[tuple[str, str, str | None]] = field(default_factory=list)  # (as given, normalized, type)
    phones: list[tuple[str, str, str | None]] = field(default_factory=list)
    addresses: list[dict[str, str]] = field(default_factory=list)  # the first is the primary
    groups: list[str] = field(default_factory=list)
    primary_in: list[str] = field(default_factory=list)  # groups it is a primary contact of: JSONL rows only
    metadata: dict[str, Any] = field(default_factory=dict)
    social: dict[str, str] = field(default_factory=dict)  # network -> profile
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (key, value): JSONL rows only
    organizations: list[uuid.UUID] = field(default_factory=list)  # the ones it is a member of: JSONL rows only
    # JSONL rows only: the properties an email, phone or identifier carries, by
    # (kind, normalized value) (an identifier's "value" is key=value)
    point_properties: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    errors: list[dict[str, str]] = field(default_factory=list)  # {"column", "field", "reason"}
    # what a valid row's contact is made of, computed where the row is parsed (see Derived)
    derived: "Derived | None" = None
    # a JSONL row: the whole contact as checked (created through the contact service), and the
    # id, times and address ids it had where it was exported (see core/import_documents.py)
    document: ContactInput | None = None
    given_id: uuid.UUID | None = None
    given_created_at: datetime | None = None
    given_updated_at: datetime | None = None
    given_address_ids: list[uuid.UUID | None] = field(default_factory=list)

    @property
    def name(self) -> str | None:
        full = " ".join(p for p in (self.scalars.get("first_name"), self.scalars.get("last_name")) if p)
        return self.scalars.get("display_name") or full or None

    def keys(self) -> list[tuple[str, str]]:
        """The exact identifiers this row is matched by."""
        if self.derived is not None:
            return self.derived.row_keys
        by_id = [("id", str(self.given_id))] if self.given_id else []
        if self.kind == "group":
            return by_id + ([("group", self.name.lower())] if self.name else [])
        # a data source's key is on each of its contacts: shared by design, no identity
        return (by_id + [("email", e[1]) for e in self.emails] + [("phone", p[1]) for p in self.phones]
                + [("identifier", f"{key}={value}") for key, value in self.identifiers
                   if key not in SHARED_IDENTIFIER_KEYS])

    def profile(self) -> dict[str, Any]:
        """The row's identity profile, as the parser made it (a valid row's)."""
        return orjson.loads(str(self.derived.profile_json))

    def raw(self, headers: list[str]) -> list[list[str]]:
        """The row as read, [header, cell] in the file's order (a JSON object would lose it on
        PostgreSQL, whose JSONB orders keys, and a repeated header)."""
        # a NUL character cannot be stored (PostgreSQL): shown as U+FFFD in the rejected row
        return [[h, self.cells[i].replace("\x00", "\ufffd") if i < len(self.cells) else ""]
                for i, h in enumerate(headers)]


class RowParser:
    def __init__(self, columns: list[Column], region: str, definitions: dict, require_name: bool = False,
                 kind: str | None = None):
        self.columns = columns
        self.region = region
        self.definitions = definitions
        self.require_name = require_name  # see imports.ImportOptions.require_name
        self.kind = kind or "person"  # a row's unless its Type cell says otherwise (imports.ImportOptions.kind)
        self.type_column = next((c for c in columns if c.target == "type"), None)
        self.documents = bool(columns) and columns[0].target == "document"  # a JSONL file's lines
        self.job_id: uuid.UUID | None = None  # named in the history event of each created contact

    @property
    def knows_kinds(self) -> bool:
        """Whether rows can be groups, which are then imported first (their members name them)."""
        return self.type_column is not None or self.documents or self.kind == "group"

    @property
    def first_kinds(self) -> tuple[str, ...]:
        """The kinds of rows imported before the others: groups, which rows name to join them,
        and in a JSONL file organizations too, which its lines name by id."""
        return ("group", "organization") if self.documents else ("group",)

    def kind_of(self, cells: list[str]) -> str | None:
        """Only the Type cell, or a JSONL line's `kind` (the first pass reads nothing else)."""
        if self.documents:
            return kind_of_document(cells[0])
        if self.type_column is None:
            return "person"
        value = cells[self.type_column.index].strip().lower() if self.type_column.index < len(cells) else ""
        return KIND_WORDS.get(value)

    def parse(self, index: int, cells: list[str]) -> ParsedRow:
        row = ParsedRow(index, cells, kind=self.kind)
        blocks: dict[str, dict[str, str]] = {}  # the row's address, block by block (see import_columns._address_block)
        if isinstance(cells, _BrokenRow):
            row.errors.append({"column": "", "field": "row", "reason": cells.reason})
            return row
        if self.documents:
            read_document(row, cells[0], self.region)
            return row
        for col in self.columns:
            value = cells[col.index].strip() if col.index < len(cells) else ""
            if not value:
                continue
            target = col.target
            if "\x00" in value:
                self._fault(row, col, "must not contain NUL characters")
                continue
            if len(value) > self._limit(target) and target not in MULTI_VALUED and not target.startswith("metadata."):
                self._fault(row, col, f"longer than {self._limit(target)} characters")
                continue
            # a field that holds one value, filled by two columns: the first that holds something
            if target in SCALAR_TARGETS:
                row.scalars.setdefault(SCALAR_TARGETS[target], value)
            elif target == "birth_date":
                if "birth_date" not in row.scalars:
                    self._birth_date(row, col, value)
            elif target == "email":
                self._points(row, col, value, row.emails, normalize_email)
            elif target == "phone":
                self._points(row, col, value, row.phones, lambda one: normalize_phone(one, self.region))
            elif target in ADDRESS_TARGETS:
                blocks.setdefault(col.block, {}).setdefault(ADDRESS_TARGETS[target], value)
            elif target == "type":
                kind = KIND_WORDS.get(value.lower())
                if kind is None:
                    self._fault(row, col, "must be person, group or organization")
                else:
                    row.kind = kind
            elif target == "groups":
                for name in _group_names(value):
                    name = name.strip()
                    if name.startswith("* "):
                        continue  # Google's own labels (`* myContacts`, `* starred`), not groups of the user's
                    if len(name) > self._limit(target):
                        self._fault(row, col, f"a group name longer than {self._limit(target)} characters")
                    elif name and name.lower() not in (g.lower() for g in row.groups):
                        row.groups.append(name)
            elif target.startswith("metadata."):
                self._metadata(row, col, target[9:].split("."), value)
            elif target.startswith("social."):
                row.social.setdefault(target[7:], value)
        for kind, points in (("email", row.emails), ("phone", row.phones)):
            if len(points) > MAX_POINTS_PER_KIND:
                row.errors.append({"column": "", "field": kind, "reason": f"more than {MAX_POINTS_PER_KIND} {kind}s"})
        # Each block with a street or a city is an address, the first the primary; without one, the
        # first holding anything is (a block holding nothing was never made; one holding only its
        # type is no address; a lone country, as some exports fill in everywhere, is no other one).
        filled = [(name, b) for name, b in blocks.items() if b.keys() - {"type"}]
        whole = [(name, b) for name, b in filled if "line1" in b or "city" in b] or filled[:1]
        for name, address in whole[:MAX_ADDRESSES]:
            # its type: the block's type column (Google's), else its name (Outlook's Business, Home, Other)
            kind = point_type(address.pop("type", "")) or TYPE_WORDS.get(name)
            if kind:
                address["type"] = kind
            row.addresses.append(address)
        if self.require_name and not (row.name or row.scalars.get("organization_name")):
            row.errors.append({"column": "", "field": "name", "reason": "is required"})
        if not row.errors and not row.name and not row.emails and not row.phones:
            row.errors.append({"column": "", "field": "name", "reason": "a contact needs a name, an email or a phone"})
        if row.kind == "group" and not row.name and not row.errors:
            row.errors.append({"column": "", "field": "name", "reason": "a group needs a name"})
        return row

    def parse_prepared(self, index: int, cells: list[str]) -> ParsedRow:
        """parse, plus what the row's contact will be made of (valid rows only; the cells of a
        valid row are not kept: only a rejected row's are shown again)."""
        row = self.parse(index, cells)
        if not row.errors:
            row_keys = row.keys()
            row.derived = derive(row, self.job_id, index)
            row.derived.row_keys = row_keys
            row.cells = []
        return row

    def _birth_date(self, row: ParsedRow, col: Column, value: str) -> None:
        """Kept as a date; a birthday with no year (a vCard's --12-10, Mailchimp's 07/14) has no
        date to be, and is kept as the attribute `birthday` (--07-14) rather than lost or failing
        its row."""
        try:
            day = born_already(read_date(value, self.region))
        except DateWithoutYear as without_year:
            self._metadata(row, col, ["birthday"], without_year.iso)
            return
        except ValueError as exc:
            self._fault(row, col, str(exc))
            return
        if day is not None:
            row.scalars["birth_date"] = day

    def _metadata(self, row: ParsedRow, col: Column, path: list[str], value: str) -> None:
        if len(value) > attribute_rules.MAX_STRING_VALUE:
            self._fault(row, col, f"longer than {attribute_rules.MAX_STRING_VALUE} characters")
            return
        if len(path) == 1 and path[0] in self.definitions:
            typed: Any = value
            if self.definitions[path[0]].cardinality == "many" and value.lstrip().startswith("["):
                # the JSON text an export writes a list as: its items, each typed
                try:
                    typed = orjson.loads(value)
                except orjson.JSONDecodeError:
                    pass
            try:
                value = attribute_rules.coerce_all(self.definitions, {path[0]: typed}, True)[path[0]]
            except InvalidInput as exc:
                self._fault(row, col, exc.errors[0].message)
                return
        target = row.metadata
        for part in path[:-1]:
            nxt = target.get(part)
            if not isinstance(nxt, dict):
                nxt = target[part] = {}
            target = nxt
        target.setdefault(path[-1], value)

    def _points(self, row: ParsedRow, col: Column, cell: str, points: list[tuple[str, str, str | None]],
                normalize: Callable[[str], str]) -> None:
        """The emails or phones of one cell (one, or several joined by MULTI_VALUE or by the
        separators of _SEVERAL_EMAILS and _SEVERAL_PHONES), each
        (as given, normalized, type) once; a bad one is a fault of the row. A type is the one in
        the type cell beside it (one for all, or one for each value in turn), else the header's."""
        if MULTI_VALUE in cell:
            values = [v.strip() for v in cell.split(MULTI_VALUE)]
        elif ";" in cell or (col.target == "email" and "," in cell):
            values = [v.strip() for v in (_SEVERAL_EMAILS if col.target == "email" else _SEVERAL_PHONES).split(cell)]
        else:
            values = [cell]
        types = []
        if col.types_at is not None and col.types_at < len(row.cells):
            types = [t.strip() for t in row.cells[col.types_at].split(MULTI_VALUE)]
        for at, value in enumerate(values):
            if not value:
                continue
            given = types[at] if len(types) == len(values) else types[0] if len(types) == 1 else ""
            kind = point_type(given) or col.point_type
            if len(value) > self._limit(col.target):
                self._fault(row, col, f"longer than {self._limit(col.target)} characters")
                continue
            try:
                normalized = normalize(value)
            except ValueError as exc:
                self._fault(row, col, str(exc))
                continue
            if all(p[1] != normalized for p in points):
                points.append((value, normalized, kind))

    @staticmethod
    def _limit(target: str) -> int:
        """How long one value of a column may be."""
        return MAX_TEXT.get(target, 500 if target.startswith("social.") else 300)

    @staticmethod
    def _fault(row: ParsedRow, col: Column, reason: str) -> None:
        row.errors.append({"column": col.header, "field": col.target, "reason": reason})

_RANDOM = threading.local()


def _id_bytes() -> bytearray:
    """The 16 bytes of a UUIDv7 as db.types.new_id makes them, with the random bytes drawn
    64 KiB at a time (per thread, so two threads never share them)."""
    pool = getattr(_RANDOM, "pool", None)
    if pool is None or len(pool) < 10:
        pool = _RANDOM.pool = bytearray(os.urandom(65536))
    rand = pool[-10:]
    del pool[-10:]
    raw = bytearray((time.time_ns() // 1_000_000).to_bytes(6, "big") + rand)
    raw[6] = (raw[6] & 0x0F) | 0x70
    raw[8] = (raw[8] & 0x3F) | 0x80
    return raw


def new_id() -> uuid.UUID:
    return uuid.UUID(bytes=bytes(_id_bytes()))


def new_hex() -> str:
    """A new id as the 32 hex digits the bulk writer stores (rows only the bulk insert sees)."""
    return _id_bytes().hex()


@dataclass
class Derived:
    """What a contact made from a row is written as, beyond the row's own values: computed once
    per row where it is parsed (the parser process of a large file), JSON already serialized."""

    search_text: str
    name_text: str
    attributes_json: JsonText
    social_json: JsonText
    attribute_pairs: list[tuple[str, str]]  # the filter index rows
    profile_json: JsonText  # the identity profile
    blocking_keys: list[str]
    exact_keys: list[str]
    event_json: JsonText  # the changes of the contact's "created" history event
    row_keys: list[tuple[str, str]] = field(default_factory=list)  # the row's ParsedRow.keys()


def derive(contact: "ParsedRow | Pending", job_id: uuid.UUID | None, row_index: int) -> Derived:
    """What `contact` (a row, or the contact a batch makes of it and its duplicates) is written as."""
    kind, scalars, emails, phones = contact.kind, contact.scalars, contact.emails, contact.phones
    addresses, metadata, social = contact.addresses, contact.metadata, contact.social
    search = searchable(  # the parts contacts.search_text folds, in its order
        scalars.get("display_name"), scalars.get("first_name"), scalars.get("middle_name"), scalars.get("last_name"),
        scalars.get("nickname"), scalars.get("organization_name"), scalars.get("official_name"),
        scalars.get("employer"), *(e[1] for e in emails), *(x[1] for x in phones),
    )
    names = searchable_names(  # as contacts.name_text folds them
        scalars.get("display_name"), scalars.get("first_name"), scalars.get("middle_name"), scalars.get("last_name"),
        scalars.get("nickname"), scalars.get("organization_name"))
    profile = build_profile(
        kind=kind, first=scalars.get("first_name"), middle=scalars.get("middle_name"), last=scalars.get("last_name"),
        nick=scalars.get("nickname"), suffix=scalars.get("suffix"), birth=scalars.get("birth_date"),
        org=scalars.get("organization_name"), display=scalars.get("display_name"),
        emails=[e[1] for e in emails], phones=[x[1] for x in phones],
        addresses=[(a.get("line1"), a.get("line2"), a.get("city"), a.get("postal_code"), a.get("region"))
                   for a in addresses],
        employer=scalars.get("employer"),
    )
    changes = {
        "import_id": str(job_id), "row": row_index, "kind": kind, **scalars,
        "emails": [e[1] for e in emails], "phones": [x[1] for x in phones],
        **({"addresses": addresses} if addresses else {}), **({"attributes": metadata} if metadata else {}),
        **({"social": social} if social else {}),
    }
    return Derived(
        search, names, _json(metadata), _json(social) if social else EMPTY_DOC, list(set(attribute_rules.index_pairs(metadata))),
        _json(profile), list(set(blocking_keys(profile))), list(set(exact_keys(profile))), _json(changes),
    )


def _json(document) -> JsonText:
    return JsonText(orjson.dumps(document, default=str).decode())


EMPTY_DOC = JsonText("{}")
