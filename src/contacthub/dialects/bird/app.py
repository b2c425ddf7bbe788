"""The Bird dialect (/bird): Bird's Contacts API paths under /bird/workspaces/{workspaceId}/.
Each route authenticates, checks the key's workspace against the path, opens one transaction,
calls core services and renders Bird's shapes."""

import uuid
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi.responses import JSONResponse, Response

from contacthub import __version__
from contacthub.core import attributes, contacts, identifiers, lists
from contacthub.core.actor import Actor
from contacthub.core.attributes import DefinitionInput
from contacthub.core.errors import FieldError, Forbidden, InvalidInput, NotFound
from contacthub.core.inputs import WriteOptions
from contacthub.core.lists import ListInput
from contacthub.core.lists import ListPatch as CoreListPatch
from contacthub.core.pagination import clamp_limit
from contacthub.db.engine import Database
from contacthub.dialects.bird import errors, mapping, schemas
from contacthub.dialects.bird.schemas import (
    ContactCreate,
    ContactOut,
    ContactPageOut,
    ContactPatch,
    DefinitionCreate,
    ErrorOut,
    IdentifierIn,
    IdentifierOut,
    IdentifierRef,
    ListCreate,
    ListMembers,
    ListPatch,
    SearchBody,
    UpsertBody,
)
from contacthub.dialects.common import (
    QueryInt,
    blank_means,
    DOOR_TELEMETRY,
    BodyLimit,
    Gate,
    bearer_token,
    document_security,
    error_responses,
    operation_id,
    parse_id,
    storable_params,
)
from contacthub.dialects.docs import serve_docs
from contacthub.core.contacts import ContactFilter
from contacthub.settings import Settings

ERRORS = error_responses(ErrorOut, 409, 422)
DEFAULT_PAGE, MAX_PAGE = 10, 100
MAX_MEMBERS_PER_CALL = 100
# Bird's rules: an identifier of another contact is refused; read-only attributes are written
# only by Bird's own flows (or an upsert that says allowWritingReadOnly)
REJECT = WriteOptions(on_duplicate="reject", write_read_only=False)

WS = "/workspaces/{workspaceId}"


