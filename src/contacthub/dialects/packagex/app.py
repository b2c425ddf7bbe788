"""The PackageX door (/packagex/v1): routes only. Auth `PX-API-KEY` (or `X-API-KEY`); every
answer, error or not, is the PackageX envelope."""

import uuid
from typing import Annotated, Literal

from fastapi import Depends, FastAPI, Header, Query, Request
from sqlalchemy.orm import Session

from contacthub import __version__
from contacthub.core import contacts, groups, identity, import_jobs, imports
from contacthub.core.pagination import clamp_limit
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.inputs import WriteOptions
from contacthub.core.views import ContactView
from contacthub.db.engine import Database
from contacthub.dialects.common import (
    QueryInt,
    blank_means,
    DOOR_TELEMETRY, BodyLimit, Gate, document_security, drop_framework_422, error_responses, operation_id,
    storable_params,
)
from contacthub.dialects.docs import serve_docs
from contacthub.dialects.packagex import errors, mapping, schemas
from contacthub.dialects.packagex.errors import endpoint, envelope
from contacthub.dialects.packagex.schemas import ContactCreateBody, ContactUpdateBody, ErrorEnvelope
from contacthub.settings import Settings

MAX_LIMIT = 100
MAX_PAGE = 1_000_000  # (pages are counted from the start: page × limit rows are read past)


