"""`import`: a CSV/Excel/vCard/JSONL file or URL through the import pipeline, with a progress
bar, a summary, and Ctrl-C that leaves the job resumable."""

import json
import os
import signal
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Column, Table

from contacthub.cli.common import (
    JsonFlag, Refused, app, console, database, first_line, note_signal, progress_bar, workspace_actor,
)
from contacthub.core.actor import Actor
from contacthub.core.errors import DomainError, reason_of
from contacthub.db.engine import Database


def _import_options(mapping: str | None, maps: list[str] | None, on_duplicate: str, overwrite: bool,
                    match: str = "exact", create_groups: bool = False, kind: str | None = None):
    from pydantic import ValidationError

    from contacthub.core.imports import ImportOptions

    table: dict[str, str] = {}
    if mapping:
        is_file = Path(mapping).expanduser().is_file()
        if not is_file and not mapping.lstrip().startswith(("{", "[")):
            raise typer.BadParameter(f"no file {mapping} (give a JSON object {{\"header\": \"target\"}} or a "
                                     "file holding one)", param_hint="--mapping")
        try:
            text = Path(mapping).expanduser().read_text(encoding="utf-8-sig") if is_file else mapping
            loaded = json.loads(text)
        except (OSError, UnicodeDecodeError) as exc:
            raise typer.BadParameter(f"cannot read {mapping}: {first_line(exc)}", param_hint="--mapping") from None
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
        return ImportOptions(mapping=table or None, on_duplicate=on_duplicate, overwrite=overwrite, match=match,
                             create_groups=create_groups, kind=kind)
    except ValidationError as exc:
        option = str(exc.errors()[0]["loc"][0]) if exc.errors()[0]["loc"] else "mapping"
        hint = "--mapping/--map" if option == "mapping" else f"--{option.replace('_', '-')}"
        raise typer.BadParameter("; ".join(reason_of(e) for e in exc.errors()),
                                 param_hint=hint) from None


