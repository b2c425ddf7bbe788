"""Domain errors -> the native envelope:
{"error": {"type", "message", "details": [{"field", "message"}]}}.
The handlers themselves are shared (dialects/errors_base.py); this is only the wording."""

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contacthub.core.errors import Conflict, InvalidInput, dotted_path, reason_of
from contacthub.dialects import errors_base

log = logging.getLogger("contacthub.native")

TYPES = {
    400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    410: "gone", 429: "rate_limited", 500: "internal_error", 503: "busy", 507: "insufficient_storage",
}


def error_response(
    status: int, message: str, details: list[dict] | None = None, headers=None, kind: str | None = None, **extra
) -> JSONResponse:
    body = {"error": {"type": kind or TYPES.get(status, "error"), "message": message, "details": details or [], **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


def too_large(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is larger than the limit of {limit} bytes")


class NativeErrors(errors_base.ErrorRenderer):
    challenge = "Bearer"

    def plain(self, request: Request, status: int, message: str, headers=None) -> JSONResponse:
        return error_response(status, message, headers=headers)

    def read_only(self, request: Request, exc) -> JSONResponse:
        return error_response(503, exc.message, kind="read_only")  # not "busy": waiting will not help

    def too_large(self, request: Request, limit: int) -> JSONResponse:
        return too_large(limit)  # the module's, which BodyLimit also calls

    def invalid(self, request: Request, exc: InvalidInput) -> JSONResponse:
        return error_response(422, exc.message, [{"field": e.field, "message": e.message} for e in exc.errors])

    def fields_invalid(self, request: Request, errors: list[dict]) -> JSONResponse:
        details = [
            {"field": dotted_path(e.get("loc", ()), skip=("body", "query", "path", "header")), "message": reason_of(e, "invalid")}
            for e in errors
        ]
        return error_response(422, "the request is invalid", details)

    def conflict(self, request: Request, exc: Conflict) -> JSONResponse:
        details = [{"field": exc.field, "message": exc.message}] if exc.field else []
        # The id of the contact in the way lets the caller decide what to do with it.
        extra = {"existing_id": str(exc.existing_id)} if exc.existing_id else {}
        return error_response(409, exc.message, details, **extra)


def install(app: FastAPI) -> None:
    errors_base.install(app, NativeErrors(), log)
