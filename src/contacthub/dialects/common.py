"""Plumbing every door shares: the body size limit, key lookup, path ids, error paths.
Nothing here knows a wire format; each door passes its own renderer."""

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import anyio
from fastapi import FastAPI
from pydantic import BaseModel, BeforeValidator
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contacthub.core import workspaces
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput, NotFound
from contacthub.core.rate_limits import RateLimiter
from contacthub.db.engine import Database

# Each door is a FastAPI app mounted under the root app (app.py), whose telemetry already sees
# every request: a door's own would trace each request a second time, and checking whether any
# OpenTelemetry provider is configured cost a few percent of a GET.
DOOR_TELEMETRY = {"tracing": False, "metrics": False, "logs": False}


def operation_id(route) -> str:
    """An operation's id in a door's OpenAPI document: its function's name (`create_contact`),
    unique within each door, which generated clients take as the method's name (FastAPI's own
    adds the path and method: `set_organization_members_organizations__organization_id__members_put`)."""
    return route.name


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the request body is larger than {limit} bytes")


# What every door answers, in its own envelope, through errors_base (for the OpenAPI documents)
SHARED_ERRORS: dict[int, str] = {
    400: "The request is malformed: its body is no JSON object, or it cannot be read.",
    401: "No valid API key.",
    403: "A read-only key asked to write; nothing was written.",
    404: "No such resource in this workspace.",
    405: "The path does not take this method (`Allow` lists those it takes).",
    413: "The request body is larger than the limit.",
    415: "The request body is compressed (`Content-Encoding`); send it uncompressed.",
    429: "The key made more requests than CONTACTHUB_RATE_LIMIT_PER_SECOND allows; nothing was done. "
         "Retry after `Retry-After` seconds.",
    503: "A write waited CONTACTHUB_WRITE_WAIT_SECONDS for another writer and gave up (retry after "
         "`Retry-After` seconds), or the store is read-only; nothing was written.",
    507: "The store has no room left (its disk is full); nothing was written. Retry after `Retry-After` seconds.",
}


def error_responses(model: type, *door_statuses: int) -> dict[int, dict[str, Any]]:
    """The `responses` of a door's FastAPI app: the errors every door answers, and the door's own
    (`door_statuses`: a 409, a 422…), each as `model`, the door's error envelope."""
    return {status: {"model": model, **({"description": SHARED_ERRORS[status]} if status in SHARED_ERRORS else {})}
            for status in sorted({*SHARED_ERRORS, *door_statuses})}


class BodyEncoded(Exception):
    """The request body came compressed (Content-Encoding: gzip, say), which no door reads."""

    def __init__(self, coding: str):
        self.coding = coding
        super().__init__(f"the request body is {coding}-encoded; send it uncompressed, without Content-Encoding")