def build(db: Database, settings: Settings, gate: Gate) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
        dependencies=[Depends(storable_params)],
        title="contacthub — PackageX-compatible contacts API",
        version=__version__,
        description="Contacts and groups, and CSV/Excel imports through `csv_url`. Auth: `PX-API-KEY` header. "
        f"Request body limit {settings.packagex_max_body_bytes} bytes (a base64 data URL of about 7.5 MB).",
        responses=error_responses(ErrorEnvelope, 409),
    )
    errors.install(app)
    drop_framework_422(app)  # invalid input is a 400 in this vendor's envelope
    document_security(app, {
        "PxApiKey": {"type": "apiKey", "in": "header", "name": "PX-API-KEY"},
        "XApiKey": {"type": "apiKey", "in": "header", "name": "X-API-KEY"},
    })
    app.add_middleware(BodyLimit, max_bytes=settings.packagex_max_body_bytes,
                       reject=errors.too_large_for("/v1/contacts"))

    def actor(
        request: Request,
        px_api_key: Annotated[str | None, Header(alias="PX-API-KEY", include_in_schema=False)] = None,
        x_api_key: Annotated[str | None, Header(alias="X-API-KEY", include_in_schema=False)] = None,
    ) -> Actor:
        return gate.authenticate((px_api_key or x_api_key or "").strip() or None, door="packagex", request=request)

    Caller = Annotated[Actor, Depends(actor)]

    def render(session: Session, caller: Actor, views: list[ContactView]) -> list[dict]:
        ids = [v.id for v in views]
        group_ids = [v.id for v in views if v.kind == "group"]
        members = groups.members(session, caller, group_ids)
        # PackageX: a group's children "also show up in referenced_contacts"; a member's are the groups holding it
        referenced = groups.linked(session, caller, ids, members)
        return [mapping.render_contact(v, members.get(v.id), referenced.get(v.id, [])) for v in views]

    def one(session: Session, caller: Actor, contact_id: uuid.UUID) -> dict:
        return render(session, caller, [contacts.get(session, caller, contact_id)])[0]

    @app.post("/v1/contacts", tags=["contacts"], responses={200: {"model": schemas.CreatedEnvelope}})
    def create_contact(body: ContactCreateBody, request: Request, caller: Caller):
        """One contact (`name` required), or many from `csv_url` (a base64 data URL of a CSV or
        Excel file, or an http(s) URL), with `overwrite` to replace every existing contact."""
        if body.csv_url is not None:
            return _import_csv(body, request, caller)
        given = body.model_fields_set - {"options", "csv_url", "overwrite", "group_contacts"}
        if not (body.name or "").strip():
            raise InvalidInput(FieldError("name", "is required"))
        match = body.options.match_contacts if body.options else False

        def work(session: Session):
            reuse = _reuse(session, caller, body, given)
            data = mapping.to_input(body, given, None, reuse)  # checked before any lookup by its values
            if match:  # the contact an import with match_contacts would merge this row into, as it is
                outcome = identity.find_or_create(session, caller, data, WriteOptions(on_duplicate="create"))
                if not outcome.created:
                    return envelope(endpoint(request), 200, "Matched an existing contact.",
                                    one(session, caller, outcome.contact.id))
                view = outcome.contact
            else:
                view = contacts.create(session, caller, data, WriteOptions(on_duplicate="create"))
            set_group_contacts(session, caller, view.id, body.group_contacts)
            identity.queue_shared_keys(session, caller, view)  # PackageX keeps both; a human may merge them
            return envelope(endpoint(request), 200, "Contact created.", one(session, caller, view.id))

        return identity.run_resolving(lambda: db.write(workspace=caller.workspace_id), work)

    def set_group_contacts(session: Session, caller: Actor, group_id: uuid.UUID, given) -> None:
        """A group's `group_contacts`, on create as on update (None: left as they are)."""
        if given is None:
            return
        children = mapping.contact_ids(given.children, "group_contacts.children") if given.children is not None else None
        primary = mapping.contact_ids(given.primary, "group_contacts.primary") if given.primary is not None else None
        groups.set_members(session, caller, group_id, children, primary, path="group_contacts")

    def _reuse(session: Session, caller: Actor, body, given: set[str]):
        if "address" in given and isinstance(body.address, str):
            address_id = mapping.address_id(body.address)
            if address_id is not None:
                return groups.address_for_reuse(session, caller, address_id)
        if "address" in given and body.address is not None and not isinstance(body.address, str) and body.address.id:
            address_id = mapping.address_id(body.address.id)
            if address_id is None:
                raise InvalidInput(FieldError("address.id", "not an address id"))
            return groups.address_for_reuse(session, caller, address_id, "address.id")
        return None

    def _import_csv(body: ContactCreateBody, request: Request, caller: Actor):
        url = body.csv_url.strip()
        if not url:
            raise InvalidInput(FieldError("csv_url", "is empty: give a base64 data URL or an http(s) URL"))
        spec = (imports.SourceSpec(data_url=url, field="csv_url") if url[:5].lower() == "data:"
                else imports.SourceSpec(url=url, field="csv_url"))
        match = body.options.match_contacts if body.options else False
        # without matching, PackageX creates every row; one that repeats a stored contact's email or
        # phone is queued for review too (/v1/duplicates), as a single create through this door is
        options = imports.ImportOptions(on_duplicate="merge" if match else "review", overwrite=body.overwrite,
                                        require_name=True)  # as a single create, a row must have a name
        job = import_jobs.import_now(db, caller, spec, options, settings)
        if job.status != "succeeded":
            return envelope(endpoint(request), 400, job.error or "The file could not be imported.",
                            errors=[f"csv_url: {job.error}"])
        with db.read() as session:
            ids = import_jobs.created_ids(session, caller, job.id)
        issues = [{"index": r.row_index, "errors": mapping.issue_errors(r.errors)}
                  for r in import_jobs.rejected_rows(db, caller, job.id)]
        message = f"Created {len(ids)} contact{'s' if len(ids) != 1 else ''}."
        if issues:
            message += f" {len(issues)} row{'s' if len(issues) != 1 else ''} had issues."
        data = {"ids": [mapping.CONTACT_PREFIX + str(i) for i in ids], "issues": issues,
                "import_id": str(job.id), "merged": job.merged, "skipped": job.skipped}
        return envelope(endpoint(request), 200, message, data)

    @app.get("/v1/contacts", tags=["contacts"], responses={200: {"model": schemas.ContactsEnvelope}})
    def list_contacts(
        request: Request, caller: Caller,
        # bounds checked below, in the words every door's page size is refused in
        page: Annotated[QueryInt | None, Query(json_schema_extra={"minimum": 1, "maximum": MAX_PAGE})] = None,
        limit: Annotated[QueryInt | None, Query(json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT})] = None,
        type: Literal["person", "group", ""] | None = None,
        child: str | None = None,
        search: Annotated[str | None, Query(max_length=200)] = None,
        order_by: Annotated[Literal["name", "created_at"], blank_means("created_at")] = "created_at",
        direction: Annotated[Literal["asc", "desc"], blank_means("asc")] = "asc",
    ):
        """Contacts, `limit` per page (default 25): `type`, `child` (the groups holding that
        contact), `search` (name, email, phone), `order_by=name`, `direction`."""
        page, limit = clamp_limit(page, 1, MAX_PAGE, field="page"), clamp_limit(limit, 25, MAX_LIMIT)
        child_id = mapping.contact_ids([child], "child")[0] if child else None
        with db.read() as session:
            views, total = groups.directory(
                session, caller, kinds=mapping.KINDS_SHOWN_AS.get(type or ""), child_of=child_id, search=search,
                order_by="name" if order_by == "name" else "created", descending=direction == "desc",
                page=page, limit=limit,
            )
            data = render(session, caller, views)
        pagination = {"limit": limit, "page": page, "has_more": page * limit < total, "total_count": total}
        return envelope(endpoint(request), 200, "Contacts retrieved.", data, pagination=pagination)

    @app.get("/v1/contacts/{contact_id}", tags=["contacts"], responses={200: {"model": schemas.ContactEnvelope}})
    def get_contact(contact_id: str, request: Request, caller: Caller):
        with db.read() as session:
            return envelope(endpoint(request), 200, "Contact retrieved.",
                            one(session, caller, mapping.contact_id(contact_id)))

    @app.post("/v1/contacts/{contact_id}", tags=["contacts"], responses={200: {"model": schemas.ContactEnvelope}})
    def update_contact(contact_id: str, body: ContactUpdateBody, request: Request, caller: Caller):
        """Any field; a group takes `group_contacts{children, primary}`; `address` may be the id
        of an existing address."""
        target = mapping.contact_id(contact_id)
        given = body.model_fields_set - {"group_contacts"}
        with db.write(workspace=caller.workspace_id) as session:
            current = contacts.get(session, caller, target)
            if "name" in given and not (body.name or "").strip():
                if current.computed_display_name is not None:
                    raise InvalidInput(FieldError("name", "cannot be empty"))
                given = given - {"name"}  # a contact with no name to show, written back as read
            reuse = _reuse(session, caller, body, given)
            if given:
                view = contacts.update(session, caller, current.id, mapping.to_input(body, given, current, reuse),
                                       WriteOptions(on_duplicate="create"))
                identity.queue_shared_keys(session, caller, view)
            set_group_contacts(session, caller, current.id, body.group_contacts)
            return envelope(endpoint(request), 200, "Contact updated.", one(session, caller, current.id))

    @app.delete("/v1/contacts/{contact_id}", tags=["contacts"], responses={200: {"model": schemas.DeletedEnvelope}})
    def delete_contact(contact_id: str, request: Request, caller: Caller):
        target = mapping.contact_id(contact_id)
        with db.write(workspace=caller.workspace_id) as session:
            view = contacts.get(session, caller, target)
            contacts.delete(session, caller, view.id)
        return envelope(endpoint(request), 200, "Contact deleted.",
                        {"id": mapping.CONTACT_PREFIX + str(view.id), "object": "contact", "deleted": True})

    serve_docs(app)
    return app
