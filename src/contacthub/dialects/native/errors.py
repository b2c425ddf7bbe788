"""Domain errors -> the native envelope:
{"error": {"type", "message", "details": [{"field", "message"}]}}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from contacthub.dialects.common import BodyTooLarge, dotted_path

log = logging.getLogger("contacthub.native")

TYPES = {
    400: "invalid_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error",
    429: "rate_limited", 500: "internal_error",
}


def error_response(
    status: int, message: str, details: list[dict] | None = None, headers=None, **extra
) -> JSONResponse:
    body = {"error": {"type": TYPES.get(status, "error"), "message": message, "details": details or [], **extra}}
    return JSONResponse(body, status_code=status, headers=headers)


def too_large(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is larger than the limit of {limit} bytes")


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    def _invalid(_: Request, exc: InvalidInput):
        return error_response(422, exc.message, [{"field": e.field, "message": e.message} for e in exc.errors])

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound):
        return error_response(404, exc.message)

    @app.exception_handler(Conflict)
    def _conflict(_: Request, exc: Conflict):
        details = [{"field": exc.field, "message": exc.message}] if exc.field else []
        # The id of the contact in the way lets the caller decide what to do with it.
        extra = {"existing_id": str(exc.existing_id)} if exc.existing_id else {}
        return error_response(409, exc.message, details, **extra)

    @app.exception_handler(Unauthenticated)
    def _unauthenticated(_: Request, exc: Unauthenticated):
        return error_response(401, exc.message, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    def _forbidden(_: Request, exc: Forbidden):
        return error_response(403, exc.message)

    @app.exception_handler(BodyTooLarge)
    def _too_large(_: Request, exc: BodyTooLarge):
        return too_large(exc.limit)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(_: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response(400, "the request body is not valid JSON")
        details = [
            {"field": dotted_path(e.get("loc", ()), skip=("body", "query", "path", "header")), "message": e.get("msg", "invalid")}
            for e in errors
        ]
        return error_response(422, "the request is invalid", details)

    @app.exception_handler(HTTPException)
    def _http(_: Request, exc: HTTPException):
        if isinstance(exc.__cause__, BodyTooLarge):
            return too_large(exc.__cause__.limit)
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 400:
            message = "the request body could not be read"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "something went wrong on our side; the request changed nothing")
