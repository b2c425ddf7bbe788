"""The `contacthub` command: serve, init, keys, export, migrate. It calls the same core
services as the HTTP doors; events it causes are recorded with door "cli"."""

import csv
import json
import os
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Column, Table

from contacthub.app import DOORS
from contacthub.core import contacts, workspaces
from contacthub.core.actor import Actor
from contacthub.core.errors import DomainError
from contacthub.db.engine import Database
from contacthub.db.migrate import upgrade
from contacthub.dialects.native.schemas import render_contact
from contacthub.repositories import simple as simple_repo
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import get_settings

app = typer.Typer(help="contacthub: a self-hosted contacts service. Every command works on the database named by "
                        "CONTACTHUB_DATABASE_URL (default sqlite:///./contacthub.db), bringing its schema up to date "
                        "first.", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


def _database() -> Database:
    settings = get_settings()
    _upgrade(settings.database_url)
    return Database(settings.database_url, settings.write_wait_seconds)


def _shown_url(url: str) -> str:
    """The database URL as it may be printed: without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


def _upgrade(url: str) -> None:
    """Migrates, or says in one line why the database cannot be used (exit 1)."""
    try:
        upgrade(url)
    except Exception as exc:  # a bad URL, a missing driver, a server that is down, a file that is no database
        reason = _first_line(getattr(exc, "orig", None) or exc)
        hint = ""
        if url.startswith("sqlite") and "unable to open" in reason:
            hint = " (does its directory exist?)"
        elif "Can't locate revision" in reason:
            hint = " (its schema was made by a newer contacthub)"
        console.print(f"[red]Cannot use the database {_shown_url(url)}:[/] {reason}{hint}. "
                      "Set CONTACTHUB_DATABASE_URL to a SQLite file (sqlite:///path/contacthub.db) or "
                      "postgresql+psycopg://user:pass@host/db.", soft_wrap=True)
        raise typer.Exit(1) from None


def _first_line(exc: BaseException | str) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".")


def _workspace_actor(db: Database, workspace: str | None) -> Actor:
    with db.read() as session:
        if workspace:
            try:
                workspace_id = uuid.UUID(workspace)
            except ValueError:
                raise typer.BadParameter("not a workspace id", param_hint="--workspace") from None
            if all(w.id != workspace_id for w in simple_repo.workspaces(session)):
                console.print(f"[red]No workspace {workspace_id}.[/] `contacthub init --json` prints a new "
                              "workspace's id.", soft_wrap=True)
                raise typer.Exit(1)
        else:
            first = simple_repo.first_workspace(session)
            if first is None:
                console.print("[red]No workspace yet.[/] Run [bold]contacthub init[/] first.")
                raise typer.Exit(1)
            workspace_id = first.id
    return Actor(workspace_id, None, "cli")


@app.command()
def migrate():
    """Bring the database schema up to date (every other command does it too)."""
    _upgrade(get_settings().database_url)
    console.print(f"[green]Database is up to date:[/] {_shown_url(get_settings().database_url)}", soft_wrap=True)


@app.command()
def init(name: Annotated[str, typer.Option(help="Workspace name.")] = "default", json_out: JsonFlag = False):
    """Create a workspace and its first API key (the key is shown once). Another workspace when
    one exists already (`keys create` adds a key to an existing one)."""
    db = _database()
    with db.write() as session:
        first = simple_repo.first_workspace(session)
        new = workspaces.create_workspace(session, name)
    _print_key(new, json_out, "Workspace created.")
    if first is not None:  # e.g. after `make serve` made one: the keys printed then belong to that one
        console.print(f"[yellow]Note:[/] this is a new, empty workspace; the first one is {first.id}. For a key "
                      "to an existing workspace, use [bold]contacthub keys create[/] (--workspace <id>).",
                      soft_wrap=True)


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    name: Annotated[str, typer.Option(help="A label for the key, shown by `keys list` (default: none).")] = "",
    json_out: JsonFlag = False,
):
    """Create an API key (shown once)."""
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.write() as session:
        new = workspaces.create_key(session, actor.workspace_id, name)
    _print_key(new, json_out, "Key created.")


@keys_app.command("list")
def keys_list(workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
              json_out: Annotated[bool, typer.Option("--json", help="Print a JSON array for scripts.")] = False):
    """List the keys of a workspace (their prefixes; keys themselves are never stored)."""
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.read() as session:
        rows = workspaces.list_keys(session, actor.workspace_id)
    if json_out:
        print(json.dumps([{"key_id": str(k.id), "prefix": k.prefix, "name": k.name,
                           "created_at": k.created_at.isoformat(),
                           "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None} for k in rows]))
        return
    # the id and prefix are what `keys revoke` takes: never cut short, whatever the terminal's width
    table = Table(Column("id", no_wrap=True, min_width=36), Column("prefix", no_wrap=True, min_width=13),
                  "name", "created", "revoked", title=f"Keys of workspace {actor.workspace_id}")
    for k in rows:
        table.add_row(str(k.id), k.prefix + "…", k.name, k.created_at.strftime("%Y-%m-%d %H:%M"),
                      k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "")
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or prefix, as `keys list` shows it.")]):
    """Revoke a key: it stops working at once."""
    db = _database()
    with db.read() as session:
        known = simple_repo.keys_by_prefix_or_id(session, key.rstrip("…"))
        already = known[0].revoked_at if len(known) == 1 else None
    if len(known) > 1:
        console.print(f"[red]{len(known)} keys start with {key}:[/] give the key's id (`contacthub keys list`).")
        raise typer.Exit(1)
    try:
        with db.write() as session:
            row = workspaces.revoke_key(session, key.rstrip("…"))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/] (`contacthub keys list` shows the keys)")
        raise typer.Exit(1) from None
    if already:
        console.print(f"Key {row.id} ({row.prefix}…) was already revoked on {already:%Y-%m-%d %H:%M} UTC.")
        return
    console.print(f"Revoked key {row.id} ({row.prefix}…).")


EXPORT_COLUMNS = ("id", "kind", "display_name", "first_name", "last_name", "organization_name", "title",
                  "employer", "email", "phone", "line1", "city", "postal_code", "country", "created_at")
# after those: line2, region, notes, groups (the names of the groups holding the contact, joined
# by "|"), then email_2…, phone_2… and metadata.<key> as the contacts need them
EXPORT_MORE_COLUMNS = ("line2", "region", "notes", "groups")


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout). "
                                                "Written whole or not at all: an interrupted export leaves "
                                                "no partial file.")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="csv (one row per contact, the columns "
                                        "`contacthub import` reads) or jsonl (every field, one JSON "
                                        "contact per line).")] = "jsonl",
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
):
    """Export every contact, streamed page by page (memory stays flat)."""
    format = format.lower()
    if format not in ("csv", "jsonl"):
        raise typer.BadParameter("use csv or jsonl", param_hint="--format")
    if output is not None:
        output = output.expanduser()
        if output.is_dir():
            raise typer.BadParameter(f"{output} is a directory; name a file in it", param_hint="--output")
        if not output.parent.is_dir():
            raise typer.BadParameter(f"no directory {output.parent}", param_hint="--output")
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.read() as session:
        total = contacts.count(session, actor)
    part = output.with_name(f".{output.name}.part") if output else None
    try:
        out = part.open("w", newline="", encoding="utf-8") if part else sys.stdout
    except OSError as exc:
        raise typer.BadParameter(f"cannot write there: {exc.strerror}", param_hint="--output") from None
    done = [0]
    try:
        with _progress(disabled=output is None) as progress:
            task = progress.add_task("Exporting", total=total)

            def advance(n: int) -> None:
                progress.advance(task, n)
                done[0] += n

            records = _export_records(db, actor, advance, with_groups=format == "csv")
            if format == "csv":
                _write_csv(out, records)
            else:
                for record in records:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
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


def _export_records(db: Database, actor: Actor, advance, with_groups: bool = False):
    """Every contact as the native API renders it, page by page (`with_groups`: plus "groups",
    the names of the groups holding it, as the import's Groups column reads them)."""
    from contacthub.core import groups

    cursor = None
    while True:
        with db.read() as session:
            page = contacts.list_page(session, actor, ContactFilter(), cursor, 500)
            held = groups.referenced_by(session, actor, [v.id for v in page.items]) if with_groups else {}
        for view in page.items:
            record = render_contact(view)
            if with_groups:
                record["groups"] = "|".join(g.computed_display_name or "" for g in held.get(view.id, [])
                                            if g.kind == "group") or None
            yield record
        advance(len(page.items))
        if not page.has_more:
            return
        cursor = page.next_cursor


def _write_csv(out, records) -> None:
    """The CSV export: the fixed columns, then as many email_N / phone_N columns as the contacts
    need and one metadata.<path> column per attribute. The rows go to a temporary file first
    (memory stays flat), since the header is only known at the end."""
    import tempfile

    fixed = set(EXPORT_COLUMNS + EXPORT_MORE_COLUMNS)
    extra: dict[str, None] = {}  # ordered set of the columns found
    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        for record in records:
            row = _flat(record)
            row = {k: v for k, v in row.items() if k in fixed or k.startswith(("email_", "phone_", "metadata."))}
            for key in row:
                if key not in fixed and key not in extra:
                    extra[key] = None
            spool.write(json.dumps(row, ensure_ascii=False) + "\n")
        numbered = sorted((k for k in extra if not k.startswith("metadata.")),
                          key=lambda k: (k.split("_")[0], int(k.rsplit("_", 1)[1])))
        attributes = sorted(k for k in extra if k.startswith("metadata."))
        columns = [*EXPORT_COLUMNS, *EXPORT_MORE_COLUMNS, *numbered, *attributes]
        writer = csv.DictWriter(out, columns, extrasaction="ignore")
        writer.writeheader()
        spool.seek(0)
        for line in spool:
            writer.writerow(json.loads(line))


@app.command()
def dedupe(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    do_merge: Annotated[bool, typer.Option("--merge", help="Merge each likely duplicate into the older contact "
                                           "(default: only report).")] = False,
    review: Annotated[bool, typer.Option("--review", help="Queue the pairs found (those not merged) for review "
                                         "in /v1/duplicates (default: only report).")] = False,
    json_out: JsonFlag = False,
):
    """Find duplicates already stored in a workspace (and merge them with --merge)."""
    from contacthub.core import identity

    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.read() as session:
        total = contacts.count(session, actor)
    stats = {"scanned": 0, "duplicates": 0, "merged": 0, "review": 0, "indexed": 0}
    pairs = []
    after = None
    while True:  # contacts written by a path that skipped the identity index are filed first
        with db.write() as session:
            ids = identity.index_missing(session, actor, after, 500)
        stats["indexed"] += len(ids)
        if len(ids) < 500:
            break
        after = ids[-1]
    if stats["indexed"] and not json_out:
        console.print(f"Filed {stats['indexed']} contacts that were not in the identity index yet.")
    with _dedupe_interrupted(stats, total, do_merge, review), _progress(disabled=json_out) as progress:
        task = progress.add_task("Deduplicating", total=total)
        for contact_id in identity.iter_all(db.read, actor):
            with db.write() as session:
                found, merged, queued = identity.dedupe_contact(session, actor, contact_id, do_merge, review)
            stats["scanned"] += 1
            stats["duplicates"] += bool(found)
            stats["merged"] += merged
            stats["review"] += queued
            pairs += [{"contact_id": str(contact_id), "duplicate_of": str(m.contact_id), "score": m.score,
                       "decision": m.decision, "why": _why(m.reasons)} for m in found]
            progress.advance(task)
    if json_out:
        print(json.dumps({**stats, "pairs": pairs}))
        return
    # the pair in one column (whole ids, even at 80 columns: the API's merge takes them)
    table = Table(Column("contact, and the older one it duplicates", no_wrap=True, min_width=38),
                  Column("score", justify="right"), "decision", "why", title="Duplicates found", show_lines=True)
    names = _names(db, actor, [uuid.UUID(i) for p in pairs[:50] for i in (p["contact_id"], p["duplicate_of"])])
    for p in pairs[:50]:
        pair = (f"{names.get(p['contact_id'], '')}\n[dim]{p['contact_id']}[/]\n"
                f"↳ {names.get(p['duplicate_of'], '')}\n[dim]{p['duplicate_of']}[/]")
        table.add_row(pair, f"{p['score']:.1f}", p["decision"], p["why"])
    if pairs:
        Console().print(table)
        if len(pairs) > 50:
            console.print(f"… and {len(pairs) - 50:,} more pairs ([bold]--json[/] lists them all).")
    summary = Table("contacts scanned", "with duplicates", "merged", "queued for review", title="Summary")
    summary.add_row(str(stats["scanned"]), str(stats["duplicates"]), str(stats["merged"]), str(stats["review"]))
    Console().print(summary)
    if pairs and not do_merge:
        console.print("Run again with [bold]--merge[/] to merge them, or [bold]--review[/] to queue them.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only; SQLite serves from one).",
                                         min=1)] = 1,
):
    """Serve every API. On an empty database, creates the first workspace and prints its key."""
    import uvicorn

    settings = get_settings()
    _check_port_free(host, port)
    db = _database()
    with db.write() as session:
        first = simple_repo.first_workspace(session)
        new = workspaces.create_workspace(session) if first is None else None
    base = f"http://{host}:{port}"
    if new:
        console.print(f"[green]Created the first workspace[/] {new.workspace_id}")
        console.print(f"API key (shown once, keep it): [bold]{new.api_key}[/]")
        console.print("Try:")
        console.print(
            f"  curl -s -X POST {base}/v1/contacts -H 'Authorization: Bearer {new.api_key}' "
            "-H 'Content-Type: application/json' "
            "-d '{\"first_name\": \"Ada\", \"last_name\": \"Lovelace\", \"emails\": [\"ada@example.com\"]}'",
            soft_wrap=True,
        )
    else:
        console.print(f"Workspace {first.id} exists; make a key with [bold]contacthub keys create[/].")
    for name, mount, client_base in DOORS:
        console.print(f"  {name:<11} {base}{client_base:<16} docs {base}{mount}/docs", soft_wrap=True)
    console.print(f"Database: {_shown_url(settings.database_url)}", soft_wrap=True)
    db.dispose()
    _start_import_worker(settings)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[yellow]SQLite serves from one process; ignoring --workers.[/]")
        workers = 1
    uvicorn.run("contacthub.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning")


