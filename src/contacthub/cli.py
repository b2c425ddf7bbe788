"""The `contacthub` command: serve, init, keys, export, migrate. It calls the same core
services as the HTTP doors; events it causes are recorded with door "cli"."""

import csv
import json
import sys
import uuid
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

app = typer.Typer(help="contacthub: a self-hosted contacts service.", no_args_is_help=True, add_completion=False)
keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console(stderr=True)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


def _database() -> Database:
    settings = get_settings()
    upgrade(settings.database_url)
    return Database(settings.database_url, settings.write_wait_seconds)


def _workspace_actor(db: Database, workspace: str | None) -> Actor:
    with db.read() as session:
        if workspace:
            try:
                workspace_id = uuid.UUID(workspace)
            except ValueError:
                raise typer.BadParameter("not a workspace id", param_hint="--workspace") from None
        else:
            first = simple_repo.first_workspace(session)
            if first is None:
                console.print("[red]No workspace yet.[/] Run [bold]contacthub init[/] first.")
                raise typer.Exit(1)
            workspace_id = first.id
    return Actor(workspace_id, None, "cli")


@app.command()
def migrate():
    """Bring the database schema up to date."""
    upgrade(get_settings().database_url)
    console.print("[green]Database is up to date.[/]")


@app.command()
def init(name: Annotated[str, typer.Option(help="Workspace name.")] = "default", json_out: JsonFlag = False):
    """Create a workspace and its first API key (the key is shown once)."""
    db = _database()
    with db.write() as session:
        new = workspaces.create_workspace(session, name)
    _print_key(new, json_out, "Workspace created.")


@keys_app.command("create")
def keys_create(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    name: Annotated[str, typer.Option(help="A label for the key.")] = "",
    json_out: JsonFlag = False,
):
    """Create an API key (shown once)."""
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.write() as session:
        new = workspaces.create_key(session, actor.workspace_id, name)
    _print_key(new, json_out, "Key created.")


@keys_app.command("list")
def keys_list(workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None):
    """List the keys of a workspace (their prefixes; keys themselves are never stored)."""
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.read() as session:
        rows = workspaces.list_keys(session, actor.workspace_id)
    table = Table("id", "prefix", "name", "created", "revoked")
    for k in rows:
        table.add_row(str(k.id), k.prefix + "…", k.name, k.created_at.strftime("%Y-%m-%d %H:%M"),
                      k.revoked_at.strftime("%Y-%m-%d %H:%M") if k.revoked_at else "")
    Console().print(table)


@keys_app.command("revoke")
def keys_revoke(key: Annotated[str, typer.Argument(help="The key's id or prefix, as `keys list` shows it.")]):
    """Revoke a key: it stops working at once."""
    db = _database()
    try:
        with db.write() as session:
            row = workspaces.revoke_key(session, key.rstrip("…"))
    except DomainError as exc:
        console.print(f"[red]{exc.message}[/]")
        raise typer.Exit(1) from None
    console.print(f"Revoked key {row.id} ({row.prefix}…).")


EXPORT_COLUMNS = ("id", "kind", "display_name", "first_name", "last_name", "organization_name", "title",
                  "employer", "email", "phone", "line1", "city", "postal_code", "country", "created_at")


@app.command()
def export(
    output: Annotated[Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
    format: Annotated[str, typer.Option("--format", "-f", help="csv or jsonl.")] = "jsonl",
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
):
    """Export every contact, streamed page by page (memory stays flat)."""
    if format not in ("csv", "jsonl"):
        raise typer.BadParameter("use csv or jsonl", param_hint="--format")
    db = _database()
    actor = _workspace_actor(db, workspace)
    with db.read() as session:
        total = contacts.count(session, actor)
    out = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    writer = csv.DictWriter(out, EXPORT_COLUMNS, extrasaction="ignore") if format == "csv" else None
    if writer:
        writer.writeheader()
    cursor = None
    with _progress(disabled=output is None) as progress:
        task = progress.add_task("Exporting", total=total)
        while True:
            with db.read() as session:
                page = contacts.list_page(session, actor, ContactFilter(), cursor, 500)
            for view in page.items:
                record = render_contact(view)
                if writer:
                    writer.writerow(_flat(record))
                else:
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
            progress.advance(task, len(page.items))
            if not page.has_more:
                break
            cursor = page.next_cursor
    if output:
        out.close()
        console.print(f"Exported {total} contacts to {output}.")


@app.command()
def dedupe(
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    do_merge: Annotated[bool, typer.Option("--merge", help="Merge each duplicate into the older contact.")] = False,
    review: Annotated[bool, typer.Option("--review", help="Queue the pairs found in /v1/duplicates.")] = False,
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
    with _progress(disabled=json_out) as progress:
        task = progress.add_task("Deduplicating", total=total)
        for contact_id in identity.iter_all(db.read, actor):
            with db.write() as session:
                found, merged, queued = identity.dedupe_contact(session, actor, contact_id, do_merge, review)
            stats["scanned"] += 1
            stats["duplicates"] += bool(found)
            stats["merged"] += merged
            stats["review"] += queued
            pairs += [{"contact_id": str(contact_id), "duplicate_of": str(m.contact_id), "score": m.score,
                       "decision": m.decision} for m in found]
            progress.advance(task)
    if json_out:
        print(json.dumps({**stats, "pairs": pairs}))
        return
    table = Table("contact", "duplicate of (older)", "score", "decision", title="Duplicates found")
    for p in pairs[:50]:
        table.add_row(p["contact_id"], p["duplicate_of"], f"{p['score']:.1f}", p["decision"])
    if pairs:
        Console().print(table)
    summary = Table("contacts scanned", "with duplicates", "merged", "queued for review", title="Summary")
    summary.add_row(str(stats["scanned"]), str(stats["duplicates"]), str(stats["merged"]), str(stats["review"]))
    Console().print(summary)
    if pairs and not do_merge:
        console.print("Run again with [bold]--merge[/] to merge them, or [bold]--review[/] to queue them.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only).")] = 1,
):
    """Serve every API. On an empty database, creates the first workspace and prints its key."""
    import uvicorn

    settings = get_settings()
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
    console.print(f"Database: {settings.database_url}", soft_wrap=True)
    db.dispose()
    _start_import_worker(settings)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[yellow]SQLite serves from one process; ignoring --workers.[/]")
        workers = 1
    uvicorn.run("contacthub.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning")


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
    email = record["emails"][0]["address"] if record["emails"] else None
    phone = record["phones"][0]["number"] if record["phones"] else None
    address = record["addresses"][0] if record["addresses"] else {}
    return {**record, "email": email, "phone": phone, **{k: address.get(k) for k in ("line1", "city", "postal_code", "country")}}


