"""Every contact of a workspace as a file: JSONL (the native shape, what `contacthub import`
restores), CSV (the columns `contacthub import` reads back) or vCard 3.0. One writer for both
doors that export: the CLI (`contacthub export`) and `GET /v1/export`.

The contacts are read page by page (memory stays flat), each page in its own read transaction:
an export taken while others write is not one snapshot, but every contact in it is whole."""

import csv
import io
import json
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Query
from fastapi.responses import StreamingResponse

from contacthub.core import contacts, groups, organizations
from contacthub.core.actor import Actor
from contacthub.core.normalize import with_extension
from contacthub.core.vcards import groups_cell, write_card
from contacthub.core.views import ContactView
from contacthub.db.engine import Database
from contacthub.dialects.common import storable_params
from contacthub.dialects.native.filters import contact_filter
from contacthub.dialects.native.schemas import render_contact
from contacthub.core.contacts import ContactFilter

ExportFormat = Literal["jsonl", "csv", "vcf"]
FORMATS = ("jsonl", "csv", "vcf")
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv", "vcf": "text/vcard"}
PAGE = 500

EXPORT_COLUMNS = ("id", "kind", "display_name", "first_name", "last_name", "organization_name", "title",
                  "employer", "email", "phone", "line1", "city", "postal_code", "country", "created_at")
# after those: line2, region, notes, groups (the names of the groups holding the contact, as
# vcards.groups_cell joins them), the name's other parts, the birth date and the types of the primary email, phone and
# address, the salutation, occupation and official name, then email_2, email_2_type…, phone_2…, social.<network> and metadata.<key> as the
# contacts need them
EXPORT_MORE_COLUMNS = ("line2", "region", "notes", "groups", "prefix", "middle_name", "suffix", "nickname", "birth_date",
                       "email_type", "phone_type", "address_type", "salutation", "occupation", "official_name")
# the columns of each further address: address_2_line1, …, address_2_type
ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country", "type")

@dataclass
class Around:
    """What holds an exported contact: the names of its groups (and of those it is a primary
    contact of), the ids of its organizations."""

    groups: list[str]
    organizations: list[uuid.UUID]
    primary_in: list[str]


Contacts = Iterator[tuple[ContactView, Around]]


def contacts_and_groups(db: Database, actor: Actor, advance: Callable[[int], None] | None = None,
                        flt: ContactFilter | None = None) -> Contacts:
    """(contact, the groups and organizations holding it) for every contact (that `flt` keeps),
    page by page; `advance` is told how many each page brought."""
    cursor, flt = None, flt or ContactFilter()
    while True:
        with db.read() as session:
            page = contacts.list_page(session, actor, flt, cursor, PAGE)
            ids = [v.id for v in page.items]
            held = groups.names_holding(session, actor, ids)
            leads = groups.names_holding(session, actor, ids, primary_only=True)
            member_of = organizations.memberships(session, actor, ids)
        for view in page.items:
            yield view, Around(held.get(view.id, []), member_of.get(view.id, []), leads.get(view.id, []))
        if advance:
            advance(len(page.items))
        if not page.has_more:
            return
        cursor = page.next_cursor


CHUNK = 64 * 1024  # characters handed on at a time: one per contact cost a send (or a write) each


def write(file_format: str, items: Contacts) -> Iterator[str]:
    """The export's text, in pieces of about CHUNK characters."""
    if file_format == "csv":
        yield from _csv(items)
    elif file_format == "vcf":
        # a group is its members' CATEGORIES, not a card of its own
        yield from _chunked(write_card(view, held.groups) for view, held in items if view.kind != "group")
    else:
        yield from _chunked(json.dumps(jsonl_record(view, held), ensure_ascii=False) + "\n" for view, held in items)


def _chunked(pieces: Iterator[str]) -> Iterator[str]:
    buffered, size = [], 0
    for piece in pieces:
        buffered.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield "".join(buffered)
            buffered, size = [], 0
    if buffered:
        yield "".join(buffered)


def jsonl_record(view: ContactView, held: Around) -> dict:
    """One contact of a JSONL export: the native shape, and beside it what a restore needs that
    the API does not show: `extra` (the fields only a vendor door reads, such as ChartMogul's
    lead dates), the names of the groups holding the contact (`primary_in`: those it is a primary
    contact of) and the ids of the organizations it is a member of, which `contacthub import`
    joins it to again."""
    return {**render_contact(view), "extra": view.extra, "groups": held.groups, "primary_in": held.primary_in,
            "organizations": [str(i) for i in held.organizations]}


