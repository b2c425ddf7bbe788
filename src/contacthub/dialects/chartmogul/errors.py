"""Domain errors -> the ChartMogul envelope, one shape for every error:

    {"code": 422, "message": "...", "param": "email", "errors": {"email": "..."}}

`code` repeats the HTTP status, `param` names the first offending parameter (null when none),
`errors` maps every offending parameter to what is wrong with it. Statuses: 400 missing
parameter or unreadable body, 401 no valid key, 404 unknown object, 413 body too large,
422 a parameter breaks a rule.
"""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound, Unauthenticated
from contacthub.dialects.common import BodyTooLarge, dotted_path

log = logging.getLogger("contacthub.chartmogul")

ENTITIES = {"contact": "contact", "account": "customer", "data source": "data_source"}


class MissingParameter(Exception):
    def __init__(self, param: str):
        self.param = param
        super().__init__(f'Parameter "{param}" is missing')


def error_response(status: int, message: str, param: str | None = None, errors: dict | None = None,
                   headers=None) -> JSONResponse:
    body = {"code": status, "message": message, "param": param, "errors": errors or {}}
    return JSONResponse(body, status_code=status, headers=headers)


def too_large(limit: int) -> JSONResponse:
    return error_response(413, f"The request body is larger than the limit of {limit} bytes")


def wire_param(field: str) -> str:
    """A core field path in this door's words: "emails[0].address" -> "email"."""
    if field.startswith("emails"):
        return "email"
    if field.startswith("phones"):
        return "phone"
    if field.startswith("social."):
        return field.removeprefix("social.")
    if field == "attributes" or field.startswith("attributes."):
        return "custom" + field.removeprefix("attributes")
    if field.startswith("identifiers"):
        return "external_id"
    if field.startswith("accounts"):
        return "customer_uuid"
    if field.startswith("data_source_id"):
        return "data_source_uuid"
    return field


def _field_errors(faults: list[FieldError]) -> JSONResponse:
    errors: dict[str, str] = {}
    for fault in faults:
        errors.setdefault(wire_param(fault.field), fault.message)
    first = next(iter(errors))
    message = "; ".join(f"{param} {text}" for param, text in errors.items())
    return error_response(422, message, first, errors)


def install(app: FastAPI) -> None:
    @app.exception_handler(MissingParameter)
    def _missing(_: Request, exc: MissingParameter):
        return error_response(400, str(exc), exc.param, {exc.param: "is missing"})

    @app.exception_handler(InvalidInput)
    def _invalid(_: Request, exc: InvalidInput):
        return _field_errors(exc.errors)

    @app.exception_handler(Conflict)
    def _conflict(_: Request, exc: Conflict):
        return _field_errors([FieldError(exc.field or "base", exc.message)])

    @app.exception_handler(NotFound)
    def _not_found(_: Request, exc: NotFound):
        entity = ENTITIES.get(exc.entity, exc.entity)
        name = entity.replace("_", " ").capitalize()
        return error_response(404, f"{name} not found", entity, {entity: f"{name} {exc.id} not found"})

    @app.exception_handler(Unauthenticated)
    def _unauthenticated(_: Request, exc: Unauthenticated):
        return error_response(401, "No valid API key provided", headers={"WWW-Authenticate": 'Basic realm="contacthub"'})

    @app.exception_handler(Forbidden)
    def _forbidden(_: Request, exc: Forbidden):
        return error_response(403, exc.message)

    @app.exception_handler(BodyTooLarge)
    def _too_large(_: Request, exc: BodyTooLarge):
        return too_large(exc.limit)

    @app.exception_handler(RequestValidationError)
    def _request_invalid(_: Request, exc: RequestValidationError):
        faults = exc.errors()
        if any(e.get("type") == "json_invalid" for e in faults):
            return error_response(400, "The request body is not valid JSON")
        errors: dict[str, str] = {}
        for e in faults:
            loc = tuple(e.get("loc", ()))
            param = _param_of(loc)
            if not param:
                return error_response(400, "The request body must be a JSON object (Content-Type: application/json)")
            if e.get("type") == "missing":
                return error_response(400, f'Parameter "{param}" is missing', param, {param: "is missing"})
            errors.setdefault(param, e.get("msg", "is invalid"))
        first = next(iter(errors))
        return error_response(422, "; ".join(f"{p}: {m}" for p, m in errors.items()), first, errors)

    @app.exception_handler(HTTPException)
    def _http(_: Request, exc: HTTPException):
        if isinstance(exc.__cause__, BodyTooLarge):
            return too_large(exc.__cause__.limit)
        if exc.status_code == 400:
            return error_response(400, "The request body could not be read")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(_: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "Something went wrong on our side; the request changed nothing")


def _param_of(loc: tuple) -> str:
    """("body", "custom", 0, "value") -> "custom[0].value"; the union branch names pydantic adds
    ("list[CustomEntry]", "dict[str,any]") are dropped."""
    parts = [p for p in loc if not (isinstance(p, str) and re.match(r"^(list|dict|str|int|function)[\[-]", p))]
    return dotted_path(parts, skip=("body", "query", "path", "header"))
