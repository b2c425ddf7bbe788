"""Bulk import of contacts from a CSV, spreadsheet, vCard or JSONL file, for every door.

A file is read row by row (memory does not grow with it), each row is mapped from its columns,
validated with the same normalization as every other write (email-validator, phonenumbers), then
resolved against the workspace by exact identifiers (normalized email, phone; a group's name)
under the caller's duplicate policy, in batches of many rows per statement and per transaction.
A bad row never stops the import: it is kept as an `invalid` outcome with its index (0 = the first
data row), the columns at fault and why. Every row's outcome is stored (created, merged, skipped,
invalid, review) on the import job.

Groups: rows of type group are imported first (a first pass over the file), so that rows naming
groups in their Groups column can join them (relation kind "group_child").

This module is what a row becomes; the jobs that run a file through it, and own its
transactions (one per batch, or one for the whole file with `overwrite`), are core/import_jobs.py.
"""

import csv
import logging
import operator
import os
import re
import threading
import time
import uuid
from datetime import datetime, timedelta
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from pydantic import BaseModel, ConfigDict, field_validator
from sqlalchemy.orm import Session

from contacthub.core import attributes as attribute_rules
from contacthub.core import contacts as contact_service
from contacthub.core import identity, identity_index, organizations
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.import_sources import (
    _BrokenRow,
)
from contacthub.core.import_documents import escape_unstorable, kind_of_document, read_document
from contacthub.core.identity_rules import (
    SHARED_IDENTIFIER_KEYS, blocking_keys, build_profile, compare_cluster, exact_keys, names_clash,
)
from contacthub.core.inputs import (
    MAX_ADDRESSES,
    MAX_MEMBERSHIPS,
    MAX_POINTS_PER_KIND,
    AccountLink,
    AddressInput,
    ContactInput,
    EmailInput,
    IdentifierInput,
    PhoneInput,
    WriteOptions,
    born_already,
)
from contacthub.core.normalize import DateWithoutYear, normalize_email, normalize_phone, read_date, searchable
from contacthub.db.types import utcnow
from contacthub.repositories import contacts as contact_repo
from contacthub.repositories import groups as groups_repo
from contacthub.repositories import identity as identity_repo
from contacthub.repositories import imports as repo
from contacthub.repositories import simple as simple_repo
from contacthub.repositories.bulk import JsonText
from contacthub.settings import Settings

log = logging.getLogger("contacthub.imports")

DuplicatePolicy = Literal["merge", "skip", "create", "review"]
ROW_STATUSES = ("created", "merged", "skipped", "invalid", "review")
# How a row's note begins to say its contact was written without something it named.
NO_GROUP = "no group named "
LEFT_OUT = "left out, not in this workspace: "
CONTACT_FULL = f"left out, the contact holds {MAX_POINTS_PER_KIND} of a kind already: "
LEFT_OUT_NOTES = (NO_GROUP, LEFT_OUT, CONTACT_FULL)
FIELD_TARGETS = (
    "name", "first_name", "last_name", "middle_name", "prefix", "suffix", "nickname", "birth_date", "email", "phone",
    "address", "address_line2", "city", "region", "postal_code", "country", "address_type", "type", "groups", "notes",
    "title", "employer", "organization", "occupation", "salutation", "official_name", "ignore",
)
# Headers understood without a mapping, compared lower-cased without spaces, "_" or "-".
HEADER_ALIASES = {
    "name": "name", "fullname": "name", "contactname": "name",
    "firstname": "first_name", "givenname": "first_name", "lastname": "last_name", "surname": "last_name",
    "familyname": "last_name", "middlename": "middle_name", "additionalname": "middle_name",
    "prefix": "prefix", "nameprefix": "prefix", "suffix": "suffix", "namesuffix": "suffix", "nickname": "nickname",
    "birthday": "birth_date", "birthdate": "birth_date", "dateofbirth": "birth_date", "dob": "birth_date",
    "email": "email", "emailaddress": "email", "mail": "email",
    "phone": "phone", "phonenumber": "phone", "mobile": "phone", "telephone": "phone",
    "address": "address", "addressline1": "address", "street": "address",
    "addressline2": "address_line2", "unit": "address_line2",
    "city": "city", "state": "region", "region": "region", "province": "region",
    "zip": "postal_code", "zipcode": "postal_code", "postalcode": "postal_code", "postcode": "postal_code",
    "country": "country", "type": "type", "group": "groups", "groups": "groups", "notes": "notes", "note": "notes",
    "title": "title", "jobtitle": "title", "position": "title", "employer": "employer", "company": "employer",
    "organization": "organization", "organisation": "organization",
    # as hand-made sheets and form tools name them
    "mobilenumber": "phone", "cell": "phone", "tel": "phone", "phone#": "phone", "primaryemail": "email",
    "address1": "address", "address2": "address_line2", "zip/postalcode": "postal_code", "zip5": "postal_code",
    "province/state": "region", "company/organization": "employer",
    # the columns `contacthub export --format csv` writes under their own names
    "displayname": "name", "kind": "type", "line1": "address", "line2": "address_line2", "addresstype": "address_type",
    "organizationname": "organization", "occupation": "occupation", "salutation": "salutation",
    "officialname": "official_name",
    # other products' CSV exports, as they come (more emails and phones: _numbered_alias).
    # Google Contacts (its addresses: _address_block): the first organization is the person's employer
    "organization1name": "employer", "organization1title": "title", "organizationtitle": "title",
    "groupmembership": "groups", "labels": "groups",
    # Outlook (its addresses: _address_block)
    "categories": "groups",
    # HubSpot, Mailchimp and the like
    "companyname": "employer", "streetaddress": "address", "state/region": "region",
    "state/province": "region", "country/region": "country", "additionalemailaddresses": "email",
    # Mailchimp's TAGS (and a sheet's Tags): names, as Google's labels and Outlook's categories are
    "tags": "groups",
    # MessageBird: the phone number in international form
    "msisdn": "phone",
    # a web page has no field of its own: kept as the attribute `website` (Google's `Website 1 -
    # Value`, Outlook's `Web Page`, a vCard's URL), not dropped
    "website": "metadata.website", "webpage": "metadata.website", "website1value": "metadata.website",
    "url": "metadata.website",
    # social profiles (any other network: a `social.<network>` column or mapping)
    "linkedin": "social.linkedin", "linkedinurl": "social.linkedin", "linkedinprofile": "social.linkedin",
    "twitter": "social.twitter", "twitterhandle": "social.twitter", "facebook": "social.facebook",
    "instagram": "social.instagram", "github": "social.github",
}
# Headers that mean something else in a file that also has another one: {(that other, header): target}.
ALIASES_BESIDE = {
    ("jobtitle", "title"): "prefix",  # Outlook: its Title is the name's (Mr., Dr.), its Job Title the job
    ("connectedon", "url"): "social.linkedin",  # LinkedIn's Connections.csv: the connection's profile
    ("organizationtitle", "organizationname"): "employer",  # Google's: a person's organization, as in its older files
}
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
ADDRESS_TARGETS = {"address": "line1", "address_line2": "line2", "city": "city", "region": "region",
                   "postal_code": "postal_code", "country": "country", "address_type": "type"}


