"""The exception handlers every door needs, registered once by `install`.

The doors catch the same failures (the core's domain errors, a body over the limit, a request
FastAPI could not validate, a framework HTTPException, a bug) but answer them in different
envelopes. So the *catching* lives here and the *answering* lives in a per-door `ErrorRenderer`:
one method per kind of failure, each returning the door's response.

A door subclasses `ErrorRenderer`, implements the methods marked "every door" (NGP VAN skips
`fields_invalid` because it overrides `request_invalid` whole), and changes what it words differently:
  - same shape, other words  -> set the *_text attributes (or `challenge`);
  - another shape            -> override the method.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match

from contacthub.core.errors import (
    Busy,
    Conflict,
    Forbidden,
    Gone,
    InvalidInput,
    NotFound,
    RateLimited,
    StoreFull,
    StoreReadOnly,
    Unauthenticated,
)
from contacthub.dialects.common import BodyEncoded, BodyTooLarge


RETRY_AFTER_SECONDS = 5  # told to a write refused because the store was busy
FULL_RETRY_AFTER_SECONDS = 60  # room comes back when someone frees it: not in a few seconds


class ErrorRenderer:
    """How one door answers each kind of failure. The defaults answer with `plain`."""

    # Wording of the default methods; the defaults are the native door's.
    challenge: str  # the WWW-Authenticate value sent with a 401 ("Bearer", "AccessKey"...)
    bad_json_text = "the request body is not valid JSON"
    unreadable_text: str | None = "the request body could not be read"  # None: keep the HTTPException's detail
    not_json_text = "the request body must be a JSON object, sent with Content-Type: application/json"
    failed_text = "request failed"  # an HTTPException whose detail is not a string
    crashed_text = "something went wrong on our side; the request changed nothing"

    # --- every door implements these -------------------------------------------------------

    def plain(self, request: Request, status: int, message: str, headers: dict | None = None) -> Response:
        """The door's envelope holding only a status and a message."""
        raise NotImplementedError

    def too_large(self, request: Request, limit: int) -> Response:
        """The body is over `limit` bytes (also answered by BodyLimit before any route runs)."""
        raise NotImplementedError

    def invalid(self, request: Request, exc: InvalidInput) -> Response:
        """A core rule refused the content; `exc.errors` lists the fields with dotted paths."""
        raise NotImplementedError

    def fields_invalid(self, request: Request, errors: list[dict]) -> Response:
        """The request does not fit the route's schema; `errors` are pydantic's error dicts."""
        raise NotImplementedError

    # --- defaults ---------------------------------------------------------------------------

    def not_found(self, request: Request, exc: NotFound) -> Response:
        return self.plain(request, 404, exc.message)

    def conflict(self, request: Request, exc: Conflict) -> Response:
        return self.plain(request, 409, exc.message)

    def gone(self, request: Request, exc: Gone) -> Response:
        return self.plain(request, 410, exc.message)

    def busy(self, request: Request, exc: Busy) -> Response:
        return self.plain(request, 503, exc.message, {"Retry-After": str(RETRY_AFTER_SECONDS)})

    def full(self, request: Request, exc: StoreFull) -> Response:
        return self.plain(request, 507, exc.message, {"Retry-After": str(FULL_RETRY_AFTER_SECONDS)})

    def read_only(self, request: Request, exc: StoreReadOnly) -> Response:
        return self.plain(request, 503, exc.message)

    def rate_limited(self, request: Request, exc: RateLimited) -> Response:
        return self.plain(request, 429, exc.message, {"Retry-After": str(exc.retry_after_seconds)})

    def unauthenticated(self, request: Request, exc: Unauthenticated) -> Response:
        return self.plain(request, 401, exc.message, {"WWW-Authenticate": self.challenge})

    def forbidden(self, request: Request, exc: Forbidden) -> Response:
        return self.plain(request, 403, exc.message)

    def bad_json(self, request: Request) -> Response:
        return self.plain(request, 400, self.bad_json_text)

    def request_invalid(self, request: Request, exc: RequestValidationError) -> Response:
        errors = exc.errors()
        # Unparseable JSON reaches us as a validation error, but it is a malformed request (400),
        # not content that breaks the schema.
        if any(e.get("type") == "json_invalid" for e in errors):
            return self.bad_json(request)
        # No body, or one not sent as JSON (`curl -d` sends a form): FastAPI reads none, and its
        # "Input should be a valid dictionary" would send the caller after the wrong fault.
        sent_as = request.headers.get("content-type", "").lower()
        if any(tuple(e.get("loc", ())) == ("body",) and (e.get("type") == "missing" or "json" not in sent_as)
               for e in errors):
            return self.plain(request, 400, self.not_json_text)
        return self.fields_invalid(request, errors)

    def http_error(self, request: Request, exc: HTTPException) -> Response:
        # The only 400s the framework raises are about reading the body; its own wording
        # ("There was an error parsing the body") is replaced by the door's.
        if exc.status_code == 400 and self.unreadable_text is not None:
            message = self.unreadable_text
        else:
            message = exc.detail if isinstance(exc.detail, str) else self.failed_text
        return self.plain(request, exc.status_code, message, getattr(exc, "headers", None))

    def unexpected(self, request: Request, exc: Exception) -> Response:
        return self.plain(request, 500, self.crashed_text)


