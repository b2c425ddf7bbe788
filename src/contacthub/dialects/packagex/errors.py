"""Domain errors -> the PackageX envelope, with the HTTP status repeated in it:
{"message", "data": null, "status", "errors": [str], "code", "pagination": null, "endpoint"}.
The handlers themselves are shared (dialects/errors_base.py); this is only the wording."""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contacthub.core.errors import InvalidInput, NotFound, Unauthenticated, dotted_path
from contacthub.dialects import errors_base

log = logging.getLogger("contacthub.packagex")

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 422: "unprocessable_entity", 429: "too_many_requests",
    500: "internal_error",
}


def endpoint(request_or_scope) -> str:
    scope = request_or_scope.scope if hasattr(request_or_scope, "scope") else request_or_scope
    path = scope.get("path", "")
    root = scope.get("root_path", "")
    return path[len(root):] if root and path.startswith(root) else path


def envelope(endpoint_path: str, status: int, message: str, data=None, errors: list[str] | None = None,
             pagination: dict | None = None, code: str | None = None, headers=None) -> JSONResponse:
    body = {"message": message, "data": data, "status": status, "errors": errors or [],
            "code": code if code is not None else (CODES.get(status) if status >= 400 else None),
            "pagination": pagination, "endpoint": endpoint_path}
    return JSONResponse(body, status_code=status, headers=headers)


def too_large_for(path: str):
    def reject(limit: int) -> JSONResponse:
        message = f"The request body is larger than the limit of {limit} bytes."
        return envelope(path, 413, message, errors=[f"body: {message}"])
    return reject


def _path(loc) -> str:
    """("body", "address", "constrained-str") -> "address": the union branch names pydantic adds
    to a location ("str", "constrained-str", "AddressBody", "list[str]") are not fields."""
    parts = [p for p in loc if not (isinstance(p, str) and re.match(r"^(constrained-)?(str|int|float|bool|list|dict)\b|^[A-Z]\w*(Body|Options)$", p))]
    return dotted_path(parts, skip=("body", "query", "path", "header"))


class PackageXErrors(errors_base.ErrorRenderer):
    unreadable_text = "The request body could not be read."
    not_json_text = "The request body must be a JSON object, sent with Content-Type: application/json."
    failed_text = "Request failed."

    def plain(self, request: Request, status: int, message: str, headers=None) -> JSONResponse:
        # PackageX repeats the message in `errors` (conflicts, forbidden, framework errors).
        return envelope(endpoint(request), status, message, errors=[message], headers=headers)

    def too_large(self, request: Request, limit: int) -> JSONResponse:
        return too_large_for(endpoint(request))(limit)

    def invalid(self, request: Request, exc: InvalidInput) -> JSONResponse:
        from contacthub.dialects.packagex.mapping import wire_field

        faults = [f"{wire_field(e.field)}: {e.message}" for e in exc.errors]
        # the core's own summary names core fields; said again in PackageX's names
        plain = exc.message == "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        return envelope(endpoint(request), 400, "; ".join(faults) if plain else exc.message, errors=faults)

    def bad_json(self, request: Request) -> JSONResponse:
        return envelope(endpoint(request), 400, "The request body is not valid JSON.", errors=["body: invalid JSON"])

    def fields_invalid(self, request: Request, errors: list[dict]) -> JSONResponse:
        messages = [f"{_path(e.get('loc', ())) or 'body'}: {e.get('msg', 'invalid')}" for e in errors]
        return envelope(endpoint(request), 400, "The request is invalid.", errors=messages)

    def not_found(self, request: Request, exc: NotFound) -> JSONResponse:
        return envelope(endpoint(request), 404, f"The {exc.entity} was not found.", errors=[exc.message])

    def unauthenticated(self, request: Request, exc: Unauthenticated) -> JSONResponse:
        # No WWW-Authenticate: the key travels in a PX-API-KEY header, not an auth scheme.
        return envelope(endpoint(request), 401, "A valid PX-API-KEY header is required.", errors=[exc.message])

    def unexpected(self, request: Request, exc: Exception) -> JSONResponse:
        message = "Something went wrong on our side; the request changed nothing."
        return envelope(endpoint(request), 500, message, errors=[f"server: {message}"])


def install(app: FastAPI) -> None:
    errors_base.install(app, PackageXErrors(), log)