class ImportOptions(BaseModel):
    """How to apply a file: which column is what, and what to do with a row that matches an
    existing contact (or an earlier row of the same file)."""

    model_config = ConfigDict(extra="forbid")
    # {"file header": "target"}; targets: FIELD_TARGETS, "metadata.<key>[.<key>...]" or
    # "social.<network>"; "ignore" drops a column.
    mapping: dict[str, str] | None = None
    # merge: fill the match's empty fields and add new emails/phones; skip: leave the row out;
    # create: write it as a new contact anyway; review: create it and flag the outcome for review.
    on_duplicate: DuplicatePolicy = "merge"
    # Replace every contact of the workspace by the file's, all or nothing.
    overwrite: bool = False
    # exact: a row matches by email or phone (in the file and in the store). fuzzy: a row with no
    # such match is also scored by the identity engine against the stored contacts (earlier
    # batches of the file included); a likely-same person (a merge-level score) is a match too,
    # and with on_duplicate=review a review-level one. Slower: two index lookups per such row.
    match: Literal["exact", "fuzzy"] = "exact"
    # A group a row names (Groups, Google's labels, Outlook's categories) that is neither in the
    # workspace nor a row of the file is created; without it, the row notes "no group named …".
    create_groups: bool = False
    # A row must name its contact (a name, or first and last name; an organization's name): a
    # row without one is invalid, its fault on `name`. PackageX's: the name is the one property a
    # contact must have.
    require_name: bool = False
    # The kind of every row whose file does not say (no Type column, or its cell blank): a
    # ChartMogul customers export or a company list imports as organizations. None: person.
    kind: Literal["person", "organization", "group"] | None = None

    @field_validator("mapping")
    @classmethod
    def _targets(cls, mapping):
        if mapping is None:
            return mapping
        if len(mapping) > 500:
            raise ValueError("at most 500 mapped columns")
        for header, target in mapping.items():
            if target not in FIELD_TARGETS and not _is_metadata_target(target) and not _is_social_target(target):
                raise ValueError(
                    f"column {header!r}: unknown target {target!r} (use one of {', '.join(FIELD_TARGETS)}, "
                    "metadata.<key> or social.<network>)"
                )
        return mapping


@dataclass
class SourceSpec:
    """What a door hands over: exactly one of these."""

    data_url: str | None = None
    url: str | None = None
    path: str | None = None
    upload: Iterator[bytes] | None = None  # chunks of an uploaded file
    upload_name: str = "upload"
    upload_type: str = ""
    field: str = "source"  # the door's name for it, used in error messages

    @property
    def kind(self) -> str:
        # by presence, not truthiness: an empty URL is a bad URL (refused as such), not an upload
        return ("data_url" if self.data_url is not None else "url" if self.url is not None
                else "path" if self.path is not None else "upload")

    @property
    def label(self) -> str:
        return self.url or self.path or (self.upload_name if self.kind == "upload" else "data URL")


def _is_metadata_target(target: str) -> bool:
    return target.startswith("metadata.") and all(part for part in target[9:].split("."))


_SOCIAL_TARGET = re.compile(r"social\.[a-z0-9_\-]{1,50}")


def _is_social_target(target: str) -> bool:
    """`social.<network>`: a social profile (the contact's `social`, keyed by the network's name)."""
    return _SOCIAL_TARGET.fullmatch(target) is not None


# More email and phone columns: `Email 2`, `phone_3` (as `contacthub export` writes them), `Email Address 2`,
# Google's `E-mail 1 - Value` / `Phone 2 - Value`, Outlook's `E-mail 2 Address`, `Mobile Phone`,
# `Business Phone 2`, `Business Fax`, HubSpot's `Mobile Phone Number`, `Work Email`. Not their
# `… - Type` / `… - Label` columns: those give the type of the values beside them (_types_column).
_MORE_POINTS = re.compile(
    r"(?:home|business|work|personal|other)?(?P<email>e?mail)(?:address)?\d{0,2}(?:value|address)?"
    r"|(?:home|business|work|mobile|cell|primary|other|main)?(?P<phone>phone|fax)(?:number)?\d{0,2}(?:value)?"
)

# The type of an email, phone or address, from a header (`Mobile Phone`, Outlook's `Business Street`)
# or a type cell (Google's `Phone 1 - Type`, a vCard's TYPE): the first word that names one. Words that say
# nothing of the kind (a vCard's INTERNET, VOICE, pref; Outlook's SMTP) are passed over; any
# other label (Google's custom ones) is kept as written.
_TYPE_WORDS = {"mobile": "mobile", "cell": "mobile", "iphone": "mobile", "home": "home", "personal": "home",
               "work": "work", "business": "work", "other": "other", "main": "main", "primary": "main",
               "fax": "fax", "pager": "pager", "homefax": "fax", "workfax": "fax", "otherfax": "fax"}
_NOT_A_TYPE = {"", "internet", "smtp", "pref", "voice", "x400", "x.400", "text", "msg", "video", "uri",
               "postal", "parcel", "dom", "intl"}
_HEADER_TYPES = ("fax", "pager", "mobile", "cell", "home", "personal", "work", "business", "other", "main", "primary")
_EMAIL_HEADER_TYPES = ("home", "personal", "work", "business", "other")


def _header_type(key: str, target: str) -> str | None:
    """The type a column's header names (Outlook's `Business Fax` is a fax before it is work's;
    a `Primary Email` is just the file's email, no main one: emails have no such type)."""
    words = _HEADER_TYPES if target == "phone" else _EMAIL_HEADER_TYPES
    return next((_TYPE_WORDS[word] for word in words if word in key), None)