def _check_port_free(host: str, port: int) -> None:
    """Says in one line, before anything is printed or created, that the address is taken."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise typer.BadParameter(f"cannot listen on {host}: {exc.strerror}", param_hint="--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            console.print(f"[red]Cannot listen on {host}:{port}:[/] {exc.strerror}. Pick another with "
                          "[bold]--port[/] (or stop what is listening there).", soft_wrap=True)
            raise typer.Exit(1) from None


def _print_key(new: workspaces.NewKey, json_out: bool, headline: str) -> None:
    if json_out:
        print(json.dumps({"workspace_id": str(new.workspace_id), "api_key": new.api_key, "key_id": str(new.key_id)}))
        return
    console.print(f"[green]{headline}[/] workspace {new.workspace_id}")
    console.print(f"API key (shown once): [bold]{new.api_key}[/]")


def _progress(disabled: bool, share: bool = False) -> Progress:
    """A progress bar that counts items done of a known total, or (`share`) shows a percentage,
    for work measured by how far it has read (an import, through its file)."""
    done = TaskProgressColumn() if share else MofNCompleteColumn()
    return Progress(TextColumn("{task.description}"), BarColumn(), done, TimeRemainingColumn(),
                    console=console, disable=disabled)


def _flat(record: dict) -> dict:
    """One contact as one CSV row: the primary email, phone and address in the fixed columns,
    further emails and phones in email_2, phone_2…, attributes in metadata.<path> (nested
    objects as dotted paths, lists and numbers as JSON)."""
    emails = sorted(record["emails"], key=lambda e: not e.get("primary"))
    phones = sorted(record["phones"], key=lambda p: not p.get("primary"))
    addresses = sorted(record["addresses"], key=lambda a: not a.get("primary"))
    address = addresses[0] if addresses else {}
    row = {**record, "email": emails[0]["address"] if emails else None,
           "phone": phones[0]["number"] if phones else None,
           **{k: address.get(k) for k in ("line1", "line2", "city", "region", "postal_code", "country")}}
    for n, email in enumerate(emails[1:], start=2):
        row[f"email_{n}"] = email["address"]
    for n, phone in enumerate(phones[1:], start=2):
        row[f"phone_{n}"] = phone["number"]

    def attributes(prefix: str, value) -> None:
        if isinstance(value, dict) and value:
            for key, inner in value.items():
                attributes(f"{prefix}.{key}", inner)
        elif value is not None:
            row[prefix] = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    for key, value in (record.get("attributes") or {}).items():
        attributes(f"metadata.{key}", value)
    return row


# ---------------------------------------------------------------- imports

def _import_options(mapping: str | None, maps: list[str] | None, on_duplicate: str, overwrite: bool,
                    match: str = "exact"):
    from pydantic import ValidationError

    from contacthub.core.imports import ImportOptions

    table: dict[str, str] = {}
    if mapping:
        is_file = Path(mapping).expanduser().is_file()
        if not is_file and not mapping.lstrip().startswith("{"):
            raise typer.BadParameter(f"no file {mapping} (give a JSON object {{\"header\": \"target\"}} or a "
                                     "file holding one)", param_hint="--mapping")
        try:
            text = Path(mapping).expanduser().read_text(encoding="utf-8-sig") if is_file else mapping
            loaded = json.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {mapping}: {_first_line(exc)}", param_hint="--mapping") from None
        except json.JSONDecodeError as exc:
            raise typer.BadParameter(f"{'the file holds ' if is_file else ''}no valid JSON ({exc.msg}, line "
                                     f"{exc.lineno} column {exc.colno})", param_hint="--mapping") from None
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise typer.BadParameter("a JSON object {\"header\": \"target\"} whose targets are strings",
                                     param_hint="--mapping")
        table.update(loaded)
    for item in maps or []:
        header, sep, target = item.partition("=")
        if not sep:
            raise typer.BadParameter("use HEADER=TARGET", param_hint="--map")
        table[header] = target.strip()
    try:
        return ImportOptions(mapping=table or None, on_duplicate=on_duplicate, overwrite=overwrite, match=match)
    except ValidationError as exc:
        option = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "mapping"
        hint = "--mapping/--map" if option == "mapping" else f"--{option.replace('_', '-')}"
        raise typer.BadParameter("; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors()),
                                 param_hint=hint) from None


@app.command("import")
def import_file(
    file: Annotated[str, typer.Argument(help="A CSV (delimiter , ; tab or | sniffed), XLSX, XLS or ODS file, "
                                             "or an http(s) URL.")],
    mapping: Annotated[str | None, typer.Option(help="JSON {\"header\": \"target\"} or a JSON file.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="HEADER=TARGET, repeatable (e.g. 'E-mail=email').")] = None,
    on_duplicate: Annotated[str, typer.Option(help="merge, skip, create or review.")] = "merge",
    overwrite: Annotated[bool, typer.Option(help="Replace every contact of the workspace, all or nothing.")] = False,
    match: Annotated[str, typer.Option(help="exact (by email or phone) or fuzzy (also scored by the identity "
                                            "engine: the same name at the same address matches; slower).")] = "exact",
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    json_out: JsonFlag = False,
):
    """Import contacts from a file, with a progress bar and a summary.

    Every row's outcome is kept on the import job (see GET /v1/imports/{id})."""
    from contacthub.core import imports

    is_url = file.startswith(("http://", "https://"))
    if not is_url and "://" in file and not Path(file).exists():
        console.print(f"[red]Cannot import:[/] {file}: only local files and http(s) URLs can be imported.",
                      soft_wrap=True)
        raise typer.Exit(1)
    if not is_url:
        _check_local_file(Path(file).expanduser())
    options = _import_options(mapping, map_, on_duplicate, overwrite, match)
    db = _database()
    actor = _workspace_actor(db, workspace)
    spec = imports.SourceSpec(url=file) if is_url else imports.SourceSpec(path=str(Path(file).expanduser().resolve()))
    job_id = None
    try:
        # import_now's steps, so that an interrupted import knows its job
        source = imports.open_source(spec)
        try:
            with db.write() as session:
                job_id = imports.create_job(session, actor, spec, options, status="running",
                                            claimed_by=actor.door).id
        except BaseException:
            source.discard()
            raise
        with _progress(disabled=json_out, share=True) as progress:
            task = progress.add_task("Importing", total=1000)  # in thousandths of the file read

            def advance(done: int, position: float, counts) -> None:
                progress.update(task, completed=int(position * 1000), description=f"Importing: {done:,} rows")

            job = imports.run_job(db, actor.workspace_id, job_id, source, progress=advance)
            progress.update(task, completed=1000)
    except DomainError as exc:
        console.print(f"[red]{_source_message(exc)}[/]", soft_wrap=True)
        raise typer.Exit(1) from None
    except KeyboardInterrupt:
        _import_interrupted(db, actor, job_id, json_out)
    counts = {k: getattr(job, k) for k in ("created", "merged", "skipped", "review", "invalid")}
    if json_out:
        print(json.dumps({"import_id": str(job.id), "status": job.status, "rows": job.processed, **counts,
                          "error": job.error}))
    elif job.status == "failed" and not job.processed:
        console.print(f"[red]Import failed:[/] {job.error} (job {job.id})", soft_wrap=True)
    else:
        console.print(f"Import job {job.id}: {job.status}")
        if job.status == "succeeded" and not job.processed:
            console.print("[yellow]The file holds no data rows[/] (only a header, or blank lines).")
        table = Table("outcome", Column("rows", justify="right"), title="Import summary")
        for name, n in counts.items():
            table.add_row(name, f"{n:,}")
        table.add_row("[bold]total[/]", f"[bold]{job.processed:,}[/]")
        Console().print(table)
        if job.invalid:
            with db.read() as session:
                first = imports.row_outcomes(session, actor, job.id, ["invalid"], -1, 10)
            for row in first:
                reasons = "; ".join(f"{e.get('column') or e.get('field')}: {e['reason']}" for e in row.errors or [])
                line = row.row_index + 2  # after the header; blank lines count, as in a spreadsheet
                console.print(f"  row {row.row_index}: {reasons} (line {line} of the file)", soft_wrap=True)
            if job.invalid > len(first):
                console.print(f"  … and {job.invalid - len(first):,} more (GET /v1/imports/{job.id}/rejected.csv)")
        if job.status == "failed":
            console.print(f"[red]Import failed:[/] {job.error}", soft_wrap=True)
    if job.status == "failed":
        raise typer.Exit(1)


