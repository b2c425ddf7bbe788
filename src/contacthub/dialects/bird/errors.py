"""Domain errors -> Bird's envelope: {"code", "message", "details"}, where details maps a dotted
path such as ".displayName" or ".identifiers[0].value" to a list of messages.
The handlers themselves are shared (dialects/errors_base.py); this is only the wording."""

import logging
import re
from collections import defaultdict

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contacthub.core.errors import Conflict, FieldError, InvalidInput, dotted_path, reason_of
from contacthub.dialects import errors_base

log = logging.getLogger("contacthub.bird")

CODES = {
    400: "InvalidPayload", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
    409: "ResourceAlreadyExists", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 422: "InvalidPayload",
    429: "TooManyRequests", 500: "InternalServerError", 503: "ServiceUnavailable", 507: "InsufficientStorage",
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


class BirdErrors(errors_base.ErrorRenderer):
    challenge = "AccessKey"

    def plain(self, request: Request, status: int, message: str, headers=None) -> JSONResponse:
        return error_response(status, message, headers=headers)

    def too_large(self, request: Request, limit: int) -> JSONResponse:
        return too_large(limit)  # the module's, which BodyLimit also calls

    def invalid(self, request: Request, exc: InvalidInput) -> JSONResponse:
        details = field_details(exc.errors)
        return error_response(422, _summary(details), details)

    def fields_invalid(self, request: Request, errors: list[dict]) -> JSONResponse:
        details: dict[str, list[str]] = defaultdict(list)
        for e in errors:
            loc = e.get("loc", ())
            path = dotted_path(loc, skip=("body", "query", "path", "header")) if len(loc) > 1 else ""
            details["." + path if path else "."].append(reason_of(e, "invalid"))
        return error_response(422, _summary(details), dict(details))

    def conflict(self, request: Request, exc: Conflict) -> JSONResponse:
        details = {bird_path(exc.field): [exc.message]} if exc.field else {}
        return error_response(409, exc.message, details)


def install(app: FastAPI) -> None:
    errors_base.install(app, BirdErrors(), log)
