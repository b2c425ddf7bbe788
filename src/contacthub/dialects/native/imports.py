"""Native import jobs (/v1/imports): start one from an upload, a web URL or a data URL, follow
its progress and row outcomes, download the rejected rows. Routes only: the work is done by
core.imports in a worker (the thread `serve` starts, or `contacthub worker` processes)."""

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import httpx
from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from contacthub.core import idempotency, import_jobs, imports
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput, dotted_path, reason_of
from contacthub.core.imports import DuplicatePolicy, ImportOptions
from contacthub.core.pagination import clamp_limit, decode_cursor, encode_cursor
from contacthub.db.engine import Database
from contacthub.dialects.common import QueryInt, door_path, parse_id, parse_json
from contacthub.dialects.native.idempotency_key import IdempotencyKey
from contacthub.dialects.native.errors import error_response
from contacthub.dialects.native.schemas import ImportJobOut, ImportJobPageOut, ImportJobWithRowsOut, iso, page_limit
from contacthub.settings import Settings

UPLOAD_CHUNK = 1024 * 1024


class ImportRequest(BaseModel):
    """JSON body of POST /v1/imports: exactly one of `url` and `data_url`."""

    model_config = ConfigDict(extra="forbid")
    url: str | None = None
    data_url: str | None = None
    mapping: dict[str, str] | None = None
    on_duplicate: DuplicatePolicy = "merge"
    overwrite: bool = False
    match: Literal["exact", "fuzzy"] = "exact"
    create_groups: bool = False
    kind: Literal["person", "organization", "group"] | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if (self.url is None) == (self.data_url is None):
            raise ValueError("give exactly one of url and data_url (or upload a file as multipart/form-data)")
        return self


# The route reads its body itself (JSON or a multipart upload), so its document says what it takes.
_IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": ImportRequest.model_json_schema()},
        "multipart/form-data": {"schema": {
            "type": "object", "required": ["file"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": "CSV, XLSX, XLS, ODS, vCard (.vcf) or JSONL (a native contact a line)"},
                "mapping": {"type": "string", "description": "a JSON object: header -> target field"},
                "on_duplicate": {"type": "string", "enum": ["merge", "skip", "create", "review"], "default": "merge"},
                "overwrite": {"type": "string", "enum": ["true", "false"], "default": "false"},
                "match": {"type": "string", "enum": ["exact", "fuzzy"], "default": "exact"},
                "create_groups": {"type": "string", "enum": ["true", "false"], "default": "false"},
                "kind": {"type": "string", "enum": ["person", "organization", "group"],
                         "description": "the kind of every row whose file does not say (default person)"},
            },
        }},
    },
}


def _shown_source(job) -> str:
    """Where the file came from, a URL's password hidden (any key that reads sees it)."""
    if job.source_kind != "url":
        return job.source
    try:
        url = httpx.URL(job.source)
    except httpx.InvalidURL:
        return job.source
    return str(url.copy_with(username=url.username, password="***")) if url.password else job.source


def render_job(job, request: Request) -> dict[str, Any]:
    total = job.total_rows
    # an overwrite this process runs counts in its one transaction: its progress is read live
    live = import_jobs.overwrite_under_way(job.id) if job.status == "running" else None
    processed = live.processed if live is not None else job.processed
    counts = live.as_dict() if live is not None else {
        "created": job.created, "merged": job.merged, "skipped": job.skipped, "review": job.review,
        "invalid": job.invalid}
    return {
        "id": str(job.id),
        "status": job.status,
        "source": {"kind": job.source_kind, "name": _shown_source(job) if job.source_kind != "data_url" else None},
        "format": job.format,
        "options": job.options,
        "total_rows": total,
        "processed": processed,
        "progress": round(min(processed / total, 1.0), 4) if total else (1.0 if job.status == "succeeded" else 0.0),
        "counts": counts,
        "error": job.error,
        "notes": job.notes or [],
        "ignored_columns": job.ignored_columns or [],
        "door": job.door,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "links": {"self": door_path(request, f"/imports/{job.id}"),
                  "rejected_csv": door_path(request, f"/imports/{job.id}/rejected.csv")},
    }


