"""Domain errors -> the NGP VAN envelope: a status >= 400 and
{"errors": [{"code": "INVALID_PARAMETER", "text": "...", "properties": ["phones[1].number"], "hint": "..."}]}.
The handlers themselves are shared (dialects/errors_base.py); this is only the wording, plus
the two failures only this door meets: a body that is no JSON object (MalformedBody) and
query parameters it does not take (BadParameters)."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated, dotted_path, reason_of
from contacthub.dialects import errors_base
from contacthub.dialects.ngpvan.mapping import wire_path

log = logging.getLogger("contacthub.ngpvan")

CODES = {400: "INVALID_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
         405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "REQUEST_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
         429: "TOO_MANY_REQUESTS", 500: "INTERNAL_SERVER_ERROR", 503: "SERVICE_UNAVAILABLE", 507: "INSUFFICIENT_STORAGE"}


class MalformedBody(Exception):
    """The body is not JSON (or not a JSON object)."""


class BadParameters(Exception):
    """Query parameters this door does not take (named as sent, not mapped to the model)."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))


def error(code: str, text: str, properties: list[str] | None = None, hint: str | None = None) -> dict:
    body = {"code": code, "text": text}
    if properties:
        body["properties"] = properties
    if hint:
        body["hint"] = hint
    return body


def respond(status: int, errors: list[dict], headers=None) -> JSONResponse:
    return JSONResponse({"errors": errors}, status_code=status, headers=headers)


def too_large(limit: int) -> JSONResponse:
    return respond(413, [error("REQUEST_TOO_LARGE", f"The request body is larger than {limit} bytes.")])


def from_validation(exc: RequestValidationError) -> JSONResponse:
    items = []
    for e in exc.errors():
        path = dotted_path(e.get("loc", ()), skip=("body", "query", "path", "header"))
        message = reason_of(e)
        if e.get("type") == "extra_forbidden":
            message = "is not a field of the contact model"
        items.append(error("INVALID_PARAMETER", f"'{path}' {message}" if path else message, [path] if path else None))
    return respond(400, items)


class NgpVanErrors(errors_base.ErrorRenderer):
    unreadable_text = None  # a 400 HTTPException keeps its own detail
    failed_text = "The request failed."
    crashed_text = "Something went wrong on our side; nothing was changed."

    def plain(self, request: Request, status: int, message: str, headers=None) -> JSONResponse:
        return respond(status, [error(CODES.get(status, "ERROR"), message)], headers=headers)

    def too_large(self, request: Request, limit: int) -> JSONResponse:
        return too_large(limit)  # the module's, which BodyLimit also calls

    def invalid(self, request: Request, exc: InvalidInput) -> JSONResponse:
        # the core's paths, as the common model names them ("first_name" -> "firstName")
        fields = [(wire_path(e.field), e.message) for e in exc.errors]
        return respond(400, [error("INVALID_PARAMETER", f"'{f}' {m}", [f]) for f, m in fields])

    def request_invalid(self, request: Request, exc: RequestValidationError) -> JSONResponse:
        # This door reads its bodies itself (bad JSON is a MalformedBody), so every schema fault,
        # whatever its type, is listed like the fault of a contact model.
        return from_validation(exc)

    def http_error(self, request: Request, exc: HTTPException) -> JSONResponse:
        # the router's own 404 (no such path) and 405 (a path without that method, with Allow)
        if exc.status_code == 404:
            return self.plain(request, 404, "The resource was not found.")
        if exc.status_code == 405:  # its Allow header names every method of the path (errors_base)
            return self.plain(request, 405, f"The method {request.method} is not allowed on this resource.",
                              getattr(exc, "headers", None))
        return super().http_error(request, exc)

    def not_found(self, request: Request, exc: NotFound) -> JSONResponse:
        return self.plain(request, 404, f"The {exc.entity} was not found.")

    def conflict(self, request: Request, exc: Conflict) -> JSONResponse:
        return respond(409, [error("CONFLICT", exc.message, [exc.field] if exc.field else None)])

    def unauthenticated(self, request: Request, exc: Unauthenticated) -> JSONResponse:
        return respond(401, [error("UNAUTHORIZED", "Authorization has been denied for this request.",
                                   hint="Use HTTP Basic with username apiuser and your API key as password, "
                                        "or an apiKey header.")],
                       headers={"WWW-Authenticate": 'Basic realm="ngpvan"'})


def install(app: FastAPI) -> None:
    errors_base.install(app, NgpVanErrors(), log)

    @app.exception_handler(BadParameters)
    def _bad_parameters(_: Request, exc: BadParameters):
        return respond(400, [error("INVALID_PARAMETER", f"'{e.field}' {e.message}", [e.field]) for e in exc.errors])

    @app.exception_handler(MalformedBody)
    def _malformed(_: Request, exc: MalformedBody):
        return respond(400, [error("INVALID_REQUEST_BODY", str(exc) or "The request body is not valid JSON.",
                                   hint="Send the contact as a JSON object with Content-Type: application/json.")])
