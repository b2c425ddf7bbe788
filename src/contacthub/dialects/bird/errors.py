"""Domain errors -> Bird's envelope: {"code", "message", "details"}, where details maps a dotted
path such as ".displayName" or ".identifiers[0].value" to a list of messages."""

import logging
import re
from collections import defaultdict

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Unauthenticated
from contacthub.dialects.common import BodyTooLarge, dotted_path

log = logging.getLogger("contacthub.bird")

CODES = {
    400: "InvalidPayload", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
    409: "ResourceAlreadyExists", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "InvalidPayload",
    429: "TooManyRequests", 500: "InternalServerError",
}

# Core field names -> where the same thing sits in Bird's bodies.
_CORE_PATHS = (
    (re.compile(r"^lists(\[\d+\])?"), r"listIds\1"),
    (re.compile(r"^accounts(\[\d+\])?(\.id)?"), r"accountIds\1"),
    (re.compile(r"^display_name"), "displayName"),
    (re.compile(r"^first_name"), "attributes.firstName"),
    (re.compile(r"^last_name"), "attributes.lastName"),
    (re.compile(r"^contact_ids"), "contacts"),
    (re.compile(r"^(emails|phones)(\[\d+\])?(\.address|\.number)?$"), "identifiers"),
    (re.compile(r"^cursor$"), "pageToken"),
)


def bird_path(field: str) -> str:
    for pattern, replacement in _CORE_PATHS:
        field = pattern.sub(replacement, field)
    return field if field.startswith(".") else "." + field


def error_response(status: int, message: str, details: dict[str, list[str]] | None = None, headers=None) -> JSONResponse:
    body = {"code": CODES.get(status, "Error"), "message": message, "details": details or {}}
    return JSONResponse(body, status_code=status, headers=headers)


def field_details(errors: list[FieldError]) -> dict[str, list[str]]:
    details: dict[str, list[str]] = defaultdict(list)
    for error in errors:
        details[bird_path(error.field)].append(error.message)
    return dict(details)


def _summary(details: dict[str, list[str]]) -> str:
    """One line naming every fault, for people reading logs; `details` has the same, by path."""
    faults = "; ".join(f"{path}: {message}" for path, messages in details.items() for message in messages)
    return f"the payload is invalid: {faults}" if faults else "the payload is invalid"


def too_large(limit: int) -> JSONResponse:
    return error_response(413, f"the request body is larger than the limit of {limit} bytes")


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    def _invalid(_: Request, exc: InvalidInput):
        details = field_details(exc.errors)
        return error_response(422, _summary(details), details)

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound):
        return error_response(404, exc.message)

    @app.exception_handler(Conflict)
    def _conflict(_: Request, exc: Conflict):
        details = {bird_path(exc.field): [exc.message]} if exc.field else {}
        return error_response(409, exc.message, details)

    @app.exception_handler(Unauthenticated)
    def _unauthenticated(_: Request, exc: Unauthenticated):
        return error_response(401, exc.message, headers={"WWW-Authenticate": "AccessKey"})

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
        details: dict[str, list[str]] = defaultdict(list)
        for e in errors:
            loc = e.get("loc", ())
            path = dotted_path(loc, skip=("body", "query", "path", "header")) if len(loc) > 1 else ""
            details["." + path if path else "."].append(e.get("msg", "invalid"))
        return error_response(422, _summary(details), dict(details))

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
