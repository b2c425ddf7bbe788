"""`export`: every contact as CSV (the columns `contacthub import` reads back), JSONL, or vCard
(written by dialects/native/exports.py, which `GET /v1/export` streams too), into a file whole or
not at all, with a progress bar."""

import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer

from contacthub.cli.common import app, console, database, progress_bar, workspace_actor
from contacthub.core import contacts, lists
from contacthub.core.errors import NotFound
from contacthub.dialects.native.exports import FORMATS, contacts_and_groups, write
from contacthub.core.contacts import ContactFilter


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
    kind: Annotated[str | None, typer.Option(help="Only contacts of this kind: person, organization or group.")] = None,
    list_id: Annotated[str | None, typer.Option("--list", help="Only the members of this list (its id).")] = None,
):
    """Export every contact (or those --kind and --list keep), streamed page by page (memory
    stays flat)."""
    format = format.lower()
    if format not in FORMATS:
        raise typer.BadParameter("use csv, jsonl or vcf", param_hint="--format")
    if kind is not None and kind not in ("person", "organization", "group"):
        raise typer.BadParameter("use person, organization or group", param_hint="--kind")
    if output is not None:
        output = output.expanduser()
        if output.is_dir():
            raise typer.BadParameter(f"{output} is a directory; name a file in it", param_hint="--output")
        if not output.parent.is_dir():
            raise typer.BadParameter(f"no directory {output.parent}", param_hint="--output")
    db = database()
    actor = workspace_actor(db, workspace)
    flt = ContactFilter(kind=kind, list_id=_list_of(db, actor, list_id) if list_id else None)
    with db.read() as session:
        total = contacts.count(session, actor, flt)
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

            for piece in write(format, contacts_and_groups(db, actor, advance, flt)):
                out.write(piece)
        out.flush()
    except KeyboardInterrupt:
        if part:
            out.close()
            part.unlink(missing_ok=True)
        where = f"{output} was not written" if output else "the output above is incomplete"
        console.print(f"[yellow]Export interrupted[/] after {done[0]:,} of {total:,} contacts; {where}.",
                      soft_wrap=True)
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


def _list_of(db, actor, list_id: str) -> uuid.UUID:
    """The id of a list of the workspace, or a bad --list (exit 2)."""
    try:
        wanted = uuid.UUID(list_id)
        with db.read() as session:
            return lists.get(session, actor, wanted).id
    except (ValueError, NotFound):
        raise typer.BadParameter(f"no list {list_id} in this workspace", param_hint="--list") from None
