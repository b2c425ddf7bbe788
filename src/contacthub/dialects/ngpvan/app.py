"""The NGP VAN door (/ngpvan/v2/...): NGP's convention is POST to a collection creates and POST to
an item updates. Dedupe is always on: a create that closely matches a stored contact is merged
into it (200) instead of creating a new one (201)."""

import json
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from sqlalchemy.orm import Session

from contacthub import __version__
from contacthub.core import contacts, identity
from contacthub.core.actor import Actor
from contacthub.core.errors import NotFound, Unauthenticated
from contacthub.core.inputs import WriteOptions
from contacthub.core.pagination import clamp_limit
from contacthub.db.engine import Database
from contacthub.dialects.common import DOOR_TELEMETRY, BodyLimit, authenticate, basic_credentials, parse_id
from contacthub.dialects.ngpvan import errors, mapping
from contacthub.dialects.ngpvan.errors import MalformedBody
from contacthub.dialects.ngpvan.schemas import ContactBody
from contacthub.repositories.contacts import ContactFilter
from contacthub.settings import Settings

DOOR = "ngpvan"
# Lenient about one thing NGP's own examples do: a comma before a closing bracket.
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


def api_key_from(authorization: str | None, api_key: str | None) -> str | None:
    """Basic (username apiuser, the key as password; a "|0"/"|1" database-mode suffix is ignored) or apiKey."""
    if api_key:
        return api_key.strip() or None
    credentials = basic_credentials(authorization)
    if credentials is None:
        return None
    return re.sub(r"\|[01]$", "", credentials[1]) or None


async def read_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise MalformedBody("The request body is empty; send the contact as a JSON object.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("The request body is not UTF-8 text.") from None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        try:
            value = json.loads(_TRAILING_COMMA.sub(r"\1", text))
        except json.JSONDecodeError as exc:
            raise MalformedBody(f"The request body is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    if not isinstance(value, dict):
        raise MalformedBody("The request body must be a JSON object (one contact).")
    return value


def build(db: Database, settings: Settings) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        title="contacthub NGP VAN API",
        version=__version__,
        description="NGP VAN contacts (`/v2/contacts`). Auth: HTTP Basic with username `apiuser` and your API key "
        "as password, or an `apiKey` header. Dedupe is always on. Errors: "
        '`{"errors": [{"code", "text", "properties"}]}`.',
    )
    errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, reject=errors.too_large)

    def actor(
        authorization: Annotated[str | None, Header()] = None,
        api_key: Annotated[str | None, Header(alias="apiKey")] = None,
    ) -> Actor:
        key = api_key_from(authorization, api_key)
        if key is None:
            raise Unauthenticated()
        return authenticate(db, key, door=DOOR)

    Caller = Annotated[Actor, Depends(actor)]

    async def contact_body(request: Request) -> ContactBody:
        return ContactBody.model_validate(await read_body(request))

    Body = Annotated[ContactBody, Depends(contact_body)]

    def redirect(body: ContactBody) -> RedirectResponse | None:
        if body.contactId is None:
            return None
        return RedirectResponse(f"/ngpvan/v2/contacts/{body.contactId}", status_code=301)

    @app.post("/v2/contacts", tags=["contacts"], status_code=201,
              responses={200: {"description": "Merged into an existing contact"}, 301: {"description": "Body had contactId"}})
    def create_contact(body: Body, caller: Caller):
        """Create a contact, or merge it into the contact it closely matches (200): new emails,
        phones and addresses are added, given names and fields replace the stored ones."""
        if (moved := redirect(body)) is not None:
            return moved
        mapping.check(body, None, creating=True)
        data = mapping.to_core(body)

        def work(session: Session):
            outcome = identity.write(session, caller, data, "merge", WriteOptions(on_duplicate="create"))
            if not outcome.created:
                contacts.update(session, caller, outcome.contact.id, mapping.scalar_patch(data),
                                WriteOptions(on_duplicate="create"))
            return outcome

        outcome = identity.run_resolving(db.write, work)
        return JSONResponse({"contactId": str(outcome.contact.id)}, status_code=201 if outcome.created else 200)

    @app.post("/v2/contacts/findOrCreate", tags=["contacts"], status_code=201,
              responses={200: {"description": "Found an existing contact"}})
    def find_or_create(body: Body, caller: Caller):
        """The contact this one matches (200, unchanged), or a new one (201)."""
        if (moved := redirect(body)) is not None:
            return moved
        mapping.check(body, None, creating=True)
        data = mapping.to_core(body)
        outcome = identity.run_resolving(
            db.write, lambda s: identity.find_or_create(s, caller, data, WriteOptions(on_duplicate="create")))
        return JSONResponse({"contactId": str(outcome.contact.id)}, status_code=201 if outcome.created else 200)

    @app.get("/v2/contacts/{contact_id}", tags=["contacts"])
    def get_contact(contact_id: str, caller: Caller):
        """The whole contact in the common model (a merged-away id answers its survivor)."""
        with db.read() as session:
            return mapping.from_core(contacts.get(session, caller, parse_id(contact_id, "contact")))

    @app.post("/v2/contacts/{contact_id}", tags=["contacts"])
    def update_contact(contact_id: str, body: Body, caller: Caller):
        """Update: given fields replace, absent ones stay (emails, phones, addresses... replaced whole)."""
        target = parse_id(contact_id, "contact")
        if body.contactId is not None and str(body.contactId) != contact_id:
            return redirect(body)
        with db.write() as session:
            current = contacts.get(session, caller, target)
            mapping.check(body, current.kind, creating=False)
            view = contacts.update(session, caller, current.id, mapping.to_core(body),
                                   WriteOptions(on_duplicate="create"))
            return {"contactId": str(view.id)}

    @app.get("/v2/contacts", tags=["contacts"])
    def list_contacts(
        request: Request, caller: Caller,
        firstName: str | None = None, lastName: str | None = None, email: str | None = None,
        phone: str | None = None, commonName: str | None = None,
        top: Annotated[int | None, Query(alias="$top")] = None,
        cursor: Annotated[str | None, Query(alias="$cursor")] = None,
    ):
        """A filtered page: firstName, lastName (whole name, any case), email, phone, commonName;
        `$top` (default 50, max 200); follow `nextPageLink` for more."""
        size = clamp_limit(top, settings.default_page_size, settings.max_page_size)
        flt = ContactFilter(first_name=firstName, last_name=lastName, email=email, phone=phone, name=commonName,
                            kind="organization" if commonName else None)
        with db.read() as session:
            page = contacts.list_page(session, caller, flt, cursor, size)
            items = [mapping.from_core(v) for v in page.items]
            total = contacts.count(session, caller, flt)  # VAN's count is of every page, not this one
        next_link = None
        if page.next_cursor:
            params = {k: v for k, v in request.query_params.items() if k != "$cursor"}
            next_link = f"{request.url.path}?{urlencode({**params, '$cursor': page.next_cursor})}"
            next_link = str(request.base_url).rstrip("/") + next_link
        return {"items": items, "count": total, "nextPageLink": next_link}

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"], include_in_schema=False)
    def unknown(path: str):
        raise NotFound("resource")

    return app