def _why(reasons: list[dict]) -> str:
    """A match's reasons in a few words: what agrees, what differs."""
    same = [r["field"] for r in reasons if r.get("weight", 0) > 0]
    differ = [r["field"] for r in reasons if r.get("weight", 0) < 0]
    parts = [f"same {', '.join(same)}"] if same else []
    if differ:
        parts.append(f"{', '.join(differ)} {'differs' if len(differ) == 1 else 'differ'}")
    return "; ".join(parts)


def _names(db: Database, actor: Actor, ids: list[uuid.UUID]) -> dict[str, str]:
    """Display names for a table (a merged-away contact shows its survivor's name)."""
    from contacthub.core.errors import NotFound

    names = {}
    with db.read() as session:
        for contact_id in dict.fromkeys(ids):
            try:
                names[str(contact_id)] = contacts.get(session, actor, contact_id).computed_display_name or ""
            except NotFound:
                names[str(contact_id)] = "(deleted)"
    return names


@contextmanager
def _dedupe_interrupted(stats: dict, total: int, do_merge: bool, review: bool):
    """Ctrl-C during dedupe: each contact is its own transaction, so what is done stays done."""
    try:
        yield
    except KeyboardInterrupt:
        kept = " (the merges and queued pairs so far are kept)" if do_merge or review else ""
        console.print(f"[yellow]Dedupe interrupted[/] after {stats['scanned']:,} of {total:,} contacts{kept}; "
                      "run it again to go on.", soft_wrap=True)
        raise typer.Exit(130) from None


