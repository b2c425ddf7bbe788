"""Domain errors -> the PackageX envelope, with the HTTP status repeated in it:
{"message", "data": null, "status", "errors": [str], "code", "pagination": null, "endpoint"}."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from contacthub.core.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated
from contacthub.dialects.common import BodyTooLarge, dotted_path

log = logging.getLogger("contacthub.packagex")

CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
    409: "conflict", 413: "payload_too_large", 422: "unprocessable_entity", 500: "internal_error",
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
        return envelope(path, 413, f"The request body is larger than the limit of {limit} bytes.")
    return reject


def install(app: FastAPI) -> None:
    @app.exception_handler(InvalidInput)
    def _invalid(request: Request, exc: InvalidInput):
        return envelope(endpoint(request), 400, exc.message,
                        errors=[f"{e.field}: {e.message}" for e in exc.errors])

    @app.exception_handler(NotFound)
    def _not_found(request: Request, exc: NotFound):
        return envelope(endpoint(request), 404, f"The {exc.entity} was not found.", errors=[exc.message])

    @app.exception_handler(Conflict)
    def _conflict(request: Request, exc: Conflict):
        return envelope(endpoint(request), 409, exc.message, errors=[exc.message])

    @app.exception_handler(Unauthenticated)
    def _unauthenticated(request: Request, exc: Unauthenticated):
        return envelope(endpoint(request), 401, "A valid PX-API-KEY header is required.", errors=[exc.message])

    @app.exception_handler(Forbidden)
    def _forbidden(request: Request, exc: Forbidden):
        return envelope(endpoint(request), 403, exc.message, errors=[exc.message])

    @app.exception_handler(BodyTooLarge)
    def _too_large(request: Request, exc: BodyTooLarge):
        return envelope(endpoint(request), 413, f"The request body is larger than the limit of {exc.limit} bytes.")

    @app.exception_handler(RequestValidationError)
    def _request_invalid(request: Request, exc: RequestValidationError):
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return envelope(endpoint(request), 400, "The request body is not valid JSON.", errors=["body: invalid JSON"])
        messages = [
            f"{dotted_path(e.get('loc', ()), skip=('body', 'query', 'path', 'header')) or 'body'}: {e.get('msg', 'invalid')}"
            for e in errors
        ]
        return envelope(endpoint(request), 400, "The request is invalid.", errors=messages)

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException):
        if isinstance(exc.__cause__, BodyTooLarge):
            return envelope(endpoint(request), 413, f"The request body is larger than the limit of {exc.__cause__.limit} bytes.")
        message = exc.detail if isinstance(exc.detail, str) else "Request failed."
        if exc.status_code == 400:
            message = "The request body could not be read."
        return envelope(endpoint(request), exc.status_code, message, errors=[message],
                        headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception):
        log.exception("unexpected error", exc_info=exc)
        return envelope(endpoint(request), 500, "Something went wrong on our side; the request changed nothing.")