# ---------------------------------------------------------------- imports

def _import_options(mapping: str | None, maps: list[str] | None, on_duplicate: str, overwrite: bool,
                    match: str = "exact"):
    from pydantic import ValidationError

    from contacthub.core.imports import ImportOptions

    table: dict[str, str] = {}
    if mapping:
        text = Path(mapping).read_text(encoding="utf-8") if Path(mapping).is_file() else mapping
        try:
            table.update(json.loads(text))
        except (json.JSONDecodeError, TypeError):
            raise typer.BadParameter("a JSON object {\"header\": \"target\"} or a file holding one",
                                     param_hint="--mapping") from None
    for item in maps or []:
        header, sep, target = item.partition("=")
        if not sep:
            raise typer.BadParameter("use HEADER=TARGET", param_hint="--map")
        table[header] = target.strip()
    try:
        return ImportOptions(mapping=table or None, on_duplicate=on_duplicate, overwrite=overwrite, match=match)
    except ValidationError as exc:
        option = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "mapping"
        raise typer.BadParameter("; ".join(e["msg"] for e in exc.errors()),
                                 param_hint=f"--{option.replace('_', '-')}") from None


@app.command("import")
def import_file(
    file: Annotated[str, typer.Argument(help="A CSV, XLSX or XLS file (or an http(s) URL).")],
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

    options = _import_options(mapping, map_, on_duplicate, overwrite, match)
    db = _database()
    actor = _workspace_actor(db, workspace)
    is_url = file.startswith(("http://", "https://"))
    spec = imports.SourceSpec(url=file) if is_url else imports.SourceSpec(path=str(Path(file).resolve()))
    with _progress(disabled=json_out, share=True) as progress:
        task = progress.add_task("Importing", total=1000)  # in thousandths of the file read

        def advance(done: int, position: float, counts) -> None:
            progress.update(task, completed=int(position * 1000), description=f"Importing: {done:,} rows")

        try:
            job = imports.import_now(db, actor, spec, options, progress=advance)
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/]")
            raise typer.Exit(1) from None
        progress.update(task, completed=1000)
    counts = {k: getattr(job, k) for k in ("created", "merged", "skipped", "review", "invalid")}
    if json_out:
        print(json.dumps({"import_id": str(job.id), "status": job.status, "rows": job.processed, **counts,
                          "error": job.error}))
    else:
        console.print(f"Import job {job.id}: {job.status}")
        table = Table("outcome", Column("rows", justify="right"))
        for name, n in counts.items():
            table.add_row(name, f"{n:,}")
        table.add_row("[bold]total[/]", f"[bold]{job.processed:,}[/]")
        Console().print(table)
        if job.invalid:
            with db.read() as session:
                first = imports.row_outcomes(session, actor, job.id, ["invalid"], -1, 10)
            for row in first:
                reasons = "; ".join(f"{e.get('column') or e.get('field')}: {e['reason']}" for e in row.errors or [])
                console.print(f"  row {row.row_index}: {reasons}")
            if job.invalid > len(first):
                console.print(f"  … and {job.invalid - len(first):,} more (GET /v1/imports/{job.id}/rejected.csv)")
        if job.status == "failed":
            console.print(f"[red]Import failed:[/] {job.error}")
    if job.status == "failed":
        raise typer.Exit(1)


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="A name for this worker in the jobs it claims.")] = None,
    once: Annotated[bool, typer.Option(help="Run the queued jobs, then stop.")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.")] = 1.0,
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


if __name__ == "__main__":
    app()
