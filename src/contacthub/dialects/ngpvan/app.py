"""The NGP VAN door (/ngpvan/v2/...): NGP's convention is POST to a collection creates and POST to
an item updates. Dedupe is always on: a create that closely matches a stored contact is merged
into it (200) instead of creating a new one (201)."""

import json
import re
import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from contacthub import __version__
from contacthub.core import contacts, identity
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput, Unauthenticated
from contacthub.core.inputs import WriteOptions
from contacthub.core.pagination import clamp_limit, decode_cursor
from contacthub.db.engine import Database
from contacthub.dialects.common import (
    QueryInt,
    door_path,
    given,
    DOOR_TELEMETRY,
    BodyLimit,
    Gate,
    basic_credentials,
    document_json_body,
    document_security,
    drop_framework_422,
    error_responses,
    operation_id,
    parse_id,
    parse_json,
)
from contacthub.dialects.docs import serve_docs
from contacthub.dialects.ngpvan import errors, mapping, schemas
from contacthub.dialects.ngpvan.errors import BadParameters, MalformedBody
from contacthub.dialects.ngpvan.schemas import ContactBody, ErrorsOut, NewContactBody
from contacthub.core.contacts import ContactFilter
from contacthub.settings import Settings

DOOR = "ngpvan"
# Lenient about one thing NGP's own examples do: a comma before a closing bracket.
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def api_key_from(authorization: str | None, api_key: str | None) -> str | None:
    """Basic (username apiuser, the key as password) or the apiKey header; VAN's "|0"/"|1"
    database-mode suffix on the key is ignored, as the key is written in either."""
    if api_key and api_key.strip():
        key = api_key.strip()
    else:
        credentials = basic_credentials(authorization)
        if credentials is None:
            return None
        key = credentials[1]
    return re.sub(r"\|[01]$", "", key) or None


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise MalformedBody("The request body is empty; send the contact as a JSON object.")
    try:
        text = raw.decode("utf-8-sig")  # a leading BOM (some .NET writers send one) is no fault
    except UnicodeDecodeError:
        raise MalformedBody("The request body is not UTF-8 text.") from None
    try:
        value = _loads(text)
    except json.JSONDecodeError:
        try:
            value = _loads(_TRAILING_COMMA.sub(r"\1", text))
        except json.JSONDecodeError as exc:
            raise MalformedBody(f"The request body is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(value, dict):
        raise MalformedBody("The request body must be a JSON object (one contact).")
    return value


def _loads(text: str) -> Any:
    """parse_json, with its failures other than JSONDecodeError as a malformed body."""
    try:
        return parse_json(text)
    except json.JSONDecodeError:
        raise
    except ValueError as exc:
        raise MalformedBody(str(exc)) from None


# Query parameters each GET takes; anything else is refused rather than silently ignored (a
# misspelled filter would otherwise answer every contact).
LIST_PARAMETERS = ("firstName", "lastName", "email", "phone", "commonName", "$top", "$cursor", "$expand")
ONE_PARAMETERS = ("$expand",)
# Every part of the contact is always in the answer; $expand may name any of them.
EXPANDABLE = {name.lower(): name for name in (
    "emails", "phones", "addresses", "externalLinks", "contactCodes", "disclosureFields",
    "communicationPreferences")}
Expand = Annotated[str | None, Query(alias="$expand", description=(
    "Comma-separated, any case: " + ", ".join(EXPANDABLE.values()) + ". Every part is always in the answer."))]


def check_query(request: Request, allowed: tuple[str, ...]) -> None:
    """Unknown, repeated or unstorable query parameters and unknown $expand names are 400s."""
    errors: list[FieldError] = []
    for name in dict.fromkeys(request.query_params.keys()):
        values = request.query_params.getlist(name)
        if name not in allowed:
            hint = "follow nextPageLink for the next page" if name in ("$skip", "skip") else \
                f"this endpoint takes {', '.join(allowed)}"
            errors.append(FieldError(name, f"is not a parameter of this endpoint; {hint}"))
        elif len(values) > 1:
            errors.append(FieldError(name, "is given more than once"))
        elif "\x00" in values[0]:
            errors.append(FieldError(name, "must not contain NUL characters"))
        elif name == "$expand":
            unknown = [part for part in (p.strip() for p in values[0].split(",")) if part and part.lower() not in EXPANDABLE]
            if unknown:
                errors.append(FieldError(name, f"cannot expand {', '.join(unknown)}; it takes "
                                               f"{', '.join(EXPANDABLE.values())}"))
    if errors:
        raise BadParameters(errors)


def body_contact_id(value: Any) -> uuid.UUID:
    """The contactId a body carries (which makes the answer a redirect to that contact)."""
    try:
        if isinstance(value, str):
            return uuid.UUID(value)
    except ValueError:
        pass
    raise InvalidInput(FieldError("contactId", "is not a contact id; leave contactId out of the body "
                                               "and POST to /v2/contacts/{contactId} to update a contact"))


def contact_url(request: Request, contact_id: uuid.UUID | str) -> str:
    """The contact's own path, under wherever this door is mounted (/ngpvan)."""
    return door_path(request, f"/v2/contacts/{contact_id}")


def build(db: Database, settings: Settings, gate: Gate) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
        title="contacthub NGP VAN API",
        version=__version__,
        description="NGP VAN contacts (`/v2/contacts`). Auth: HTTP Basic with username `apiuser` and your API key "
        "as password, or an `apiKey` header. Dedupe is always on. Errors: "
        '`{"errors": [{"code", "text", "properties"}]}`.',
        responses=error_responses(ErrorsOut),
    )
    # The routes read their bodies themselves (a BOM, NGP's own error words): say what they take.
    document_json_body(app, NewContactBody, [("/v2/contacts", "post"), ("/v2/contacts/findOrCreate", "post")])
    document_json_body(app, ContactBody, [("/v2/contacts/{contact_id}", "post")])
    errors.install(app)
    drop_framework_422(app)  # invalid input is a 400 in this vendor's envelope
    document_security(app, {
        "Basic": {"type": "http", "scheme": "basic",
                  "description": "HTTP Basic: username `apiuser`, the API key as password (`|0`/`|1` ignored)"},
        "ApiKeyHeader": {"type": "apiKey", "in": "header", "name": "apiKey"},
    })
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, reject=errors.too_large)

    def actor(
        request: Request,
        authorization: Annotated[str | None, Header(include_in_schema=False)] = None,
        api_key: Annotated[str | None, Header(alias="apiKey", include_in_schema=False)] = None,
    ) -> Actor:
        key = api_key_from(authorization, api_key)
        if key is None:
            raise Unauthenticated()
        return gate.authenticate(key, door=DOOR, request=request)

    Caller = Annotated[Actor, Depends(actor)]

    async def contact_body(request: Request) -> ContactBody:
        try:
            return ContactBody.model_validate(await read_body(request))
        except ValidationError as exc:
            # a fault of the posted body, listed as the request's; a ValidationError raised
            # anywhere else is a bug of ours (a 500, logged), not the caller's 400
            raise RequestValidationError(exc.errors()) from None

    Body = Annotated[ContactBody, Depends(contact_body)]

    def redirect(request: Request, body: ContactBody) -> RedirectResponse | None:
        if body.contactId is None:
            return None
        return RedirectResponse(contact_url(request, body_contact_id(body.contactId)), status_code=301)

    def answer(request: Request, contact_id: uuid.UUID, created: bool) -> JSONResponse:
        if created:
            return JSONResponse({"contactId": str(contact_id)}, status_code=201,
                                headers={"Location": contact_url(request, contact_id)})
        return JSONResponse({"contactId": str(contact_id)}, status_code=200)

    @app.post("/v2/contacts", tags=["contacts"], status_code=201,
              responses={201: {"model": schemas.ContactIdOut},
                         200: {"model": schemas.ContactIdOut, "description": "Merged into an existing contact"},
                         301: {"description": "Body had contactId"}})
    def create_contact(request: Request, caller: Caller, body: Body):
        """Create a contact, or merge it into the contact it closely matches (200): new emails,
        phones and addresses are added, given names and fields replace the stored ones."""
        if (moved := redirect(request, body)) is not None:
            return moved
        mapping.check(body, None, creating=True)
        data = mapping.to_core(body)

        def work(session: Session):
            # a post that would change nothing on its match (the same body again) writes nothing:
            # no record folded in, no event on the feed
            found = identity.find(session, caller, data)
            if found is not None and mapping.changes_nothing(data, found.contact):
                return found
            outcome = identity.write(session, caller, data, "merge", WriteOptions(on_duplicate="create"))
            if not outcome.created:
                # given fields replace; posted emails, phones and addresses join the survivor's,
                # one per VAN type (the posted one takes its type's place)
                # (the posted items were checked when the incoming record was written; the
                # survivor's own may have come through a door that keeps emails unchecked)
                survivor = contacts.update(session, caller, outcome.contact.id,
                                           mapping.merge_patch(data, outcome.contact),
                                           WriteOptions(on_duplicate="create", strict_emails=False,
                                                        strict_phones=False))
                identity.queue_shared_keys(session, caller, survivor)
            return outcome

        outcome = identity.run_resolving(lambda: db.write(workspace=caller.workspace_id), work)
        return answer(request, outcome.contact.id, outcome.created)

    @app.post("/v2/contacts/findOrCreate", tags=["contacts"], status_code=201,
              responses={201: {"model": schemas.ContactIdOut},
                         200: {"model": schemas.ContactIdOut, "description": "Found an existing contact"}})
    def find_or_create(request: Request, caller: Caller, body: Body):
        """The contact this one matches (200, unchanged), or a new one (201)."""
        if (moved := redirect(request, body)) is not None:
            return moved
        mapping.check(body, None, creating=True)
        data = mapping.to_core(body)
        outcome = identity.run_resolving(
            lambda: db.write(workspace=caller.workspace_id), lambda s: identity.find_or_create(s, caller, data, WriteOptions(on_duplicate="create")))
        return answer(request, outcome.contact.id, outcome.created)

    @app.get("/v2/contacts/{contact_id}", tags=["contacts"],
             responses={200: {"model": schemas.ContactBody, "description": "The contact in the common model"}})
    def get_contact(request: Request, contact_id: str, caller: Caller,
                    expand: Expand = None):
        """The whole contact in the common model (a merged-away id answers its survivor). Every
        part is always included; `$expand` may name any of them."""
        check_query(request, ONE_PARAMETERS)
        with db.read() as session:
            return mapping.from_core(contacts.get(session, caller, parse_id(contact_id, "contact")))

    @app.post("/v2/contacts/{contact_id}", tags=["contacts"], responses={200: {"model": schemas.ContactIdOut}})
    def update_contact(request: Request, contact_id: str, caller: Caller, body: Body):
        """Update: given fields replace, absent ones stay (emails, phones, addresses... replaced whole).
        `type` cannot change."""
        target = parse_id(contact_id, "contact")
        if body.contactId is not None and body_contact_id(body.contactId) != target:
            return redirect(request, body)
        with db.write(workspace=caller.workspace_id) as session:
            current = contacts.get(session, caller, target)
            mapping.check(body, current.kind, creating=False, current=current)
            view = contacts.update(session, caller, current.id, mapping.to_core(body, set_kind=False, current=current),
                                   WriteOptions(on_duplicate="create"))
            # VAN lets two people share an email or phone (a household); the pair is queued for review
            identity.queue_shared_keys(session, caller, view)
            return {"contactId": str(view.id)}

    @app.get("/v2/contacts", tags=["contacts"], responses={200: {"model": schemas.ContactsPage}})
    def list_contacts(
        request: Request, caller: Caller,
        firstName: str | None = None, lastName: str | None = None, email: str | None = None,
        phone: str | None = None, commonName: str | None = None,
        top: Annotated[QueryInt | None, Query(alias="$top", json_schema_extra={
            "minimum": 1, "maximum": settings.max_page_size})] = None,  # checked below, in NGP's words
        cursor: Annotated[str | None, Query(alias="$cursor")] = None,
        expand: Expand = None,
    ):
        """A filtered page: firstName, lastName (whole name, any case), email, phone, commonName;
        `$top` (default 50, max 200); follow `nextPageLink` for more. Other parameters are refused."""
        check_query(request, LIST_PARAMETERS)
        size = clamp_limit(top, settings.default_page_size, settings.max_page_size, field="$top")
        decode_cursor(cursor, field="$cursor")
        common_name = given(commonName)  # (blanks are no filter, so no kind either; core strips the rest)
        flt = ContactFilter(first_name=firstName, last_name=lastName, email=email, phone=phone,
                            organization_name=common_name, kind="organization" if common_name else None)
        with db.read() as session:
            page = contacts.list_page(session, caller, flt, cursor, size)
            items = [mapping.from_core(v) for v in page.items]
            # VAN's count is of every page, not this one: a first page that holds them all has it
            # already (the count is a second pass over the workspace for a filter no index serves)
            whole = not cursor and not page.has_more
            total = len(items) if whole else contacts.count(session, caller, flt)
        next_link = None
        if page.next_cursor:
            params = {k: v for k, v in request.query_params.items() if k != "$cursor"}
            # this request's own URL, its path already under any proxy prefix (base_url holds the
            # prefix too: joined to the path, it named it twice)
            next_link = str(request.url.replace(query=urlencode({**params, "$cursor": page.next_cursor})))
        return {"items": items, "count": total, "nextPageLink": next_link}

    serve_docs(app)
    return app