def _check_local_file(path: Path) -> None:
    """The file to import is there and readable, or a one-line reason (exit 1)."""
    problem = None
    if path.is_dir():
        problem = f"{path} is a directory, not a file"
    elif not path.exists():
        problem = f"no file {path}"
    elif not os.access(path, os.R_OK):
        problem = f"{path} cannot be read (permission denied)"
    elif path.stat().st_size == 0:
        problem = f"{path} is empty"
    else:
        with path.open("rb") as f:
            head = f.read(4096)
        spreadsheet = head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))
        utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
        if b"\0" in head and not spreadsheet and not utf16:
            problem = f"{path} is neither a CSV nor a spreadsheet (XLSX, XLS, ODS)"
    if problem:
        console.print(f"[red]Cannot import:[/] {problem}.", soft_wrap=True)
        raise typer.Exit(1)


def _source_message(exc: DomainError) -> str:
    """A fault of the source or the mapping, in one line, with the offending field named."""
    details = [f"{e.field}: {e.message}" if e.field not in ("source", "columns") else e.message
               for e in getattr(exc, "errors", None) or []]
    return "Cannot import: " + ("; ".join(details) if details else exc.message)


def _import_interrupted(db: Database, actor: Actor, job_id, json_out: bool):
    """Ctrl-C during an import: the job is settled (see imports.interrupted) and the user told
    where it stands; exit 130, as shells expect after SIGINT."""
    from contacthub.core import imports

    if job_id is None:
        console.print("[yellow]Import interrupted[/] before it started; nothing was written.")
        raise typer.Exit(130)
    job = imports.interrupted(db, actor.workspace_id, job_id)
    if json_out:
        print(json.dumps({"import_id": str(job.id), "status": "interrupted", "rows": job.processed,
                          **{k: getattr(job, k) for k in ("created", "merged", "skipped", "review", "invalid")},
                          "error": job.error}))
    if job.status == "failed":
        console.print(f"[yellow]Import interrupted[/] (job {job.id}): an overwrite is all or nothing, so "
                      "nothing was changed.", soft_wrap=True)
    else:
        console.print(f"[yellow]Import interrupted[/] after {job.processed:,} rows (job {job.id}); those "
                      "rows are stored. Run [bold]contacthub worker --once[/] to finish it (a running "
                      "[bold]contacthub serve[/] takes it over by itself).", soft_wrap=True)
    raise typer.Exit(130)


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="A name for this worker in the jobs it claims "
                                                "(default: host:pid).")] = None,
    once: Annotated[bool, typer.Option(help="Run the queued jobs (and those whose worker died), then stop "
                                            "(default: keep waiting for jobs until Ctrl-C).")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.", min=0.05)] = 1.0,
):
    """Run queued import jobs (start as many as you like on PostgreSQL: each job goes to one)."""
    import os
    import socket
    import threading

    from contacthub.core import imports

    db = _database()
    label = name or f"{socket.gethostname()}:{os.getpid()}"
    if once:
        done = 0
        while imports.work_once(db, label) is not None:
            done += 1
        console.print(f"Ran {done} import job(s).")
        return
    stop = threading.Event()
    console.print(f"Worker {label} waiting for import jobs (Ctrl-C stops).")
    try:
        imports.work_forever(db, stop, label, poll)
    except KeyboardInterrupt:
        stop.set()
        console.print(f"Worker {label} stopped. A job it was running keeps the batches it wrote and is resumed by "
                      "the next worker once its lease runs out (CONTACTHUB_IMPORT_LEASE_SECONDS).", soft_wrap=True)