def _csv(items: Contacts) -> Iterator[str]:
    """The CSV export: the fixed columns, then as many email_N / phone_N columns as the contacts
    need, one social.<network> column per social network and one metadata.<path> column per
    attribute. The rows go to a temporary file first (memory stays flat), since the header is
    only known at the end."""
    fixed = set(EXPORT_COLUMNS + EXPORT_MORE_COLUMNS)
    extra: dict[str, None] = {}  # ordered set of the columns found
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for view, held in items:
            # the names of the groups holding it, joined as the import's Groups column reads them
            row = _flat({**render_contact(view), "groups": groups_cell(held.groups) or None})
            row = {k: v for k, v in row.items()
                   if k in fixed or k.startswith(("email_", "phone_", "address_", "social.", "metadata."))}
            for key in row:
                if key not in fixed and key not in extra:
                    extra[key] = None
            spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        numbered = sorted((k for k in extra if k.startswith(("email_", "phone_"))),  # email_2, email_2_type, …
                          key=lambda k: (k.split("_")[0], int(k.split("_")[1]), k.endswith("_type")))
        more_addresses = sorted((k for k in extra if k.startswith("address_")),  # address_2_line1, …
                                key=lambda k: (int(k.split("_")[1]), ADDRESS_PARTS.index(k.split("_", 2)[2])))
        social = sorted(k for k in extra if k.startswith("social."))
        attributes = sorted(k for k in extra if k.startswith("metadata."))
        columns = [*EXPORT_COLUMNS, *EXPORT_MORE_COLUMNS, *numbered, *more_addresses, *social, *attributes]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, extrasaction="ignore")
        writer.writeheader()
        spool.seek(0)
        for line in spool:
            writer.writerow(json.loads(line))
            if buffer.tell() > CHUNK:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()


def _flat(record: dict) -> dict:
    """One contact as one CSV row: the primary email, phone and address in the fixed columns,
    further emails and phones in email_2, phone_2… (their types, where they have one, in
    email_2_type…), further addresses in address_2_line1…, social profiles in social.<network>,
    attributes in metadata.<path> (nested objects as dotted paths, lists and numbers as JSON)."""
    emails = sorted(record["emails"], key=lambda e: not e.get("primary"))
    # a phone's extension after its number, as imports read it back (`+16502530000 ext. 123`)
    phones = [{**p, "number": with_extension(p["number"], p.get("extension"))}
              for p in sorted(record["phones"], key=lambda p: not p.get("primary"))]
    addresses = sorted(record["addresses"], key=lambda a: not a.get("primary"))
    address = addresses[0] if addresses else {}
    row = {**record, "email": emails[0]["address"] if emails else None,
           "email_type": emails[0]["type"] if emails else None,
           "phone": phones[0]["number"] if phones else None, "phone_type": phones[0]["type"] if phones else None,
           "address_type": address.get("type"),
           **{k: address.get(k) for k in ("line1", "line2", "city", "region", "postal_code", "country")}}
    for kind, points, value in (("email", emails, "address"), ("phone", phones, "number")):
        for n, point in enumerate(points[1:], start=2):
            row[f"{kind}_{n}"] = point[value]
            if point["type"]:
                row[f"{kind}_{n}_type"] = point["type"]
    for n, other in enumerate(addresses[1:], start=2):
        for part in ADDRESS_PARTS:
            if other.get(part):
                row[f"address_{n}_{part}"] = other[part]

    def attributes(prefix: str, value) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                attributes(f"{prefix}.{key}", inner)
        elif value is not None:
            row[prefix] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    for network, profile in (record.get("social") or {}).items():
        if profile:
            row[f"social.{network}"] = profile
    for key, value in (record.get("attributes") or {}).items():
        attributes(f"metadata.{key}", value)
    return row


def install(app: FastAPI, db: Database, actor_dependency) -> None:
    Caller = Annotated[Actor, Depends(actor_dependency)]

    @app.get("/export", tags=["contacts"], response_class=StreamingResponse,
             dependencies=[Depends(storable_params)],
             responses={200: {"content": {
        "application/x-ndjson": {"schema": {"type": "string"}}, "text/csv": {"schema": {"type": "string"}},
        "text/vcard": {"schema": {"type": "string"}}}, "description": "The workspace's contacts, streamed"}})
    def export(caller: Caller, flt: Annotated[ContactFilter, Depends(contact_filter)],
               format: Annotated[ExportFormat, Query(description=(
            "jsonl: a contact a line, this API's shape with `extra` and `groups` beside (POST /v1/imports "
            "restores it); csv: a row a contact, the columns imports read back; vcf: a vCard 3.0 per "
            "person and organization"))] = "jsonl"):
        """Every contact of the workspace as one file, streamed as it is read (an attachment
        named `contacts.<format>`): what `contacthub export` writes. The filters of `GET
        /v1/contacts` (`kind`, `name`, `email`, `phone`, `list`, `account`, `group`,
        `organization`, `identifier`, `q`, `attributes.<key>=<value>`)
        export only the contacts they keep. Not one snapshot: each page of 500 contacts is read
        in its own transaction."""
        with db.read() as session:  # a bad filter is a 422 now, not a broken stream later
            flt = contacts.checked_filter(session, caller, flt)
        return StreamingResponse(
            write(format, contacts_and_groups(db, caller, flt=flt)),
            media_type=f"{MEDIA_TYPES[format]}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="contacts.{format}"'},
        )