def point_type(text: str) -> str | None:
    """The type `text` names: the first of its comma-separated words that is a type we know
    (vCard's `work,pref`), else the words that name no type left out, together: a label of the
    user's own, as they wrote it ("Bureau, 2ème", which a comma does not cut). None for none."""
    # Google marks the preferred type "* Work"
    words = [w.strip().removeprefix("*").strip() for w in text.split(",")]
    words = [w for w in words if w and w.lower() not in _NOT_A_TYPE]
    known = next((_TYPE_WORDS[w.lower()] for w in words if w.lower() in _TYPE_WORDS), None)
    if known is not None:
        return known
    label = ", ".join(words)
    return label if label and len(label) <= 50 and "\x00" not in label else None  # (NUL: unstorable)


def _numbered_alias(key: str) -> str:
    """The header of one more email or phone column (see _MORE_POINTS); anything else is ignored."""
    match = _MORE_POINTS.fullmatch(key)
    if match is None:
        return "ignore"
    return "email" if match.group("email") else "phone"


# Files with several addresses per contact, each a block of columns: Google's `Address 2 - City`,
# Outlook's `Home City` / `Business City` / `Other City`, our CSV export's `address_2_line1`. A row takes, whole, the first block (in
# column order) with a street or a city, else the first holding anything (a country alone, as some
# exports fill in everywhere): parts of two blocks would make an address nobody has.
_ADDRESS_BLOCK = re.compile(
    r"(?:address(?P<number>\d{1,2})|(?P<place>business|home|other))"
    r"(?P<part>street|street2|extendedaddress|line1|line2|city|state|region|postalcode|country|country/region|type"
    r"|label)"
)
_BLOCK_PARTS = {
    "street": "address", "street2": "address_line2", "extendedaddress": "address_line2", "line1": "address",
    "line2": "address_line2", "city": "city",
    "state": "region", "region": "region", "postalcode": "postal_code", "country": "country", "country/region": "country",
    "type": "address_type", "label": "address_type",
}


_BLOCK_NAME = re.compile(r"address(?P<number>\d{1,2})|(?P<place>business|home|other)")


def _block_named_by(key: str) -> str:
    """The address block a header's first word names (`Business …`, `Address 2 …`), or none."""
    match = _BLOCK_NAME.match(key)
    return (match.group("number") or match.group("place")) if match else ""


def _address_block(key: str) -> tuple[str, str] | None:
    """(target, block) of a column of one address block (see _ADDRESS_BLOCK), else None."""
    match = _ADDRESS_BLOCK.fullmatch(key)
    if match is None:
        return None
    return _BLOCK_PARTS[match.group("part")], match.group("number") or match.group("place")


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


def _norm_header(header: str) -> str:
    return re.sub(r"[\s_\-]+", "", header.strip().lower())


# ---------------------------------------------------------------- columns

@dataclass
class Column:
    index: int
    header: str
    target: str  # a FIELD_TARGETS entry, metadata.<path>, social.<network>, or document (a JSONL line)
    block: str = ""  # which of the file's address blocks an address column belongs to (see _address_block)
    point_type: str | None = None  # an email or phone column's type, from its header (`Mobile Phone`)
    types_at: int | None = None  # the column holding its values' types (Google's `Phone 1 - Type`)


def plan_columns(headers: list[str], mapping: dict[str, str] | None) -> list[Column]:
    """Which column feeds which field. The caller's mapping wins over the known headers;
    other columns are ignored."""
    given = {_norm_header(k): v for k, v in (mapping or {}).items()}
    present = {_norm_header(h) for h in headers}
    aliases = {**HEADER_ALIASES, **{key: target for (beside, key), target in ALIASES_BESIDE.items() if beside in present}}
    missing = [k for k in (mapping or {}) if _norm_header(k) not in present]
    if missing:
        named = [h for h in headers if h.strip()]
        shown = ", ".join(named[:20]) + (f" and {len(named) - 20} more" if len(named) > 20 else "")
        raise InvalidInput([FieldError(f"mapping.{k}", f"no such column in the file (its columns: {shown})")
                            for k in missing])
    columns = []
    for i, header in enumerate(headers):
        key = _norm_header(header)
        block = ""
        if key in given:
            target = given[key]
            if target in ADDRESS_TARGETS:
                block = _block_named_by(key)  # `Business Street 3` mapped joins the Business address
        elif header.strip().lower().startswith("metadata.") and _is_metadata_target("metadata." + header.strip()[9:].strip()):
            target = "metadata." + header.strip()[9:].strip()
        elif _is_social_target(header.strip().lower()):
            target = header.strip().lower()
        elif key in aliases:
            target = aliases[key]
        elif in_block := _address_block(key):
            target, block = in_block
        else:
            target = _numbered_alias(key)
        if target != "ignore":
            columns.append(Column(i, header.strip(), target, block))
    _check_no_clash(columns)
    keys = [_norm_header(h) for h in headers]
    for col in columns:
        if col.target in ("email", "phone"):
            col.point_type = _header_type(keys[col.index], col.target)
            col.types_at = _types_column(keys, keys[col.index])
    if not any(c.target in ("name", "first_name", "last_name", "email", "phone") for c in columns):
        # what was read, so a wrong delimiter or a missing header row shows at once
        seen = ", ".join(repr(h[:40]) for h in headers[:5]) + (", …" if len(headers) > 5 else "")
        raise InvalidInput(FieldError(
            "columns", "no column names a contact: expected Name (or First Name and Last Name), Email or Phone"
            + (f" (the header row read: {seen})" if headers else " (the file has no header row)")
        ))
    return columns


def ignored_headers(headers: list[str], columns: list[Column]) -> list[str]:
    """The named columns of the file no field reads (see plan_columns), in the file's order: not
    those giving the types of the emails or phones beside them (Google's `Phone 1 - Label`)."""
    read = {c.index for c in columns} | {c.types_at for c in columns}
    return [h for i, h in enumerate(headers) if h and i not in read]


def _check_no_clash(columns: list[Column]) -> None:
    """`metadata.a` beside `metadata.a.b` (a value and keys under one name): one would overwrite
    the other in every row, so the import is refused, naming them. (Two columns filling one
    field that holds one value, as a file's `Company` and `Company Name` both do, are read in
    column order, the first that holds something kept: see RowParser.parse.)"""
    attributes = [c for c in columns if c.target.startswith("metadata.")]
    faults = [FieldError("columns", f"{outer.header!r} and {inner.header!r}: {outer.target} cannot be a value "
                                    f"and hold {inner.target} too")
              for outer in attributes for inner in attributes if inner.target.startswith(outer.target + ".")]
    if faults:
        raise InvalidInput(faults)