@app.command("import")
def import_file(
    file: Annotated[str, typer.Argument(help="A CSV (delimiter , ; tab or | sniffed), XLSX, XLS, ODS, vCard (.vcf) or JSONL "
                                             "(`contacthub export`'s: a restore) file, or an http(s) URL.")],
    mapping: Annotated[str | None, typer.Option(help="JSON {\"header\": \"target\"} or a JSON file.")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="HEADER=TARGET, repeatable (e.g. 'E-mail=email').")] = None,
    on_duplicate: Annotated[str, typer.Option(help="merge, skip, create or review.")] = "merge",
    overwrite: Annotated[bool, typer.Option(help="Replace every contact of the workspace, all or nothing.")] = False,
    match: Annotated[str, typer.Option(help="exact (by email or phone) or fuzzy (also scored by the identity "
                                            "engine: the same name at the same address matches; slower).")] = "exact",
    create_groups: Annotated[bool, typer.Option(help="Create the groups rows name (Groups, labels, categories) that "
                                                     "do not exist yet (default: the row notes them).")] = False,
    kind: Annotated[str | None, typer.Option(help="person, organization or group: the kind of every row whose "
                                                  "file does not say (no Type column, or a blank cell); "
                                                  "default person.")] = None,
    workspace: Annotated[str | None, typer.Option(help="Workspace id (default: the first).")] = None,
    rejected: Annotated[Path | None, typer.Option(help="Write every rejected row, as read, with its reasons, to "
                                                       "this CSV file (the summary lists the first ten).")] = None,
    json_out: JsonFlag = False,
):
    """Import contacts from a file, with a progress bar and a summary.

    Every row's outcome is kept on the import job (see GET /v1/imports/{id})."""
    from contacthub.core import import_jobs, imports

    if rejected is not None:
        rejected = rejected.expanduser()
        if rejected.is_dir() or not rejected.parent.is_dir():
            raise typer.BadParameter(f"{rejected} is a directory; name a file in it" if rejected.is_dir()
                                     else f"no directory {rejected.parent}", param_hint="--rejected")

    is_url = file.startswith(("http://", "https://"))
    if not is_url and "://" in file and not Path(file).exists():
        _refuse(f"{file}: only local files and http(s) URLs can be imported", json_out)
    if not is_url:
        problem = _local_file_problem(Path(file).expanduser())
        if problem:
            _refuse(problem, json_out)
    try:
        options = _import_options(mapping, map_, on_duplicate, overwrite, match, create_groups, kind)
        db = database()
        actor = workspace_actor(db, workspace)
    except (typer.BadParameter, Refused) as exc:  # --json prints its object for these refusals too
        if json_out:
            reason = exc.reason if isinstance(exc, Refused) else f"{exc.param_hint}: {exc.message}"
            print(json.dumps({"import_id": None, "status": "refused", "error": reason}))
        raise
    spec = imports.SourceSpec(url=file) if is_url else imports.SourceSpec(path=str(Path(file).expanduser().resolve()))
    job_id = None
    try:
        # import_now's steps, so that an interrupted import knows its job
        source = import_jobs.open_source(spec)
        try:
            with db.write() as session:
                job_id = import_jobs.create_job(session, actor, spec, options, status="running",
                                                claimed_by=import_jobs.worker_label(actor.door)).id
        except BaseException:
            source.discard()
            raise
        with progress_bar(disabled=json_out, share=True) as progress, _StopBetweenBatches() as stop:
            task = progress.add_task("Importing", total=1000)  # in thousandths of the file read

            def advance(done: int, position: float, counts) -> None:
                progress.update(task, completed=int(position * 1000), description=f"Importing: {done:,} rows")
                stop.check()

            job = import_jobs.run_job(db, actor.workspace_id, job_id, source, progress=advance)
            if job.status not in ("succeeded", "failed"):
                raise KeyboardInterrupt  # its parser process was stopped by a signal: interrupted, as by Ctrl-C
            progress.update(task, completed=1000)
    except DomainError as exc:
        _refuse(_source_message(exc).removeprefix("Cannot import: "), json_out)
    except KeyboardInterrupt:
        _import_interrupted(db, actor, job_id, json_out)
    counts = {k: getattr(job, k) for k in ("created", "merged", "skipped", "review", "invalid")}
    if rejected is not None:
        _write_rejected(db, actor, job.id, rejected)
        console.print(f"{job.invalid:,} rejected row{'' if job.invalid == 1 else 's'} written to {rejected}")
    if json_out:
        print(json.dumps({"import_id": str(job.id), "status": job.status, "rows": job.processed, **counts,
                          "error": job.error, "notes": job.notes or [], "ignored_columns": job.ignored_columns or []}))
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
        for note in job.notes or []:
            console.print(f"[yellow]Note:[/] {note}", soft_wrap=True)
        _print_ignored(job.ignored_columns or [])
        with db.read() as session:
            first = import_jobs.row_outcomes(session, actor, job.id, ["invalid"], -1, 10) if job.invalid else []
            left_out, total_left_out = import_jobs.rows_left_out(session, actor, job.id, 10)
        lines = _lines(source, {r.row_index for r in (*first, *left_out)})
        for row in first:
            reasons = "; ".join(f"{e.get('column') or e.get('field')}: {e['reason']}" for e in row.errors or [])
            where = _where(job.format, row.row_index, lines, source.header_row)
            console.print(f"  row {row.row_index}: {reasons} ({where})", soft_wrap=True)
        if job.invalid > len(first):
            where = f"every one in {rejected}" if rejected is not None else "--rejected FILE writes them all"
            console.print(f"  … and {job.invalid - len(first):,} more ({where})")
        _print_left_out(job, left_out, total_left_out, lines, source.header_row)
        if job.status == "failed":
            console.print(f"[red]Import failed:[/] {job.error}", soft_wrap=True)
    if job.status == "failed":
        raise typer.Exit(1)


def _print_ignored(headers: list[str], shown: int = 20) -> None:
    """The file's columns that no field reads: their cells were left out, which the counts do not show."""
    if not headers:
        return
    names = ", ".join(repr(h) for h in headers[:shown])
    more = f" and {len(headers) - shown} more" if len(headers) > shown else ""
    console.print("[yellow]Columns not imported[/] (no field reads them; --map 'HEADER=metadata.<key>' keeps one as an "
                  f"attribute): {names}{more}", soft_wrap=True)


def _write_rejected(db, actor, job_id, path: Path) -> None:
    """The job's rejected rows as `GET /v1/imports/{id}/rejected.csv` gives them, to `path`."""
    from contacthub.core import import_jobs
    from contacthub.dialects.native.imports import rejected_lines

    with path.open("w", encoding="utf-8", newline="") as out:
        for line in rejected_lines(import_jobs.rejected_rows(db, actor, job_id)):
            out.write(line)


