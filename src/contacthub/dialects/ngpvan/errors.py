"""Domain errors -> the NGP VAN envelope: a status >= 400 and
{"errors": [{"code": "INVALID_PARAMETER", "text": "...", "properties": ["phones[1].number"], "hint": "..."}]}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from contacthub.dialects.common import BodyTooLarge, dotted_path

log = logging.getLogger("contacthub.ngpvan")

CODES = {400: "INVALID_PARAMETER", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
         405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "REQUEST_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
         500: "INTERNAL_SERVER_ERROR"}


class MalformedBody(Exception):
    """The body is not JSON (or not a JSON object)."""


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


def from_validation(exc: ValidationError | RequestValidationError) -> JSONResponse:
    items = []
    for e in exc.errors():
        path = dotted_path(e.get("loc", ()), skip=("body", "query", "path", "header"))
        message = e.get("msg", "is invalid")
        if e.get("type") == "extra_forbidden":
            message = "is not a field of the contact model"
        items.append(error("INVALID_PARAMETER", f"'{path}' {message}" if path else message, [path] if path else None))
    return respond(400, items)


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    def _invalid(_: Request, exc: InvalidInput):
        return respond(400, [error("INVALID_PARAMETER", f"'{e.field}' {e.message}", [e.field]) for e in exc.errors])

    @app.exception_handler(ValidationError)
    def _wire_invalid(_: Request, exc: ValidationError):
        return from_validation(exc)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(_: Request, exc: RequestValidationError):
        return from_validation(exc)

    @app.exception_handler(MalformedBody)
    def _malformed(_: Request, exc: MalformedBody):
        return respond(400, [error("INVALID_REQUEST_BODY", str(exc) or "The request body is not valid JSON.",
                                   hint="Send the contact as a JSON object with Content-Type: application/json.")])

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound):
        return respond(404, [error("NOT_FOUND", f"The {exc.entity} was not found.")])

    @app.exception_handler(Conflict)
    def _conflict(_: Request, exc: Conflict):
        return respond(409, [error("CONFLICT", exc.message, [exc.field] if exc.field else None)])

    @app.exception_handler(Unauthenticated)
    def _unauthenticated(_: Request, exc: Unauthenticated):
        return respond(401, [error("UNAUTHORIZED", "Authorization has been denied for this request.",
                                   hint="Use HTTP Basic with username apiuser and your API key as password, "
                                        "or an apiKey header.")],
                       headers={"WWW-Authenticate": 'Basic realm="ngpvan"'})

    @app.exception_handler(Forbidden)
    def _forbidden(_: Request, exc: Forbidden):
        return respond(403, [error("FORBIDDEN", exc.message)])

    @app.exception_handler(BodyTooLarge)
    def _too_large(_: Request, exc: BodyTooLarge):
        return too_large(exc.limit)

    @app.exception_handler(HTTPException)
    def _http(_: Request, exc: HTTPException):
        if isinstance(exc.__cause__, BodyTooLarge):
            return too_large(exc.__cause__.limit)
        text = exc.detail if isinstance(exc.detail, str) else "The request failed."
        return respond(exc.status_code, [error(CODES.get(exc.status_code, "ERROR"), text)],
                       headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return respond(500, [error("INTERNAL_SERVER_ERROR", "Something went wrong on our side; nothing was changed.")])