def _types_column(keys: list[str], key: str) -> int | None:
    """Where the types of an email or phone column's values are: Google's `E-mail 1 - Label`
    (`- Type` in its older files) beside `E-mail 1 - Value`, a vCard's `Phone - Type` beside
    `Phone` (see core/vcards.py)."""
    stem = key.removesuffix("value").removesuffix("address")
    return next((i for i, other in enumerate(keys) if other in (stem + "type", stem + "label")), None)


# ---------------------------------------------------------------- one row

# A plain ASCII dot-atom local part: email-validator accepts it as it is, so only the domain
# needs its full check, which is cached (files repeat a few domains over and over).
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
        self.require_name = require_name  # see ImportOptions.require_name
        self.kind = kind or "person"  # a row's unless its Type cell says otherwise (ImportOptions.kind)
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
        blocks: dict[str, dict[str, str]] = {}  # the row's address, block by block (see _address_block)
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
            kind = point_type(address.pop("type", "")) or _TYPE_WORDS.get(name)
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


# ---------------------------------------------------------------- resolution

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


def _fast_id() -> uuid.UUID:
    return uuid.UUID(bytes=bytes(_id_bytes()))


def _fast_hex() -> str:
    """A new id as the 32 hex digits the bulk writer stores (rows only the bulk insert sees)."""
    return _id_bytes().hex()


@dataclass
class Derived:
    """What a contact made from a row is written as, beyond the row's own values: computed once
    per row where it is parsed (the parser process of a large file), JSON already serialized."""

    search_text: str
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
        search, _json(metadata), _json(social) if social else _EMPTY_DOC, list(set(attribute_rules.index_pairs(metadata))),
        _json(profile), list(set(blocking_keys(profile))), list(set(exact_keys(profile))), _json(changes),
    )


def _json(document) -> JsonText:
    return JsonText(orjson.dumps(document, default=str).decode())


@dataclass
class Pending:
    """A contact this batch will create."""

    id: uuid.UUID
    row: ParsedRow
    kind: str
    scalars: dict[str, Any]
    emails: list[tuple[str, str, str | None]]
    phones: list[tuple[str, str, str | None]]
    addresses: list[dict[str, str]]
    metadata: dict[str, Any]
    social: dict[str, str]
    absorbed: bool = False  # a later row was merged in: `row.derived` no longer describes it

    @classmethod
    def from_row(cls, row: ParsedRow) -> "Pending":
        return cls(_fast_id(), row, row.kind, dict(row.scalars), list(row.emails), list(row.phones),
                   [dict(a) for a in row.addresses], dict(row.metadata), dict(row.social))

    def absorb(self, row: ParsedRow) -> list[str]:
        """Merge a later duplicate row in: its values fill what is still empty. Answers the
        emails and phones it leaves out, past the MAX_POINTS_PER_KIND a contact holds."""
        for name, value in row.scalars.items():
            self.scalars.setdefault(name, value)
        left_out = []
        for mine, theirs in ((self.emails, row.emails), (self.phones, row.phones)):
            new = [e for e in theirs if e[1] not in {x[1] for x in mine}]
            room = max(MAX_POINTS_PER_KIND - len(mine), 0)
            mine += new[:room]
            left_out += [e[0] for e in new[room:]]
        if not self.addresses and row.addresses:
            self.addresses = [dict(a) for a in row.addresses]
        for mine, theirs in ((self.metadata, row.metadata), (self.social, row.social)):
            for key, value in theirs.items():
                mine.setdefault(key, value)
        self.absorbed = True
        return left_out

    def derived(self, job_id: uuid.UUID) -> Derived:
        if self.row.derived is not None and not self.absorbed:
            return self.row.derived
        return derive(self, job_id, self.row.index)


@dataclass
class Decision:
    action: Literal["create", "merge", "skip", "review"]
    target: "Pending | uuid.UUID | None" = None
    via: tuple[str, str] | None = None

    @property
    def target_id(self) -> uuid.UUID | None:
        return _id_of(self.target) if self.target is not None else None


def resolve_row(
    row: ParsedRow, policy: DuplicatePolicy, in_batch: dict[tuple[str, str], "Pending | uuid.UUID"],
    in_store: dict[tuple[str, str], uuid.UUID], apart: Collection[uuid.UUID] = (),
    kinds: dict[uuid.UUID, str] | None = None,
) -> Decision:
    """What to do with one valid row by its exact keys: the single place where a row meets the
    existing contacts by identifier. `in_batch` holds the identifiers of the rows already resolved
    in this batch (to a contact about to be created, or to an existing one); `in_store` those
    found in the workspace, including the rows of earlier batches of the same file; the row is
    never the contact of an id in `apart`, but for its own. `kinds`: the stored contacts' kinds,
    since a person is never an organization or group (their shared email or phone is the
    office's, as the identity engine has it), but by the id a JSONL line gives."""
    may_be = _MAY_BE[row.kind]
    for key in row.keys():
        for target in (in_batch.get(key), in_store.get(key)):  # the batch's own first
            if target is None:
                continue
            target_id = _id_of(target)
            if target_id in apart and target_id != row.given_id:
                continue
            kind = target.kind if isinstance(target, Pending) else (kinds or {}).get(target_id)
            if key[0] != "id" and kind is not None and kind not in may_be:
                continue
            return _by_policy(policy, target, key)
    return Decision("create")


# the stored kinds a row of each kind may be (identity.same_kinds, made once, not per row)
_MAY_BE = {kind: identity.same_kinds({"kind": kind}) for kind in ("person", "organization", "group")}


def _another_person(row: ParsedRow, decision: Decision, stored: dict[uuid.UUID, list[dict[str, Any]]]) -> bool:
    """A person row that found a person by a shared email or phone whose first name differs
    outright, with nothing personal saying they are one (the engine's names_clash): a
    household's phone, an office's switchboard, not the same person; an import does not fold
    them together unasked, as no other write does."""
    if row.kind != "person" or row.derived is None or decision.via is None or decision.via[0] not in ("email", "phone"):
        return False  # (a JSONL line has no profile made for it: a backup's people were resolved already)
    target = decision.target
    if isinstance(target, Pending):
        theirs = [_profile(target.row)] if target.row.derived is not None else None
    else:
        theirs = stored.get(target)
    return bool(theirs) and names_clash(compare_cluster(_profile(row), theirs).reasons)


def _id_of(target: "Pending | uuid.UUID") -> uuid.UUID:
    return target.id if isinstance(target, Pending) else target