def build(db: Database, settings: Settings, gate: Gate) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
        title="contacthub Bird-compatible API",
        version=__version__,
        description="Bird's Contacts API (contacts, identifiers, lists, attribute definitions) over the "
        "contacthub store. Auth: `Authorization: AccessKey <key>` (or `Bearer <key>`); the path's "
        f"workspaceId must be the key's workspace. Request bodies up to {settings.max_body_bytes} bytes.",
        responses=ERRORS,
        dependencies=[Depends(storable_params)],  # identifier keys and values in paths and queries reach SQL
    )
    errors.install(app)
    document_security(app, {
        "AccessKey": {"type": "apiKey", "in": "header", "name": "Authorization",
                      "description": "`Authorization: AccessKey <key>`"},
        "Bearer": {"type": "http", "scheme": "bearer", "description": "`Authorization: Bearer <key>`"},
    })
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, reject=errors.too_large)

    def caller(request: Request, workspaceId: str,
               authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Actor:
        actor = gate.authenticate(bearer_token(authorization, schemes=("accesskey", "bearer")), door="bird",
                                  request=request, reads=("/contacts/search",))
        if parse_id(workspaceId, "workspace") != actor.workspace_id:
            raise Forbidden("this key belongs to another workspace")
        return actor

    async def checked_caller(request: Request, actor: Annotated[Actor, Depends(caller)]) -> Actor:
        """The caller, once the body is known to hold nothing a store cannot keep."""
        if request.method in ("POST", "PATCH", "PUT", "DELETE"):
            faults = mapping.unstorable(await request.body())
            if faults:
                raise InvalidInput(faults)
        return actor

    Caller = Annotated[Actor, Depends(checked_caller)]
    Limit = Annotated[QueryInt | None, Query(description=f"1-{MAX_PAGE}, default {DEFAULT_PAGE}",
                                         json_schema_extra={"minimum": 1, "maximum": MAX_PAGE})]
    Token = Annotated[str | None, Query()]

    def paging(limit: int | None, page_token: str | None, next_token: str | None) -> tuple[int, str | None]:
        return clamp_limit(limit, DEFAULT_PAGE, MAX_PAGE), page_token or next_token

    # ------------------------------------------------------------ contacts

    @app.post(WS + "/contacts", status_code=201, response_model=ContactOut, tags=["contacts"])
    def create_contact(body: ContactCreate, caller: Caller):
        """Create a contact. An identifier already on another contact answers 409."""
        change = mapping.create_change(body)
        with db.write(workspace=caller.workspace_id) as session:
            view = identifiers.create(session, caller, change, REJECT)
            return JSONResponse(mapping.render_contact(view), status_code=201)

    @app.get(WS + "/contacts", response_model=ContactPageOut, tags=["contacts"])
    def list_contacts(
        caller: Caller, limit: Limit = None, pageToken: Token = None, nextPageToken: Token = None,
        reverse: Annotated[bool, blank_means(False)] = False,
    ):
        """Contacts, oldest first (`reverse=true`: newest first)."""
        size, token = paging(limit, pageToken, nextPageToken)
        with db.read() as session:
            result = contacts.list_page(session, caller, ContactFilter(), token, size, descending=reverse)
            return JSONResponse(mapping.page([mapping.render_contact(v) for v in result.items], result.next_cursor))

    @app.post(WS + "/contacts/search", tags=["contacts"], responses={200: {"model": schemas.SearchOut}})
    def search_contacts(body: SearchBody, caller: Caller):
        """The contacts holding an identifier, oldest first: {"results": [contact]} (or several, where
        other doors let contacts share it) or {"results": []}."""
        ref = mapping.point_ref(body.identifier, "identifier.value")
        with db.read() as session:
            return {"results": [mapping.render_contact(view) for view in identifiers.holders(session, caller, ref)]}

    @app.patch(WS + "/contacts/identifiers/{identifierKey}/{identifierValue:path}", response_model=ContactOut,
               tags=["contacts"], responses={201: {"model": ContactOut, "description": "Created (no contact had it)"}})
    def upsert_contact(identifierKey: str, identifierValue: str, body: UpsertBody, caller: Caller,
                       strategy: str | None = None):
        """Create or update the contact by identifier: 200 updated, 201 created. `strategy` (in the
        body or the query): strict_alias (default), first_alias, first."""
        chosen = body.strategy or strategy or "strict_alias"
        if chosen not in ("strict_alias", "first_alias", "first"):
            raise InvalidInput(FieldError("strategy", "must be strict_alias, first_alias or first"))
        try:
            path_ident = IdentifierRef(key=identifierKey, value=identifierValue)
        except ValueError:
            raise InvalidInput(FieldError("identifierKey", "an identifier key has 1-64 letters, digits or _.:- "
                                          "and a value 1-500 characters")) from None
        refs = [mapping.point_ref(path_ident, "identifierValue"),
                *mapping.point_refs(body.addIdentifiers, "addIdentifiers"), *mapping.point_refs(body.identifiers, "identifiers")]
        with db.write(workspace=caller.workspace_id) as session:
            current = None
            if body.attributes:  # identifier attributes echoed from a read of the contact it finds
                found = [owner for owner in identifiers.owners(session, caller, refs) if owner is not None]
                current = contacts.get(session, caller, found[0]) if found else None
            change = mapping.patch_change(body, current)
            options = REJECT.model_copy(update={"write_read_only": bool(body.allowWritingReadOnly)})
            view, created = identifiers.upsert(session, caller, refs, chosen, change, options)
            return JSONResponse(mapping.render_contact(view), status_code=201 if created else 200)

    @app.get(WS + "/contacts/{contactId}", response_model=ContactOut, tags=["contacts"])
    def get_contact(contactId: str, caller: Caller, attribute: Annotated[list[str] | None, Query()] = None):
        """A contact. Every attribute is included, so `attribute=` (extra keys) changes nothing."""
        with db.read() as session:
            return JSONResponse(mapping.render_contact(contacts.get(session, caller, parse_id(contactId, "contact"))))

    @app.patch(WS + "/contacts/{contactId}", response_model=ContactOut, tags=["contacts"])
    def update_contact(contactId: str, body: ContactPatch, caller: Caller):
        """Attributes merge key by key (null removes one); identifiers, lists and accounts are added
        or removed one by one, or replaced whole with listIds / accountIds."""
        with db.write(workspace=caller.workspace_id) as session:
            current = contacts.get(session, caller, parse_id(contactId, "contact"))
            change = mapping.patch_change(body, current)
            view = identifiers.apply(session, caller, current.id, change, REJECT)
            return JSONResponse(mapping.render_contact(view))

    @app.delete(WS + "/contacts/{contactId}", status_code=204, tags=["contacts"])
    def delete_contact(contactId: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            contacts.delete(session, caller, parse_id(contactId, "contact"))
        return Response(status_code=204)

    # ------------------------------------------------------------ contact identifiers

    @app.post(WS + "/contacts/{contactId}/identifiers", status_code=201, response_model=IdentifierOut,
              tags=["identifiers"])
    def add_identifier(contactId: str, body: IdentifierIn, caller: Caller):
        ref = mapping.point_ref(body, "value")
        with db.write(workspace=caller.workspace_id) as session:
            contact_id = contacts.resolve_id(session, caller, parse_id(contactId, "contact"))
            point = identifiers.add_point(session, caller, contact_id, ref)
            return JSONResponse(mapping.render_identifier(contact_id, point), status_code=201)

    @app.get(WS + "/contacts/{contactId}/identifiers", tags=["identifiers"],
             responses={200: {"model": schemas.IdentifierPageOut}})
    def list_identifiers(
        contactId: str, caller: Caller, limit: Limit = None, pageToken: Token = None, nextPageToken: Token = None,
        reverse: Annotated[bool, blank_means(False)] = False,
    ):
        size, token = paging(limit, pageToken, nextPageToken)
        with db.read() as session:
            contact_id = contacts.resolve_id(session, caller, parse_id(contactId, "contact"))
            result = identifiers.page_points(session, caller, contact_id, token, size, reverse)
            return mapping.page([mapping.render_identifier(contact_id, p) for p in result.items], result.next_cursor)

    @app.delete(WS + "/contacts/{contactId}/identifiers", status_code=204, tags=["identifiers"])
    def delete_identifier(contactId: str, body: IdentifierRef, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            identifiers.remove_point(session, caller, parse_id(contactId, "contact"), mapping.point_ref(body, "value"))
        return Response(status_code=204)

    @app.get(WS + "/contacts/{contactId}/lists", tags=["lists"], responses={200: {"model": schemas.ListPageOut}})
    def contact_lists(
        contactId: str, caller: Caller, limit: Limit = None, pageToken: Token = None, nextPageToken: Token = None,
    ):
        size, token = paging(limit, pageToken, nextPageToken)
        with db.read() as session:
            result = lists.of_contact(session, caller, parse_id(contactId, "contact"), token, size)
            return mapping.page([mapping.render_list(r) for r in result.items], result.next_cursor)

    # ------------------------------------------------------------ lists

    @app.post(WS + "/lists", status_code=201, tags=["lists"], responses={201: {"model": schemas.ListOut}})
    def create_list(body: ListCreate, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            row = lists.create(session, caller, ListInput(name=body.name, description=body.description))
            return JSONResponse(mapping.render_list(row, 0), status_code=201)

    @app.get(WS + "/lists", tags=["lists"], responses={200: {"model": schemas.ListPageOut}})
    def list_lists(caller: Caller, limit: Limit = None, pageToken: Token = None, nextPageToken: Token = None):
        size, token = paging(limit, pageToken, nextPageToken)
        with db.read() as session:
            result = lists.page(session, caller, token, size)
            return mapping.page(
                [mapping.render_list(r, lists.member_count(session, caller, r.id)) for r in result.items],
                result.next_cursor,
            )

    @app.get(WS + "/lists/{listId}", tags=["lists"], responses={200: {"model": schemas.ListOut}})
    def get_list(listId: str, caller: Caller):
        with db.read() as session:
            row = lists.get(session, caller, parse_id(listId, "list"))
            return mapping.render_list(row, lists.member_count(session, caller, row.id))

    @app.patch(WS + "/lists/{listId}", tags=["lists"], responses={200: {"model": schemas.ListOut}})
    def update_list(listId: str, body: ListPatch, caller: Caller):
        patch = CoreListPatch(**{name: getattr(body, name) for name in body.model_fields_set
                                 if name in ("name", "description")})
        with db.write(workspace=caller.workspace_id) as session:
            row = lists.update(session, caller, parse_id(listId, "list"), patch)
            return mapping.render_list(row, lists.member_count(session, caller, row.id))

    @app.delete(WS + "/lists/{listId}", status_code=204, tags=["lists"])
    def delete_list(listId: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            lists.delete(session, caller, parse_id(listId, "list"))
        return Response(status_code=204)

    @app.get(WS + "/lists/{listId}/contacts", response_model=ContactPageOut, tags=["lists"])
    def list_members(
        listId: str, caller: Caller, limit: Limit = None, pageToken: Token = None, nextPageToken: Token = None,
    ):
        size, token = paging(limit, pageToken, nextPageToken)
        with db.read() as session:
            result = lists.members(session, caller, parse_id(listId, "list"), token, size)
            return JSONResponse(mapping.page([mapping.render_contact(v) for v in result.items], result.next_cursor))

    def _members(session, caller: Actor, list_id: uuid.UUID, body: ListMembers) -> list[uuid.UUID]:
        ids, idents = body.contacts or [], body.identifiers or []
        if len(ids) + len(idents) > MAX_MEMBERS_PER_CALL:
            raise InvalidInput(FieldError("contacts", f"at most {MAX_MEMBERS_PER_CALL} contacts and identifiers "
                                                      "together per call"))
        lists.get(session, caller, list_id)
        refs = mapping.point_refs(idents, "identifiers")
        return identifiers.known_contacts(session, caller, ids, refs)

    @app.post(WS + "/lists/{listId}/contacts", tags=["lists"], responses={200: {"model": schemas.ItemsProcessedOut}})
    def add_members(listId: str, body: ListMembers, caller: Caller):
        """Adds the contacts named by id or identifier; unknown ones are skipped, so
        `itemsProcessed` below the count sent means some were not found."""
        list_id = parse_id(listId, "list")
        with db.write(workspace=caller.workspace_id) as session:
            known = _members(session, caller, list_id, body)
            lists.add_members(session, caller, list_id, known)
            return {"itemsProcessed": len(known)}

    @app.delete(WS + "/lists/{listId}/contacts", tags=["lists"],
                responses={200: {"model": schemas.ItemsProcessedOut}})
    def remove_members(listId: str, body: ListMembers, caller: Caller):
        list_id = parse_id(listId, "list")
        with db.write(workspace=caller.workspace_id) as session:
            known = _members(session, caller, list_id, body)
            lists.remove_members(session, caller, list_id, known)
            return {"itemsProcessed": len(known)}

    # ------------------------------------------------------------ attribute definitions

    @app.post(WS + "/attribute-definitions", status_code=201, tags=["attribute definitions"],
              responses={201: {"model": schemas.DefinitionOut}})
    def create_definition(body: DefinitionCreate, caller: Caller):
        data = DefinitionInput(
            key=body.key, type=mapping.CORE_TYPES[body.type], cardinality=body.cardinality,
            display_name=body.displayName, description=body.description, pii=body.pii, read_only=body.readOnly,
        )
        with db.write(workspace=caller.workspace_id) as session:
            row = attributes.create_definition(session, caller, data)
            return JSONResponse(mapping.render_definition(row), status_code=201)

    @app.get(WS + "/attribute-definitions", tags=["attribute definitions"],
             responses={200: {"model": schemas.DefinitionListOut}})
    def list_definitions(caller: Caller):
        with db.read() as session:
            return {"results": [mapping.render_definition(d) for d in attributes.list_definitions(session, caller)]}

    @app.get(WS + "/attribute-definitions/{keyOrId}", tags=["attribute definitions"],
             responses={200: {"model": schemas.DefinitionOut}})
    def get_definition(keyOrId: str, caller: Caller):
        """One definition, by key or by id."""
        with db.read() as session:
            for row in attributes.list_definitions(session, caller):
                if keyOrId in (row.key, str(row.id)):
                    return mapping.render_definition(row)
        raise NotFound("attribute definition", keyOrId)

    serve_docs(app)
    return app
