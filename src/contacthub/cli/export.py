"""`export`: every contact as CSV (the columns `contacthub import` reads back), JSONL, or vCard."""

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from contacthub.cli.common import app, console, database, progress_bar, workspace_actor
from contacthub.core import contacts
from contacthub.core.actor import Actor
from contacthub.core.vcards import write_card
from contacthub.db.engine import Database
from contacthub.dialects.native.schemas import render_contact
from contacthub.repositories.contacts import ContactFilter

EXPORT_COLUMNS = ("id", "kind", "display_name", "first_name", "last_name", "organization_name", "title",
                  "employer", "email", "phone", "line1", "city", "postal_code", "country", "created_at")


# after those: line2, region, notes, groups (the names of the groups holding the contact, joined
# by "|"), the name's other parts, the birth date and the types of the primary email, phone and
# address, then email_2, email_2_type…, phone_2…, social.<network> and metadata.<key> as the
# contacts need them
# the columns of each further address: address_2_line1, …, address_2_type
ADDRESS_PARTS = ("line1", "line2", "city", "region", "postal_code", "country", "type")
EXPORT_MORE_COLUMNS = ("line2", "region", "notes", "groups", "prefix", "middle_name", "suffix", "nickname", "birth_date",
                       "email_type", "phone_type", "address_type")


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout). "
                                                "Written whole or not at all: an interrupted export leaves "
                                                "no partial file.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="csv (one row per contact, the columns "
                                        "`contacthub import` reads), jsonl (every field, one JSON "
                                        "contact per line, its groups' names beside; `contacthub import` "
                                        "restores it) or vcf (a vCard 3.0 per person and "
                                        "organization, for phones and address books).")] = "jsonl",
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
):
    """Export every contact, streamed page by page (memory stays flat)."""
    format = format.lower()
    if format not in ("csv", "jsonl", "vcf"):
        raise typer.BadParameter("use csv, jsonl or vcf", param_hint="--format")
    if output is not None:
        output = output.expanduser()
        if output.is_dir():
            raise typer.BadParameter(f"{output} is a directory; name a file in it", param_hint="--output")
        if not output.parent.is_dir():
            raise typer.BadParameter(f"no directory {output.parent}", param_hint="--output")
    db = database()
    actor = workspace_actor(db, workspace)
    with db.read() as session:
        total = contacts.count(session, actor)
    part = output.with_name(f".{output.name}.part") if output else None
    try:
        out = part.open("w", newline="", encoding="utf-8") if part else sys.stdout
    except OSError as exc:
        raise typer.BadParameter(f"cannot write there: {exc.strerror}", param_hint="--output") from None
    done = [0]
    try:
        with progress_bar(disabled=output is None) as progress:
            task = progress.add_task("Exporting", total=total)

            def advance(n: int) -> None:
                progress.advance(task, n)
                done[0] += n

            contacts_and_groups = _export_views(db, actor, advance)
            if format == "csv":
                _write_csv(out, contacts_and_groups)
            elif format == "vcf":
                for view, held in contacts_and_groups:
                    if view.kind != "group":  # a group is its members' CATEGORIES, not a card of its own
                        out.write(write_card(view, held))
            else:
                for view, held in contacts_and_groups:
                    out.write(json.dumps(jsonl_record(view, held), ensure_ascii=False) + "\n")
        out.flush()
    except KeyboardInterrupt:
        if part:
            out.close()
            part.unlink(missing_ok=True)
        where = f"{output} was not written" if output else "the output above is incomplete"
        console.print(f"[yellow]Export interrupted[/] after {done[0]:,} of {total:,} contacts; {where}.")
        raise typer.Exit(130) from None
    except BaseException:
        if part:
            out.close()
            part.unlink(missing_ok=True)
        raise
    if part:
        out.close()
        part.replace(output)
        console.print(f"Exported {total} contacts to {output}.")


def jsonl_record(view, groups: list[str]) -> dict:
    """One contact of a JSONL export: the native shape, and beside it what a restore needs that
    the API does not show: `extra` (the fields only a vendor door reads, such as ChartMogul's
    lead dates) and the names of the groups holding the contact, which `contacthub import`
    joins it to again."""
    return {**render_contact(view), "extra": view.extra, "groups": groups}


def _export_views(db: Database, actor: Actor, advance):
    """(contact, the names of the groups holding it) for every contact, page by page."""
    from contacthub.core import groups

    cursor = None
    while True:
        with db.read() as session:
            page = contacts.list_page(session, actor, ContactFilter(), cursor, 500)
            held = groups.names_holding(session, actor, [v.id for v in page.items])
        for view in page.items:
            yield view, held.get(view.id, [])
        advance(len(page.items))
        if not page.has_more:
            return
        cursor = page.next_cursor


def _write_csv(out, contacts_and_groups) -> None:
    """The CSV export: the fixed columns, then as many email_N / phone_N columns as the contacts
    need, one social.<network> column per social network and one metadata.<path> column per
    attribute. The rows go to a temporary file first (memory stays flat), since the header is
    only known at the end."""
    import tempfile

    fixed = set(EXPORT_COLUMNS + EXPORT_MORE_COLUMNS)
    extra: dict[str, None] = {}  # ordered set of the columns found
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for view, held in contacts_and_groups:
            # the names of the groups holding it joined by "|", as the import's Groups column reads them
            row = _flat({**render_contact(view), "groups": "|".join(held) or None})
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
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        spool.seek(0)
        for line in spool:
            writer.writerow(json.loads(line))


def _flat(record: dict) -> dict:
    """One contact as one CSV row: the primary email, phone and address in the fixed columns,
    further emails and phones in email_2, phone_2… (their types, where they have one, in
    email_2_type…), further addresses in address_2_line1…, social profiles in social.<network>,
    attributes in metadata.<path> (nested objects as dotted paths, lists and numbers as JSON)."""
    emails = sorted(record["emails"], key=lambda e: not e.get("primary"))
    phones = sorted(record["phones"], key=lambda p: not p.get("primary"))
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