class BatchLikeness:
    """The contacts a batch is about to create, filed by their blocking keys, so that with
    match=fuzzy a row is also compared with the rows before it in the same batch (the stored
    contacts, earlier batches included, are the identity index's)."""

    def __init__(self) -> None:
        self.by_key: dict[str, dict[uuid.UUID, Pending]] = {}
        self.records: dict[uuid.UUID, list[dict[str, Any]]] = {}  # the profiles each is made of

    def file(self, target: Pending, profile: dict[str, Any]) -> None:
        """`target` is (or now also absorbs) the record `profile`."""
        self.records.setdefault(target.id, []).append(profile)
        for key in blocking_keys(profile):
            self.by_key.setdefault(key, {})[target.id] = target

    def best(self, profile: dict[str, Any]) -> tuple[identity.Match, Pending] | None:
        kinds = identity.same_kinds(profile)
        candidates = {i: p for key in blocking_keys(profile) for i, p in self.by_key.get(key, {}).items()
                      if p.kind in kinds}
        scored = []
        for contact_id, pending in candidates.items():
            score = compare_cluster(profile, self.records[contact_id])
            scored.append((identity.Match(contact_id, round(score.total, 2), score.reasons, False), pending))
        return max(scored, key=lambda pair: pair[0].score, default=None)


def resolve_by_likeness(session: Session, workspace_id: uuid.UUID, profile: dict[str, Any], policy: DuplicatePolicy,
                        batch: BatchLikeness) -> Decision:
    """What to do with a row that matched nobody exactly (match=fuzzy): the best-scoring of the
    stored contacts (by the identity engine) and of the batch's own new ones, when it is likely
    the same person."""
    stored = identity.rank(session, workspace_id, profile, limit=1)
    best: tuple[identity.Match, Pending | uuid.UUID] | None = (stored[0], stored[0].contact_id) if stored else None
    in_batch = batch.best(profile)
    if in_batch is not None and (best is None or in_batch[0].score > best[0].score):
        best = in_batch
    if best is None:
        return Decision("create")
    match, target = best
    if match.decision == "distinct" or (match.decision == "review" and policy != "review"):
        return Decision("create")
    return _by_policy(policy, target, ("likeness score", f"{match.score:g}"))


def _by_policy(policy: DuplicatePolicy, target, via: tuple[str, str]) -> Decision:
    if policy == "merge":
        return Decision("merge", target, via)
    if policy == "skip":
        return Decision("skip", target, via)
    if policy == "review":
        return Decision("review", target, via)
    return Decision("create", target, via)  # policy create: written anyway, the match noted


# ---------------------------------------------------------------- the batch engine

@dataclass
class Counters:
    created: int = 0
    merged: int = 0
    skipped: int = 0
    invalid: int = 0
    review: int = 0

    @property
    def processed(self) -> int:
        return self.created + self.merged + self.skipped + self.invalid + self.review

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "merged": self.merged, "skipped": self.skipped,
                "invalid": self.invalid, "review": self.review}


