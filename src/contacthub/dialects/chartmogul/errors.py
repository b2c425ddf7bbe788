"""Domain errors -> the ChartMogul envelope, one shape for every error:

    {"code": 422, "message": "...", "param": "email", "errors": {"email": "..."}}

`code` repeats the HTTP status, `param` names the first offending parameter (null when none),
`errors` maps every offending parameter to what is wrong with it. Statuses: 400 missing
parameter or unreadable body, 401 no valid key, 404 unknown object, 413 body too large,
422 a parameter breaks a rule.

The handlers themselves are shared (dialects/errors_base.py); this is only the wording, plus
MissingParameter, which only this door raises.
"""

import logging
import re

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound, Unauthenticated, dotted_path, reason_of
from contacthub.dialects import errors_base

log = logging.getLogger("contacthub.chartmogul")

ENTITIES = {"contact": "contact", "account": "customer", "data source": "data_source"}


class MissingParameter(Exception):
    def __init__(self, param: str):
        self.param = param
        super().__init__(f'Parameter "{param}" is missing')


class BadParameters(Exception):
    """Faults already named as the wire names them (customers, data sources): {param: message}."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{param}: {text}" for param, text in errors.items()))  # as fields_invalid words them


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
    message = "; ".join(f"{param}: {text}" for param, text in errors.items())  # as fields_invalid words them
    return error_response(422, message, first, errors)


def _param_of(loc: tuple) -> str:
    """("body", "custom", 0, "value") -> "custom[0].value"; the union branch names pydantic adds
    ("list[CustomEntry]", "dict[str,any]") are dropped."""
    parts = [p for p in loc if not (isinstance(p, str) and re.match(r"^(list|dict|str|int|function)[\[-]", p))]
    return dotted_path(parts, skip=("body", "query", "path", "header"))


class ChartMogulErrors(errors_base.ErrorRenderer):
    bad_json_text = "The request body is not valid JSON"
    unreadable_text = "The request body could not be read"
    not_json_text = "The request body must be a JSON object (Content-Type: application/json)"
    failed_text = "Request failed"
    crashed_text = "Something went wrong on our side; the request changed nothing"

    def plain(self, request: Request, status: int, message: str, headers=None) -> JSONResponse:
        return error_response(status, message, headers=headers)

    def too_large(self, request: Request, limit: int) -> JSONResponse:
        return too_large(limit)  # the module's, which BodyLimit also calls

    def invalid(self, request: Request, exc: InvalidInput) -> JSONResponse:
        return _field_errors(exc.errors)

    def fields_invalid(self, request: Request, errors: list[dict]) -> JSONResponse:
        params: dict[str, str] = {}
        for e in errors:
            param = _param_of(tuple(e.get("loc", ())))
            if not param:
                return error_response(400, self.not_json_text)
            if e.get("type") == "missing":
                return error_response(400, f'Parameter "{param}" is missing', param, {param: "is missing"})
            params.setdefault(param, reason_of(e))
        first = next(iter(params))
        return error_response(422, "; ".join(f"{p}: {m}" for p, m in params.items()), first, params)

    def conflict(self, request: Request, exc: Conflict) -> JSONResponse:
        return _field_errors([FieldError(exc.field or "base", exc.message)])

    def not_found(self, request: Request, exc: NotFound) -> JSONResponse:
        entity = ENTITIES.get(exc.entity, exc.entity)
        name = entity.replace("_", " ").capitalize()
        return error_response(404, f"{name} not found", entity, {entity: f"{name} {exc.id} not found"})

    def unauthenticated(self, request: Request, exc: Unauthenticated) -> JSONResponse:
        return error_response(401, "No valid API key provided", headers={"WWW-Authenticate": 'Basic realm="contacthub"'})


def install(app: FastAPI) -> None:
    errors_base.install(app, ChartMogulErrors(), log)

    @app.exception_handler(BadParameters)
    def _bad(_: Request, exc: BadParameters):
        return error_response(422, str(exc), next(iter(exc.errors)), exc.errors)

    @app.exception_handler(MissingParameter)
    def _missing(_: Request, exc: MissingParameter):
        return error_response(400, str(exc), exc.param, {exc.param: "is missing"})