def render_row(row) -> dict[str, Any]:
    return {"index": row.row_index, "status": row.status, "contact_id": str(row.contact_id) if row.contact_id else None,
            "errors": row.errors or [], "note": row.note}


def install(app: FastAPI, db: Database, settings: Settings, actor_dependency) -> None:
    Caller = Annotated[Actor, Depends(actor_dependency)]
    PageLimit = page_limit(settings)

    @app.post("/imports", status_code=202, tags=["imports"], openapi_extra={"requestBody": _IMPORT_BODY},
              responses={202: {"model": ImportJobOut}})
    async def start_import(request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        """Start an import job. Either `multipart/form-data` with a `file` (CSV, XLSX, XLS, ODS, vCard, or JSONL:
        one contact a line in this API's shape, as `contacthub export` writes it) and
        optional fields `mapping` (JSON object header -> target), `on_duplicate`
        (merge|skip|create|review, default merge), `overwrite` (true|false), `match`
        (exact|fuzzy, default exact: fuzzy also scores rows with no shared email or phone
        through the identity engine) and `create_groups` (true|false, default false: a group a
        row names that does not exist is created, else noted on the row) and `kind` (person|
        organization|group: every row's whose file has no Type column or a blank Type cell); or a
        JSON body `{"url" | "data_url", "mapping", "on_duplicate", "overwrite", "match", "create_groups", "kind"}`.
        Answers 202 with the job; follow it at `GET /v1/imports/{id}`."""
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("multipart/form-data"):
            form = await request.form(max_files=1, max_fields=10)
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                raise InvalidInput(FieldError("file", "send the file in a form field named file"))
            options = _options({
                "mapping": _json_field(form.get("mapping"), "mapping"),
                "on_duplicate": form.get("on_duplicate") or "merge",
                "overwrite": form.get("overwrite") or False,  # "maybe" is a 422, not a quiet false
                "match": form.get("match") or "exact",
                "create_groups": form.get("create_groups") or False,
                "kind": form.get("kind") or None,
            })
            return await run_in_threadpool(_start_upload, caller, upload, options, idempotency_key, request)
        raw = await request.body()
        try:
            payload = parse_json(raw or b"null")
        except ValueError as exc:
            return error_response(400, "the request body is not valid JSON" if isinstance(exc, json.JSONDecodeError)
                                  else str(exc))
        try:
            body = ImportRequest.model_validate(payload)
        except ValidationError as exc:
            raise InvalidInput([FieldError(dotted_path(e["loc"]) or "body", reason_of(e)) for e in exc.errors()]) from None
        options = _options(body.model_dump(exclude={"url", "data_url"}))  # the rest are ImportOptions' own
        spec = (imports.SourceSpec(url=body.url, field="url") if body.url is not None
                else imports.SourceSpec(data_url=body.data_url, field="data_url"))
        # the body as read, not its bytes: the same request spaced otherwise is the same request
        print_ = idempotency.fingerprint("POST", "/v1/imports", body.model_dump_json(exclude_unset=True).encode())
        return await run_in_threadpool(_start, caller, spec, options, idempotency_key, print_, request)

    def _start_upload(caller: Actor, upload: UploadFile, options: ImportOptions, key: str | None, request: Request):
        digest = hashlib.sha256(options.model_dump_json().encode())
        upload.file.seek(0)
        while chunk := upload.file.read(UPLOAD_CHUNK):
            digest.update(chunk)
        upload.file.seek(0)

        def chunks() -> Iterator[bytes]:
            while chunk := upload.file.read(UPLOAD_CHUNK):
                yield chunk

        spec = imports.SourceSpec(upload=chunks(), upload_name=(upload.filename or "upload")[:200],
                                  upload_type=upload.content_type or "", field="file")
        return _start(caller, spec, options, key, idempotency.fingerprint("POST", "/v1/imports", digest.digest()),
                      request)

    def _start(caller: Actor, spec, options: ImportOptions, key: str | None, print_: str, request: Request):
        def work(session):
            return 202, render_job(import_jobs.create_job(session, caller, spec, options, settings), request)

        answer = idempotency.run_once(lambda: db.write(workspace=caller.workspace_id), caller, key, print_, work)
        headers = {"Location": door_path(request, f"/imports/{answer.body['id']}")}
        if answer.replayed:
            headers["Idempotent-Replayed"] = "true"
        return JSONResponse(answer.body, status_code=answer.status, headers=headers)

    @app.get("/imports", tags=["imports"], responses={200: {"model": ImportJobPageOut}})
    def list_imports(request: Request, caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        """The workspace's import jobs, newest first."""
        size = clamp_limit(limit, settings.default_page_size, settings.max_page_size)
        with db.read() as session:
            jobs = import_jobs.jobs_page(session, caller, decode_cursor(cursor), size + 1)
            more = len(jobs) > size
            jobs = jobs[:size]
            return {"data": [render_job(j, request) for j in jobs],
                    "next_cursor": encode_cursor(jobs[-1].id) if more and jobs else None, "has_more": more}

    @app.get("/imports/{import_id}", tags=["imports"], responses={200: {"model": ImportJobWithRowsOut}})
    def get_import(
        request: Request, import_id: str, caller: Caller,
        status: Annotated[str | None, Query(description="Only rows with these outcomes, comma-separated.")] = None,
        after: Annotated[QueryInt, Query(ge=-1, description="Rows after this index (the `next_after` of a page).")] = -1,
        limit: PageLimit = None,
    ):
        """The job: status, progress, counters, and one page of row outcomes (index order)."""
        size = clamp_limit(limit, settings.default_page_size, settings.max_page_size)
        statuses = [s.strip() for s in status.split(",") if s.strip()] if status else None
        job_id = parse_id(import_id, "import")
        with db.read() as session:
            job = import_jobs.get_job(session, caller, job_id)
            rows = import_jobs.row_outcomes(session, caller, job_id, statuses, after, size + 1)
            more = len(rows) > size
            rows = rows[:size]
            out = render_job(job, request)
            out["rows"] = {"data": [render_row(r) for r in rows], "has_more": more,
                           "next_after": rows[-1].row_index if more and rows else None}
            return out

    @app.get("/imports/{import_id}/rejected.csv", tags=["imports"], response_class=StreamingResponse,
             responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                              "description": "`row_index`, the file's columns as read, `errors`."}})
    def rejected_csv(import_id: str, caller: Caller):
        """The rejected (invalid) rows as they were read, with their index and reasons."""
        job_id = parse_id(import_id, "import")
        with db.read() as session:
            import_jobs.get_job(session, caller, job_id)
        rows = import_jobs.rejected_rows(db, caller, job_id)
        return StreamingResponse(rejected_lines(rows), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="import-{job_id}-rejected.csv"'})


def rejected_lines(rows) -> Iterator[str]:
    """The rejected rows of an import as a CSV, a line at a time: `row_index`, the file's
    columns as read, `errors` (what `GET /v1/imports/{id}/rejected.csv` and `contacthub import
    --rejected` write)."""
    buffer = io.StringIO()
    writer = None
    for row in rows:
        cells = import_jobs.cells_as_read(row)
        if writer is None:
            writer = csv.writer(buffer)
            writer.writerow(["row_index", *(header for header, _ in cells), "errors"])
        reasons = "; ".join(f"{e.get('column') or e.get('field')}: {e.get('reason')}" for e in row.errors or [])
        writer.writerow([row.row_index, *(cell for _, cell in cells), reasons])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if writer is None:
        yield "row_index,errors\n"


def _json_field(value, field: str):
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidInput(FieldError(field, "must be a JSON object"))
    try:
        return parse_json(value)
    except ValueError:
        raise InvalidInput(FieldError(field, "must be a JSON object")) from None


def _options(values: dict) -> ImportOptions:
    try:
        return ImportOptions(**values)
    except ValidationError as exc:
        raise InvalidInput([FieldError(dotted_path(e["loc"]) or "options", reason_of(e)) for e in exc.errors()]) from None