class _Importer:
    def __init__(self, actor: Actor, job_id: uuid.UUID, options: ImportOptions, headers: list[str],
                 parser: RowParser, settings: Settings):
        self.actor = actor
        self.ws = actor.workspace_id
        self.job_id = job_id
        self.options = options
        self.headers = headers
        self.parser = parser
        self.group_ids: dict[str, uuid.UUID | None] = {}  # lower-cased group name -> id (None: not found)
        self.totals = Counters()
        self.sqlite_cache_mb = settings.import_sqlite_cache_mb
        self.lease_seconds = settings.import_lease_seconds  # each batch renews the job's lease (see claim_next)
        self.analyzed = False  # fresh planner statistics taken (PostgreSQL)
        # Contacts made from the file's exported lines (a JSONL line with its id): the store they
        # come from had resolved its people already, so another of its lines is another contact
        # even when the two share an email (a household's), and is never merged into it.
        self.restored: set[uuid.UUID] = set()
        self.kinds: dict[uuid.UUID, str] = {}  # of the contacts the rows' keys found, or made from lines

    # one batch, in the caller's transaction
    def run_batch(self, session: Session, batch: list[ParsedRow]) -> Counters:
        counts = Counters()
        outcomes: list[list] = []
        valid = []
        for row in batch:
            if row.errors:
                outcomes.append(self._outcome(row, "invalid", None, errors=row.errors, raw=row.raw(self.headers)))
                counts.invalid += 1
            else:
                valid.append(row)
        in_store, ids_held = self._lookup(session, valid)
        # the records of the stored people the rows found by an email or phone (one query a batch)
        found_people = identity_repo.profiles(session, self.ws, list({
            contact_id for (kind, _), contact_id in in_store.items()
            if kind in ("email", "phone") and self.kinds.get(contact_id) == "person"}))
        in_batch: dict[tuple[str, str], Pending | uuid.UUID] = {}
        pending: list[Pending] = []
        merges: dict[uuid.UUID, list[ParsedRow]] = {}
        members: list[tuple[ParsedRow, uuid.UUID]] = []
        reviews: list[tuple[uuid.UUID, uuid.UUID]] = []  # (the row's new contact, the one it may duplicate)
        likeness = BatchLikeness()
        for row in valid:
            exported = row.document is not None and row.given_id is not None
            apart = self.restored if exported else ()
            decision = resolve_row(row, self.options.on_duplicate, in_batch, in_store, apart, self.kinds)
            if decision.action in ("merge", "skip") and _another_person(row, decision, found_people):
                decision = Decision("review", decision.target, decision.via)  # created, and the pair queued
            # a group is known by its name only
            profile = _profile(row) if self.options.match == "fuzzy" and row.kind != "group" else None
            if decision.via is None and profile is not None:
                decision = resolve_by_likeness(session, self.ws, profile, self.options.on_duplicate, likeness)
                if decision.target_id in apart and decision.target_id != row.given_id:
                    decision = Decision("create")
            note = f"matches contact {decision.target_id} by {decision.via[0]} {decision.via[1]}" if decision.via else None
            if decision.action in ("create", "review"):
                dropped = None
                if row.document is not None:
                    try:
                        new, dropped = self._create_document(session, row, ids_held)
                    except InvalidInput as exc:  # a rule only the store can check (an attribute's definition)
                        errors = [{"column": escape_unstorable(e.field), "field": escape_unstorable(e.field),
                                   "reason": escape_unstorable(e.message)} for e in exc.errors]
                        outcomes.append(self._outcome(row, "invalid", None, errors=errors, raw=row.raw(self.headers)))
                        counts.invalid += 1
                        continue
                else:
                    new = Pending.from_row(row)
                    pending.append(new)
                    if profile is not None:
                        likeness.file(new, profile)
                for key in row.keys():
                    in_batch.setdefault(key, new)
                status = "review" if decision.action == "review" else "created"
                if decision.action == "review":
                    note = f"created; possible duplicate: {note}"
                elif note:
                    note = f"created anyway; {note}"
                if dropped:
                    note = f"{note}; {dropped}" if note else dropped
                contact_id = new if isinstance(new, uuid.UUID) else new.id
                if exported:
                    self.restored.add(contact_id)
                if isinstance(new, uuid.UUID):
                    self.kinds[new] = row.kind
                if decision.action == "review" and decision.target_id is not None:
                    reviews.append((contact_id, decision.target_id))
                outcomes.append(self._outcome(row, status, contact_id, note=note))
                members.append((row, contact_id))
                setattr(counts, status, getattr(counts, status) + 1)
            elif decision.action == "merge":
                dropped = self._only_known(session, row) if row.document is not None else None
                if isinstance(decision.target, Pending):
                    full = decision.target.absorb(row)
                    if full:
                        dropped = "; ".join(filter(None, [dropped, _full_note(full)]))
                    if profile is not None:
                        likeness.file(decision.target, profile)
                else:
                    merges.setdefault(decision.target, []).append(row)
                for key in row.keys():
                    in_batch.setdefault(key, decision.target)
                note = f"merged: {note}; {dropped}" if dropped else f"merged: {note}"
                outcomes.append(self._outcome(row, "merged", decision.target_id, note=note))
                members.append((row, decision.target_id))
                counts.merged += 1
            else:
                outcomes.append(self._outcome(row, "skipped", decision.target_id, note=f"skipped: {note}"))
                counts.skipped += 1
            if row.kind == "group":
                self.group_ids.setdefault(row.name.lower(), outcomes[-1][4])
        left_out = self._merge_into_store(session, merges)
        if left_out:  # a merge that could not take everything says what it left out
            for outcome in outcomes:
                if outcome[2] in left_out and outcome[3] == "merged":
                    outcome[6] = f"{outcome[6]}; {left_out[outcome[2]]}" if outcome[6] else left_out[outcome[2]]
        self._create(session, pending)
        # in the review queue (/v1/duplicates) too, where accepting a pair merges it
        identity.queue_pairs(session, self.ws, reviews)
        notes = self._join_groups(session, members)
        for index, extra in self._join_organizations(session, members).items():
            notes[index] = f"{notes[index]}; {extra}" if index in notes else extra
        if notes:
            for outcome in outcomes:
                extra = notes.get(outcome[2])
                if extra:
                    outcome[6] = f"{outcome[6]}; {extra}" if outcome[6] else extra
        repo.insert_outcomes(session, _OUTCOME_COLUMNS, outcomes)
        repo.add_counts(session, self.ws, self.job_id, {**counts.as_dict(), "processed": counts.processed},
                        lease_until=utcnow() + timedelta(seconds=self.lease_seconds))
        for name, n in counts.as_dict().items():
            setattr(self.totals, name, getattr(self.totals, name) + n)
        return counts

    def _lookup(self, session: Session, rows: list[ParsedRow]) -> tuple[dict[tuple[str, str], uuid.UUID], set]:
        """The stored contacts the rows' keys name, and of the ids JSONL rows give, those a
        contact of the workspace already has (a new contact must not take one)."""
        found: dict[tuple[str, str], uuid.UUID] = {}
        wanted: dict[str, list[str]] = {"email": [], "phone": [], "group": [], "id": [], "identifier": []}
        for r in rows:
            for k, v in r.keys():
                wanted[k].append(v)
        for kind in ("email", "phone"):
            for value, ids in contact_repo.contacts_with_points(session, self.ws, kind, wanted[kind]).items():
                found[(kind, value)] = ids[0]
        names = wanted["group"]
        for name, contact_id in repo.groups_by_name(session, self.ws, names).items():
            found[("group", name)] = contact_id
        # a JSONL row's id (the contact it was exported from, or the survivor it merged into) and
        # identifiers, each compared within its key
        held = contact_service.resolve_ids(session, self.actor, [uuid.UUID(i) for i in dict.fromkeys(wanted["id"])])
        for given, live in held.items():
            if live is not None:
                found[("id", str(given))] = live
        by_key: dict[str, list[str]] = {}
        for pair in wanted["identifier"]:
            key, _, value = pair.partition("=")
            by_key.setdefault(key, []).append(value)
        for key, values in by_key.items():
            for value, ids in contact_repo.contacts_with_points(session, self.ws, "identifier", values, key).items():
                found[("identifier", f"{key}={value}")] = ids[0]
        self.kinds.update(contact_repo.kinds_of(session, self.ws, set(found.values()) - self.kinds.keys()))
        return found, set(held)

    def _create_document(self, session: Session, row: ParsedRow, ids_held: set) -> tuple[uuid.UUID, str | None]:
        """A JSONL row's contact, created whole through the contact service, under the id it was
        exported with when no contact here holds that id (`ids_held`, which the new contact's
        id joins). The lists and accounts it names that
        this workspace does not have are left out (a restore into another workspace still
        brings the contact in); what was left out is answered as the row's note."""
        note = self._only_known(session, row)
        kept = contact_service.Restored(id=row.given_id if row.given_id not in ids_held else None,
                                        created_at=row.given_created_at, updated_at=row.given_updated_at,
                                        address_ids=row.given_address_ids)
        view = contact_service.create(session, self.actor, row.document, WriteOptions(on_duplicate="create"), kept)
        ids_held.add(view.id)
        return view.id, note

    def _only_known(self, session: Session, row: ParsedRow) -> str | None:
        """Leaves out of a JSONL row the lists and accounts this workspace does not have (a
        backup restores into another workspace too), and says what was left out."""
        data = row.document
        dropped = []
        if data.lists:
            known = simple_repo.existing_list_ids(session, self.ws, data.lists)
            dropped += [f"list {i}" for i in data.lists if i not in known]
            data = data.model_copy(update={"lists": [i for i in data.lists if i in known]})
        if data.accounts:
            known = simple_repo.existing_account_ids(session, self.ws, [a.id for a in data.accounts])
            dropped += [f"account {a.id}" for a in data.accounts if a.id not in known]
            data = data.model_copy(update={"accounts": [a for a in data.accounts if a.id in known]})
        row.document = data
        return LEFT_OUT + ", ".join(dropped) if dropped else None

    def _merge_into_store(self, session: Session, merges: dict[uuid.UUID, list[ParsedRow]]) -> dict[int, str]:
        """Fills the existing contacts' empty fields and adds new emails and phones, through the
        contact service (so the change is checked and recorded like any other update). Answers
        a note for each row (by index) whose emails, phones or identifiers were left out."""
        notes: dict[int, str] = {}
        if not merges:
            return notes
        views = {v.id: v for v in contact_service.get_many(session, self.actor, list(merges))}
        for contact_id, rows in merges.items():
            view = views.get(contact_id)
            if view is None:
                continue
            patch, left_out = merge_patch(view, rows)
            if patch is not None:
                contact_service.update(session, self.actor, contact_id, patch,
                                       WriteOptions(on_duplicate="create", strict_phones=False), current=view)
            if left_out:
                notes.update((row.index, _full_note(left_out)) for row in rows)
        return notes

    def _create(self, session: Session, pending: list[Pending]) -> None:
        """Writes the batch's new contacts, table by table, rows given as tuples (the bulk
        path: one statement per table)."""
        # ids as the hex text they are stored as: the same values, without a UUID object each
        ws, now, door, key_id = self.ws.hex, utcnow(), self.actor.door, self.actor.api_key_id
        contacts, points, addresses, attribute_values, history = [], [], [], [], []
        keys, profiles, claims = [], [], []
        for p in pending:
            d = p.derived(self.job_id)
            s = p.scalars
            pid = p.id.hex
            contacts.append((
                ws, pid, p.kind, s.get("display_name"), s.get("prefix"), s.get("first_name"), s.get("middle_name"),
                s.get("last_name"), s.get("suffix"), s.get("nickname"), s.get("salutation"), s.get("organization_name"),
                s.get("official_name"), s.get("title"), s.get("employer"), s.get("occupation"), s.get("birth_date"),
                s.get("notes"),
                d.social_json, d.attributes_json, _EMPTY_DOC, d.search_text, now, now,
            ))
            for kind, values in (("email", p.emails), ("phone", p.phones)):
                for i, (value, normalized, point_type) in enumerate(values):
                    points.append((ws, _fast_hex(), pid, kind, kind, value, normalized, point_type, i == 0, i,
                                   _EMPTY_DOC, now))
            for i, a in enumerate(p.addresses):
                addresses.append((ws, _fast_hex(), pid, a.get("type"), a.get("line1"), a.get("line2"), a.get("city"),
                                  a.get("region"), a.get("postal_code"), a.get("country"), i == 0, i, _EMPTY_DOC, now))
            for key, value in d.attribute_pairs:
                attribute_values.append((ws, pid, key, value))
            history.append((ws, _fast_hex(), "contact", pid, "created", door, key_id, d.event_json, now))
            # filed in the identity index like any other new contact, so later writes and dedupe see them
            for key in d.blocking_keys:
                keys.append((ws, key, pid, pid))
            profiles.append((ws, pid, pid, d.profile_json))
            for key in d.exact_keys:
                claims.append((ws, key, pid))
        repo.insert_created(session, {"contacts": (_CONTACT_COLUMNS, contacts)})
        if not self.analyzed and len(contacts) >= 100:
            self.analyzed = True
            # before the rows that point at the contacts: PostgreSQL plans its foreign-key checks
            # with these statistics (planned on an empty table, each check would scan it)
            repo.refresh_statistics(session)
        repo.insert_created(session, {
            "points": (_POINT_COLUMNS, points),
            "addresses": (_ADDRESS_COLUMNS, addresses), "attribute_values": (_ATTRIBUTE_COLUMNS, attribute_values),
            "events": (_EVENT_COLUMNS, history),
        })
        keys.sort(key=_second)  # in key order: the inserts walk each B-tree's pages in order
        claims.sort(key=_second)
        identity_index.file_new_in_bulk(session, keys, profiles, claims)

    def _join_groups(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]]) -> dict[int, str]:
        """Rows naming groups join them; an unknown group name is created (create_groups) or
        noted on the row."""
        notes: dict[int, str] = {}
        wanted = {g.lower() for row, _ in members for g in (*row.groups, *row.primary_in)} - set(self.group_ids)
        if wanted:
            found = repo.groups_by_name(session, self.ws, wanted)
            for name in wanted:
                self.group_ids[name] = found.get(name)
            if self.options.create_groups:
                self._create_groups(session, members, sorted(n for n in wanted if self.group_ids[n] is None))
        pairs, primary = [], []
        for row, contact_id in members:
            unknown = []
            # a group's primary contact is one of its children too
            leads = {n.lower() for n in row.primary_in}
            for name in _named_once([*row.groups, *row.primary_in]):
                group_id = self.group_ids.get(name.lower())
                if group_id is None:
                    unknown.append(name)
                elif group_id != contact_id:
                    pairs.append((group_id, contact_id))
                    if name.lower() in leads:
                        primary.append((group_id, contact_id))
            if unknown:
                notes[row.index] = NO_GROUP + ", ".join(repr(n) for n in unknown)
        groups_repo.add_relations(session, self.ws, "group_child", pairs, utcnow())
        groups_repo.add_relations(session, self.ws, "group_primary", primary, utcnow())
        return notes

    def _join_organizations(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]]) -> dict[int, str]:
        """JSONL rows naming the organizations they are members of (by id) join them; one this
        workspace does not have is noted on the row (organizations' lines come first)."""
        wanted = list(dict.fromkeys(o for row, _ in members for o in row.organizations))
        if not wanted:
            return {}
        live = contact_service.resolve_ids(session, self.actor, wanted)
        kinds = {v.id: v.kind for v in contact_service.get_many(session, self.actor, [i for i in live.values() if i])}
        notes: dict[int, str] = {}
        pairs = []
        for row, contact_id in members:
            unknown = []
            for given in row.organizations:
                organization = live.get(given)
                if organization is None or kinds.get(organization) != "organization":
                    unknown.append(str(given))
                elif organization != contact_id:
                    pairs.append((organization, contact_id))
            if unknown:
                notes[row.index] = LEFT_OUT + "organization " + ", ".join(unknown)
        groups_repo.add_relations(session, self.ws, organizations.MEMBER, pairs, utcnow())
        return notes

    def _create_groups(self, session: Session, members: list[tuple[ParsedRow, uuid.UUID]], names: list[str]) -> None:
        """New groups for these lower-cased names, each as the first row to name it spelled it."""
        spelled: dict[str, str] = {}
        for row, _ in members:
            for name in (*row.groups, *row.primary_in):
                spelled.setdefault(name.lower(), name)
        for name in names:
            group = contact_service.create(session, self.actor, ContactInput(kind="group", display_name=spelled[name]),
                                           WriteOptions(on_duplicate="create"))
            self.group_ids[name] = group.id

    def _outcome(self, row: ParsedRow, status: str, contact_id, errors=None, note=None, raw=None) -> list:
        """A row of import_rows, its columns in the order of _OUTCOME_COLUMNS."""
        return [self.ws, self.job_id, row.index, status, contact_id, errors, note, raw]