def _start_import_worker(settings, poll_seconds: float = 1.0):
    """The embedded import worker: one daemon thread in the serving process. Answers the event
    that stops it (None when turned off)."""
    if not settings.import_embedded_worker:
        return None
    import threading

    from contacthub.core import imports

    db = Database(settings.database_url, settings.write_wait_seconds)
    stop = threading.Event()
    threading.Thread(target=imports.work_forever, args=(db, stop, "serve", poll_seconds), daemon=True,
                     name="import-worker").start()
    return stop


def _friendly(command):
    """Wraps a command so a failure is one line on stderr and an exit code, never a traceback:
    1 for a refused request (a domain error, a database that cannot be reached, a file system
    error), 130 for Ctrl-C. CONTACTHUB_CLI_TRACEBACK=1 shows the traceback of an unexpected
    error instead (for a bug report)."""
    import functools

    import click
    import typer.exceptions
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from contacthub.core.errors import Busy

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException, click.exceptions.Exit,
                click.exceptions.ClickException, click.exceptions.Abort, SystemExit):
            raise  # typer's own: usage errors, exit codes
        except KeyboardInterrupt:
            console.print("[yellow]Interrupted.[/]")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `contacthub export | head`: the reader has what it wanted
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            except (OSError, ValueError):
                pass
            raise typer.Exit(141) from None
        except Busy:
            console.print("[red]The database is busy with another writer[/] (an overwrite import?); try again "
                          "when it is done.", soft_wrap=True)
            raise typer.Exit(1) from None
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/]", soft_wrap=True)
            raise typer.Exit(1) from None
        except SQLAlchemyError as exc:
            console.print(f"[red]Database error:[/] {_first_line(getattr(exc, 'orig', None) or exc)} "
                          f"({_shown_url(get_settings().database_url)})", soft_wrap=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:  # the settings: CONTACTHUB_* variables
            if exc.title != "Settings":
                if os.environ.get("CONTACTHUB_CLI_TRACEBACK"):
                    raise
                console.print(f"[red]Unexpected error:[/] {_first_line(exc)}", soft_wrap=True)
                raise typer.Exit(1) from None
            faults = "; ".join(f"CONTACTHUB_{'_'.join(str(x) for x in e['loc']).upper()}: {e['msg']}"
                               for e in exc.errors())
            console.print(f"[red]Bad setting[/] {faults}", soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            console.print(f"[red]Error:[/] {exc.strerror or _first_line(exc)}{where}", soft_wrap=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if os.environ.get("CONTACTHUB_CLI_TRACEBACK"):
                raise
            console.print(f"[red]Unexpected error:[/] {type(exc).__name__}: {_first_line(exc)} (run again with "
                          "CONTACTHUB_CLI_TRACEBACK=1 for the details, and report it)", soft_wrap=True)
            raise typer.Exit(1) from None

    return run


for _info in app.registered_commands + keys_app.registered_commands:
    _info.callback = _friendly(_info.callback)


if __name__ == "__main__":
    app()