def _print_left_out(job, first: list, total: int, lines: dict[int, int], header_row: int) -> None:
    """The rows whose contact came in without a group, organization, list, account, email or
    phone it named: the counts call them created or merged, so without this an importer would
    not know."""
    from contacthub.core.imports import NO_GROUP

    if not total:
        return
    missing_group = any(NO_GROUP in (row.note or "") for row in first)
    hint = "; --create-groups creates the groups a file names" if missing_group and not job.options.get(
        "create_groups") else ""
    rows = f"{total:,} row{'s' if total > 1 else ''}"
    console.print(f"[yellow]{rows} named what this workspace lacks, and came in without it[/]{hint}:", soft_wrap=True)
    for row in first:
        console.print(f"  row {row.row_index}: {row.note} ({_where(job.format, row.row_index, lines, header_row)})",
                      soft_wrap=True)
    if total > len(first):
        console.print(f"  … and {total - len(first):,} more (GET /v1/imports/{job.id})")


def _lines(source, indexes: set[int]) -> dict[int, int]:
    """Where the rows begin in a CSV still on disk (a quoted cell may span lines); else nothing."""
    from contacthub.core.import_sources import csv_lines

    try:
        return csv_lines(source, indexes) if source.path.exists() else {}
    except (OSError, UnicodeError):
        return {}


def _where(file_format: str | None, row_index: int, lines: dict[int, int], header_row: int) -> str:
    """Where a row is in its file, as an editor or a spreadsheet shows it (`header_row`: the rows
    above the header row, skipped)."""
    if row_index in lines:
        return f"line {lines[row_index]} of the file"
    if file_format == "vcf":
        return f"card {row_index + 1} of the file"
    if file_format == "jsonl":
        return f"line {row_index + 1} of the file"  # no header line
    # below the header row and those above it; blank rows count (calamine reads a sheet from its first row)
    if file_format in ("xlsx", "xls", "ods"):
        return f"row {row_index + 2 + header_row} of the sheet"
    return f"line {row_index + 2 + header_row} of the file"


def _refuse(reason: str, json_out: bool) -> NoReturn:
    """An import refused before it began: one line on stderr, and with --json one JSON object
    on stdout as every other outcome has (exit 1)."""
    console.print(f"[red]Cannot import:[/] {reason}.", soft_wrap=True)
    if json_out:
        print(json.dumps({"import_id": None, "status": "refused", "error": reason}))
    raise typer.Exit(1)


def _local_file_problem(path: Path) -> str | None:
    """Why the file cannot be imported (missing, a directory, unreadable, empty, binary), if it cannot."""
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
        # binary: NULs all through (a text file's stray NUL makes its row invalid, not the file)
        if head.count(b"\0") > max(len(head) // 100, 1) and not spreadsheet and not utf16:
            problem = f"{path} is neither a CSV, a spreadsheet (XLSX, XLS, ODS), a vCard nor a JSONL file"
    return problem


def _source_message(exc: DomainError) -> str:
    """A fault of the source or the mapping, in one line, with the offending field named."""
    details = [f"{e.field}: {e.message}" if e.field not in ("source", "columns") else e.message
               for e in getattr(exc, "errors", None) or []]
    return "Cannot import: " + ("; ".join(details) if details else exc.message)


class _StopBetweenBatches:
    """Ctrl-C during an import stops it once the batch being written is committed (checked after
    each batch), so no write is cut off in the middle: a KeyboardInterrupt raised anywhere could
    land inside a transaction or between taking and releasing the writers' lock, leaving the
    store locked for the step that settles the job. A second Ctrl-C stops at once. SIGTERM
    (`kill`, a service manager) is a Ctrl-C here too."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.asked = False

    def __enter__(self) -> "_StopBetweenBatches":
        self.previous = {s: signal.signal(s, self._asked) for s in self.SIGNALS}
        return self

    def __exit__(self, *exc) -> None:
        for s, handler in self.previous.items():
            signal.signal(s, handler)

    def _asked(self, signum, frame) -> None:
        note_signal(signum)
        if self.asked:
            raise KeyboardInterrupt
        self.asked = True

    def check(self) -> None:
        if self.asked:
            raise KeyboardInterrupt


def _import_interrupted(db: Database, actor: Actor, job_id, json_out: bool):
    """Ctrl-C during an import: the job is settled (see import_jobs.interrupted) and the user told
    where it stands; exit 130, as shells expect after SIGINT."""
    from contacthub.core import import_jobs

    if job_id is None:
        console.print("[yellow]Import interrupted[/] before it started; nothing was written.")
        raise typer.Exit(130)
    job = import_jobs.interrupted(db, actor.workspace_id, job_id)
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