def _named_once(names: list[str]) -> list[str]:
    """Group names, each once whatever its case (the first spelling kept)."""
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


def _profile(row: ParsedRow) -> dict[str, Any]:
    """The row's identity profile, as the parser made it."""
    return orjson.loads(str(row.derived.profile_json))


def _full_note(values: list[str]) -> str:
    """A merged row's note naming the emails, phones or identifiers a full contact could not take."""
    return CONTACT_FULL + ", ".join(values[:10]) + (f" and {len(values) - 10} more" if len(values) > 10 else "")


def merge_patch(view, rows: list[ParsedRow]) -> tuple[ContactInput | None, list[str]]:
    """The update that fills `view`'s empty fields from the rows and adds their new emails,
    phones and identifiers (None when the rows add nothing), and the ones it leaves out: past
    the MAX_POINTS_PER_KIND a contact holds. A JSONL row also brings its points' properties (the
    keys a point lacks), its lists and accounts, and the `extra` keys the contact lacks."""
    data: dict[str, Any] = {}
    left_out: list[str] = []
    for row in rows:
        for name, value in row.scalars.items():
            if getattr(view, name) in (None, "") and name not in data:
                data[name] = value
    for group, existing, model, value_name in (("emails", view.emails, EmailInput, "address"),
                                               ("phones", view.phones, PhoneInput, "number"),
                                               ("identifiers", view.identifiers, IdentifierInput, "value")):
        points = _merged_points(group, existing, model, value_name, rows)
        if points is not None:
            data[group] = points[:MAX_POINTS_PER_KIND]
            left_out += [getattr(p, value_name) for p in points[MAX_POINTS_PER_KIND:]]
    if not view.addresses:
        row = next((r for r in rows if r.addresses), None)
        if row is not None:
            data["addresses"] = (row.document.addresses if row.document is not None
                                 else [AddressInput(**a) for a in row.addresses])
    # the keys the contact lacks (each a patch at one level: the contact's other keys stay)
    for name, stored, values_of in (("attributes", view.attributes, operator.attrgetter("metadata")),
                                    ("social", view.social, operator.attrgetter("social")),
                                    ("extra", view.extra, _extra_of)):
        added: dict[str, Any] = {}
        for row in rows:
            for key, value in values_of(row).items():
                if stored.get(key) is None and key not in added:
                    added[key] = value
        if added:
            data[name] = added
    documents = [r.document for r in rows if r.document is not None]
    lists = list(dict.fromkeys([*view.list_ids, *(i for d in documents for i in d.lists or [])]))
    # (a contact may belong to more than an update names when the lists' own endpoints added
    # it: then it stays as it is rather than lose any)
    if len(view.list_ids) < len(lists) and len(view.list_ids) < MAX_MEMBERSHIPS:
        data["lists"] = lists[:MAX_MEMBERSHIPS]
    accounts = {a.id: AccountLink(id=a.id, position=a.position) for a in view.accounts}
    for link in (a for d in documents for a in d.accounts or []):
        accounts.setdefault(link.id, link)
    if len(view.accounts) < len(accounts) and len(view.accounts) < MAX_MEMBERSHIPS:
        data["accounts"] = list(accounts.values())[:MAX_MEMBERSHIPS]
    return (ContactInput(**data) if data else None), left_out