class HeadAsGet:
    """HEAD answered as the GET of the same URL, headers only (RFC 9110 §9.3.2: every
    general-purpose server supports it; health checks, link checkers and `curl -I` send it).
    FastAPI routes a GET only, so each door answered 405."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        answered = anyio.Event()  # the headers are sent: the answer is over

        async def headers_only(message: Message) -> None:
            if answered.is_set():
                return
            if message["type"] == "http.response.body":  # its first piece ends it
                message = {"type": "http.response.body", "body": b"", "more_body": False}
                answered.set()
            await send(message)

        async def gone_once_answered() -> Message:
            # A streamed answer (an export) stops when its client goes: told so once the headers
            # are sent, it stops making a body no one reads (with 100,000 contacts that kept the
            # connection busy for seconds, the CPU too). The server itself says so only when the
            # client closes the connection.
            if answered.is_set():
                return {"type": "http.disconnect"}
            heard: Message = {"type": "http.disconnect"}
            async with anyio.create_task_group() as waiting:
                async def from_client() -> None:
                    nonlocal heard
                    heard = await receive()
                    waiting.cancel_scope.cancel()

                async def until_answered() -> None:
                    await answered.wait()
                    waiting.cancel_scope.cancel()

                waiting.start_soon(from_client)
                waiting.start_soon(until_answered)
            return heard

        await self.app({**scope, "method": "GET"}, gone_once_answered, headers_only)


class BodyLimit:
    """Refuses bodies over `max_bytes`: at once when Content-Length says so, otherwise as soon
    as the streamed body passes the limit (the door's handler for BodyTooLarge answers); and
    compressed bodies, when the route reads its body (BodyEncoded: 415; they were read as
    malformed JSON)."""

    def __init__(self, app: ASGIApp, max_bytes: int, reject: Callable[[int], Response],
                 overrides: dict[str, int] | None = None):
        self.app = app
        self.max_bytes = max_bytes
        self.reject = reject
        # path prefix (inside the door, e.g. "/imports") -> its own limit (uploads)
        self.overrides = overrides or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self.reject(limit)(scope, receive, send)
            return
        seen = 0
        coding = dict(scope["headers"]).get(b"content-encoding", b"").strip().lower()

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                if coding and coding != b"identity":
                    raise BodyEncoded(coding.decode("latin-1"))
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)

    def _limit_for(self, scope: Scope) -> int:
        if self.overrides:
            path, root = scope.get("path", ""), scope.get("root_path", "")
            inner = path[len(root):] if root and path.startswith(root) else path
            for prefix, limit in self.overrides.items():
                if inner == prefix or inner.startswith(prefix + "/"):
                    return limit
        return self.max_bytes


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class Gate:
    """Who may come in through a door: the key's check and its rate (one Gate is shared by every
    door of an app, so a key's requests count together)."""

    def __init__(self, db: Database, limits: RateLimiter):
        self.db = db
        self.limits = limits

    def authenticate(self, api_key: str | None, door: str, request: Request, reads: tuple[str, ...] = ()) -> Actor:
        """The caller of `request`. A request writes unless it is a GET (HEAD, OPTIONS) or a POST
        whose path ends as one of the door's `reads` (a search, a match); the key's grant says
        whether it may (see workspaces.KeyGrant.actor), and its rate whether it may now."""
        grant = workspaces.KEY_CACHE.lookup(api_key, lambda: _load_key(self.db, api_key))
        return self._admit(grant, door, request, reads)

    async def authenticate_async(self, api_key: str | None, door: str, request: Request,
                                 reads: tuple[str, ...] = ()) -> Actor:
        """For async dependencies: a cached key costs no thread hop; a lookup runs in the thread pool."""
        cached = workspaces.KEY_CACHE.peek(api_key)
        if cached is not None:
            return self._admit(cached, door, request, reads)
        return await run_in_threadpool(self.authenticate, api_key, door, request, reads)

    def _admit(self, grant: workspaces.KeyGrant, door: str, request: Request, reads: tuple[str, ...]) -> Actor:
        self.limits.take(grant.key_id)  # first: a request the key may not make counts too
        return grant.actor(door, writes=_writes(request, reads))


def _writes(request: Request, reads: tuple[str, ...]) -> bool:
    return request.method not in READ_METHODS and not (
        request.method == "POST" and bool(reads) and request.url.path.endswith(reads))


def _load_key(db: Database, api_key: str | None) -> workspaces.KeyGrant:
    with db.read() as session:
        key = workspaces.authenticate(session, api_key)
        return workspaces.KeyGrant(key.workspace_id, key.id, key.read_only)


def door_path(request: Request, path: str) -> str:
    """`path` of the door `request` came through, as a client reaches it: under the door's mount
    (/v1, /ngpvan) and any proxy's prefix (serve --root-path), both in the scope's root_path."""
    return request.scope.get("root_path", "") + path


def given(value: str | None) -> str | None:
    """A query parameter filtering a list: None when absent or blank (`?email=` and `?email=%20`
    are no filter, in every door), else without the blanks around it."""
    return value.strip() if value is not None and value.strip() else None


def parse_json(raw: str | bytes) -> Any:
    """json.loads, with every way a body can fail to read as a ValueError saying why (a syntax
    fault stays a JSONDecodeError; nesting past the interpreter's depth would be a RecursionError)."""
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise ValueError("The request body is nested too deeply to read.") from None
    except ValueError:  # an integer of thousands of digits
        raise ValueError("The request body holds a number too long to read.") from None


def parse_id(raw: str, entity: str, prefix: str = "") -> uuid.UUID:
    """A path id, with the door's prefix if it has one ("con_…"); malformed ids are simply not found."""
    text = raw[len(prefix):] if prefix and raw.startswith(prefix) else raw
    try:
        return uuid.UUID(text)
    except ValueError:
        raise NotFound(entity, raw) from None


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(user, password) from `Authorization: Basic base64(user:password)`; None if absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def bearer_token(header: str | None, schemes: tuple[str, ...] = ("bearer",)) -> str | None:
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() in schemes and token.strip() else None


def document_json_body(app: FastAPI, model: type[BaseModel], operations: list[tuple[str, str]]) -> None:
    """Shows `model` as the JSON request body of each (path, method) in `app`'s OpenAPI
    document: for routes that read their body themselves (to accept what a vendor's clients
    send, or to answer in the vendor's words), which FastAPI cannot see."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        body = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        schemas.update(body.pop("$defs", {}))
        schemas[model.__name__] = body
        for path, method in operations:
            document["paths"][path][method]["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}},
            }
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def document_security(app: FastAPI, schemes: dict[str, dict[str, Any]]) -> None:
    """Declares how `app`'s callers authenticate as OpenAPI security schemes, any one of which
    will do, for every operation: so the docs page's Authorize button and generated clients
    send the key. The routes read those headers themselves (in the vendor's words when they are
    wrong) and leave them out of the document as parameters."""
    def secured(document: dict[str, Any]) -> None:
        document.setdefault("components", {})["securitySchemes"] = schemes
        document["security"] = [{name: []} for name in schemes]
        # on each operation too: generators read auth from the operation (else it looks optional)
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                if isinstance(operation, dict):
                    operation.setdefault("security", document["security"])

    amend_document(app, secured)


def drop_framework_422(app: FastAPI) -> None:
    """Leaves out of `app`'s OpenAPI document the 422 FastAPI adds to every operation that takes
    parameters (its own `{"detail": [...]}` shape): a door whose vendor answers 400 for invalid
    input never sends it, and a generated client would expect it."""
    def dropped(document: dict[str, Any]) -> None:
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                answer = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
                if answer is not None and "HTTPValidationError" in json.dumps(answer):
                    del operation["responses"]["422"]
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)

    amend_document(app, dropped)


def amend_document(app: FastAPI, change: Callable[[dict[str, Any]], None]) -> None:
    """`change` applied to `app`'s OpenAPI document once, when it is first made."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = generate()
        change(document)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def storable_params(request: Request) -> None:  # async: no thread hand-off for a string scan
    """A dependency refusing query and path values no store can compare with (a NUL character:
    PostgreSQL refuses it even in a filter) as InvalidInput naming the parameter."""
    params = [*request.query_params.multi_items(), *request.path_params.items()]
    faults = [FieldError(name, "must not contain NUL characters")
              for name, value in params if "\x00" in str(value) or "\x00" in name]
    if faults:
        raise InvalidInput(faults)


_DIGITS = re.compile(r"-?[0-9]+")


_LARGEST = 2**63 - 1  # what either engine's integers hold


def _written_in_digits(value: Any) -> Any:
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number, written in digits")
    if isinstance(value, str) and abs(int(value)) > _LARGEST:
        raise ValueError(f"must be at most {_LARGEST} in size")
    return value


# A number in a query string (a page size, a page, a position), as written: digits, maybe a
# minus, no larger than a database integer. Read as Python reads a number, `limit=5_0` was 50
# and `+5` or ` 5 ` were 5; `after=9223372036854775808` reached the database, a 500.
QueryInt = Annotated[int, BeforeValidator(_written_in_digits)]


def blank_means(default: Any) -> BeforeValidator:
    """A query option given blank (`?direction=`, `?reverse=`) is the option not given, as a
    filter given blank is no filter, rather than a 4xx for an option nobody chose."""
    return BeforeValidator(lambda value: default if isinstance(value, str) and not value.strip() else value)