def install(app: FastAPI, door: ErrorRenderer, log: logging.Logger) -> None:
    """Route every shared failure of `app` to `door`. Door-only exceptions are added by the door.

    The handlers stay plain (sync) callables, as the doors' handlers always were: Starlette runs
    them in its thread pool."""
    app.add_exception_handler(InvalidInput, door.invalid)
    app.add_exception_handler(NotFound, door.not_found)
    app.add_exception_handler(Conflict, door.conflict)
    app.add_exception_handler(Gone, door.gone)
    app.add_exception_handler(Busy, door.busy)
    app.add_exception_handler(StoreFull, door.full)
    app.add_exception_handler(StoreReadOnly, door.read_only)
    app.add_exception_handler(Unauthenticated, door.unauthenticated)
    app.add_exception_handler(RateLimited, door.rate_limited)
    app.add_exception_handler(Forbidden, door.forbidden)
    app.add_exception_handler(RequestValidationError, door.request_invalid)

    def too_large(request: Request, exc: BodyTooLarge) -> Response:
        return door.too_large(request, exc.limit)

    def encoded(request: Request, exc: BodyEncoded) -> Response:
        return door.plain(request, 415, str(exc))

    def http_error(request: Request, exc: HTTPException) -> Response:
        # BodyLimit raises BodyTooLarge while FastAPI reads the body, and FastAPI wraps whatever
        # that read raised in a 400 HTTPException; the cause tells the two apart.
        if isinstance(exc.__cause__, BodyTooLarge):
            return door.too_large(request, exc.__cause__.limit)
        if isinstance(exc.__cause__, BodyEncoded):
            return encoded(request, exc.__cause__)
        if exc.status_code == 405:
            # Starlette names only the methods of the first route on the path; every route counts
            exc.headers = {**(exc.headers or {}), "Allow": ", ".join(_allowed_methods(app, request))}
        return door.http_error(request, exc)

    def unexpected(request: Request, exc: Exception) -> Response:
        # the method and path (never the query, the headers or the body: names, emails, keys),
        # and the request id a proxy gave it, to find its line in the proxy's log
        given = request.headers.get("x-request-id", "")
        request_id = f" (request {given[:100]})" if given.isprintable() and given else ""
        log.error("unexpected error answering %s %s%s", request.method, request.url.path, request_id, exc_info=exc)
        _note_logged(exc)
        return door.unexpected(request, exc)

    app.add_exception_handler(BodyTooLarge, too_large)
    app.add_exception_handler(BodyEncoded, encoded)
    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


_LOGGED = "_contacthub_logged"


def _note_logged(exc: Exception) -> None:
    try:
        setattr(exc, _LOGGED, True)
    except (AttributeError, TypeError):  # an exception that takes no attributes is logged twice
        pass


def logged_already(exc: BaseException) -> bool:
    """Whether a door's handler logged `exc` already, with its request (Starlette raises it on to
    the server after the 500 is answered, and uvicorn would log it again)."""
    return getattr(exc, _LOGGED, False) is True


def _allowed_methods(app: FastAPI, request: Request) -> list[str]:
    """Every method the routes of the path's template take (the template Starlette routed to:
    the first that matches, so /contacts/search is not also /contacts/{id})."""
    template = None
    methods: set[str] = set()
    for route in app.router.routes:
        if template is None:
            match, _ = route.matches(request.scope)
            if match is Match.NONE:
                continue
            template = route.path
        if route.path == template:
            methods |= getattr(route, "methods", None) or set()
    return sorted(methods)