def _merged_points(group: str, existing, model, value_name: str, rows: list[ParsedRow]) -> list | None:
    """The contact's emails, phones or identifiers with the rows' new ones after them, each
    point given the properties a JSONL row has for it that it lacks; None when nothing changes."""
    kind = group[:-1]
    points, changed = [], False
    for p in existing:
        properties = dict(p.properties)
        for row in rows:
            for name, value in row.point_properties.get((kind, _point_key(p)), {}).items():
                if name not in properties:
                    properties[name] = value
                    changed = True
        fields = {value_name: p.value, "properties": properties}
        if kind == "identifier":
            fields["key"] = p.key
        else:
            fields.update(type=p.type, primary=p.primary)
        points.append(model(**fields))
    known = {_point_key(p) for p in existing}
    for row in rows:
        if kind == "identifier":
            given = [(f"{key}={value}", {"key": key, "value": value}) for key, value in row.identifiers]
        else:
            given = [(normalized, {value_name: value, "type": point_type})
                     for value, normalized, point_type in getattr(row, group)]
        for point_key, fields in given:
            if point_key not in known:
                known.add(point_key)
                points.append(model(**fields, properties=row.point_properties.get((kind, point_key), {})))
                changed = True
    return points if changed else None


def _point_key(point) -> str:
    """How a stored point is known among a row's: an identifier within its key."""
    return f"{point.key}={point.value}" if point.kind == "identifier" else point.normalized


def _extra_of(row: ParsedRow) -> dict[str, Any]:
    return {k: v for k, v in (row.document.extra or {}).items() if v is not None} if row.document else {}


_EMPTY_DOC = JsonText("{}")
_second = operator.itemgetter(1)
_CONTACT_COLUMNS = ("workspace_id", "id", "kind", "display_name", "prefix", "first_name", "middle_name", "last_name",
                    "suffix", "nickname", "salutation", "organization_name", "official_name", "title", "employer",
                    "occupation", "birth_date", "notes", "social", "attributes", "extra", "search_text", "created_at",
                    "updated_at")
_POINT_COLUMNS = ("workspace_id", "id", "contact_id", "kind", "key", "value", "normalized", "type", "is_primary",
                  "position", "properties", "created_at")
_ADDRESS_COLUMNS = ("workspace_id", "id", "contact_id", "type", "line1", "line2", "city", "region", "postal_code",
                    "country", "is_primary", "position", "properties", "created_at")
_ATTRIBUTE_COLUMNS = ("workspace_id", "contact_id", "key", "value")
_OUTCOME_COLUMNS = ("workspace_id", "job_id", "row_index", "status", "contact_id", "errors", "note", "raw")
_EVENT_COLUMNS = ("workspace_id", "id", "subject_type", "subject_id", "action", "door", "api_key_id", "changes",
                  "created_at")
