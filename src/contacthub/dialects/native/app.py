"""The native API (/v1): routes only. Each route authenticates, opens one transaction, calls a
core service and renders what it returns."""

import uuid
from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Query, Request
from fastapi.responses import Response
from fastapi.security import HTTPBearer
from sqlalchemy.orm import Session

from contacthub import __version__
from contacthub.core import (
    accounts,
    attributes,
    contacts,
    erasure,
    events,
    groups,
    idempotency,
    identity,
    lists,
    merge,
    organizations,
    undelete,
    upserts,
    webhooks,
    workspaces,
)
from contacthub.core.actor import Actor
from contacthub.core.attributes import DefinitionInput, DefinitionPatch
from contacthub.core.inputs import WriteOptions
from contacthub.core.lists import ListInput, ListPatch
from contacthub.core.webhooks import WebhookInput, WebhookPatch
from contacthub.core.vcards import write_card
from contacthub.core.pagination import clamp_limit, decode_cursor, encode_cursor
from contacthub.db.engine import Database
from contacthub.dialects.common import (
    QueryInt,
    blank_means,
    DOOR_TELEMETRY, BodyLimit, Gate, error_responses, operation_id, parse_id, storable_params,
)
from contacthub.dialects.docs import serve_docs
from contacthub.dialects.native import errors
from contacthub.dialects.native.exports import install as install_exports
from contacthub.dialects.native.filters import contact_filter, declared_params_only
from contacthub.dialects.native.idempotency_key import IdempotencyKey
from contacthub.dialects.native.imports import install as install_imports
from contacthub.dialects.native.schemas import (
    AccountOut,
    AccountPageOut,
    ChangesOut,
    ContactBody,
    ContactOut,
    ContactPageOut,
    DataSourceListOut,
    DataSourceOut,
    DefinitionListOut,
    DefinitionOut,
    ErasedOut,
    ErrorOut,
    EventPageOut,
    GroupMembersOut,
    KeyListOut,
    KeyOut,
    ListOut,
    ListPageOut,
    MatchesOut,
    MergedOut,
    OrganizationMembersOut,
    ProcessedOut,
    ReviewDecisionOut,
    ReviewPageOut,
    UnmergeOut,
    UpsertOut,
    WebhookOut,
    WebhookPageOut,
    WorkspaceOut,
    GroupMembersBody,
    MembersBody,
    MergeBody,
    OrganizationMembersBody,
    UpsertBody,
    iso,
    render_account,
    render_change,
    render_contact,
    render_data_source,
    render_definition,
    render_event,
    render_group_members,
    render_key,
    render_list,
    render_outcome,
    render_page,
    page_limit,
    render_review,
    render_webhook,
)
from contacthub.dialects.responses import FastJSONResponse
from contacthub.core.contacts import ContactFilter
from contacthub.settings import Settings

def _answer(result: Any, status: int) -> tuple[int, Any]:
    """A write may answer its own status with the body: (200, {...})."""
    return result if isinstance(result, tuple) else (status, result)


ERRORS = error_responses(ErrorOut, 409, 410, 422)


def build(db: Database, settings: Settings, gate: Gate) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
        default_response_class=FastJSONResponse,
        title="contacthub native API",
        version=__version__,
        description="Contacts, lists, attribute definitions, history, the change feed and webhooks. "
        "Auth: `Authorization: Bearer <key>`. "
        f"Limits: request body {settings.max_body_bytes} bytes (413), page size {settings.max_page_size}.",
        responses=ERRORS,
    )
    errors.install(app)
    # an import's body may carry a file up to CONTACTHUB_IMPORT_MAX_BYTES as base64 (a third more)
    # with its envelope: past that the body is not read (413); a file over the limit is a 422
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, reject=errors.too_large,
                       overrides={"/imports": settings.import_max_bytes * 4 // 3 + 1024 * 1024})

    class BearerKey(HTTPBearer):
        """The caller of a request, from `Authorization: Bearer <key>`. As a security scheme it
        reads the header straight off the request (a Header() parameter cost a tenth of a GET
        in FastAPI's parameter machinery) and shows in the OpenAPI document."""

        async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
            credentials = await super().__call__(request)
            caller = await gate.authenticate_async(credentials.credentials if credentials else None, door="native",
                                                   request=request, reads=("/contacts/match",))
            await declared_params_only(request)  # once the key is known good: a bad one is 401 first
            return caller

    actor = BearerKey(auto_error=False, description="`Authorization: Bearer <key>`")
    Caller = Annotated[Actor, Depends(actor)]

    PageLimit = page_limit(settings)

    def page_size(limit: int | None) -> int:
        return clamp_limit(limit, settings.default_page_size, settings.max_page_size)

    def plain_policy(on_duplicate: str | None) -> WriteOptions:
        """`reject` or `create` as asked, else as the server's default says; a default of `merge`
        or `review` (which resolve one new record against the store) writes as `reject`."""
        policy = on_duplicate or settings.on_duplicate
        return WriteOptions(on_duplicate=policy if policy in ("reject", "create") else "reject")

    def idempotent(actor: Actor, key: str | None, request: Request, body: Any, status: int,
                   write: Callable[[Session], Any], replayed: Callable[[Any], Any] | None = None) -> FastJSONResponse:
        """Runs `write` once per Idempotency-Key; a repeat answers what the first call answered,
        or what `replayed` makes of it (an answer holding a secret that must not be stored)."""
        print_ = None
        if key is not None:
            payload = body.model_dump_json(exclude_unset=True).encode() if body is not None else b""
            # the path and query: the same request retried through another host name is the same request
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            print_ = idempotency.fingerprint(request.method, target, payload)
        answer = idempotency.run_once(lambda: db.write(workspace=actor.workspace_id), actor, key, print_,
                                      lambda session: _answer(write(session), status), replayed)
        return FastJSONResponse(answer.body, status_code=answer.status,
                                headers={"Idempotent-Replayed": "true"} if answer.replayed else None)

    # ------------------------------------------------------------ contacts

    @app.post("/contacts", status_code=201, response_model=ContactOut, tags=["contacts"],
              responses={200: {"model": MergedOut, "description": "Merged into an existing contact "
                                                                  "(`on_duplicate=merge`)."}})
    async def create_contact(
        body: ContactBody, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None,
        on_duplicate: Literal["reject", "create", "merge", "review"] | None = None,
    ):
        """Create a contact. What happens when it matches one already stored is `on_duplicate`
        (default: the CONTACTHUB_ON_DUPLICATE setting): `reject` answers 409 with `existing_id`
        when an email, phone or identifier is taken; `create` writes anyway; `merge` folds it into
        the best match (200, with `merged_into`); `review` creates it (201) and queues each likely
        duplicate in `/v1/duplicates` (listed in `possible_duplicates`)."""
        policy = on_duplicate or settings.on_duplicate
        if policy in ("reject", "create"):
            options = WriteOptions(on_duplicate=policy)
            return await db.write_soon(lambda: idempotent(
                caller, idempotency_key, request, body, 201,
                lambda s: render_contact(contacts.create(s, caller, body, options))))

        def work(session: Session):
            outcome = identity.write(session, caller, body, policy, WriteOptions())
            return (201 if outcome.created else 200), render_outcome(outcome)

        return await db.write_soon(lambda: _resolving(caller, idempotency_key, request, body, 201, work))

    def _resolving(caller: Actor, key: str | None, request: Request, body: Any, status: int,
                   work: Callable[[Session], Any]):
        """`idempotent`, again when a concurrent write of the same contact won."""
        return identity.retry_resolving(lambda: idempotent(caller, key, request, body, status, work))

    @app.post("/contacts/batch/upsert", tags=["contacts"], responses={200: {"model": UpsertOut}})
    async def upsert_contacts(
        body: UpsertBody, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None,
        on_duplicate: Literal["reject", "create"] | None = None,
    ):
        """Up to 100 contacts, each known by its identifier with the key `identifier_key` (another
        system's id for it): the contact holding that identifier is updated as PATCH does (its
        other identifiers kept), and where no contact holds it one is created. One transaction:
        an item refused (422, or 409 when an email or phone is another contact's and
        `on_duplicate` is `reject`) leaves the whole batch unwritten, its fields named from
        `contacts[i]`. Answers each item's contact and whether it was `created` or `updated`, in
        the items' order."""
        options = plain_policy(on_duplicate)

        def work(session: Session):
            done = upserts.upsert(session, caller, body.identifier_key, list(body.contacts), options)
            return 200, {"data": [{"status": "created" if u.created else "updated", "contact": render_contact(u.contact)}
                                  for u in done],
                         "created": sum(u.created for u in done), "updated": sum(not u.created for u in done)}

        return await db.write_soon(lambda: _resolving(caller, idempotency_key, request, body, 200, work))

    @app.post("/contacts/match", tags=["contacts"], responses={200: {"model": MatchesOut}})
    def match_contacts(body: ContactBody, caller: Caller, limit: Annotated[QueryInt, Query(ge=1, le=50)] = 10):
        """Who in the store may this be? Ranked candidates with a score (log2 likelihood ratio:
        >= 15 merges, >= 8 is worth a review) and the reasons for it. Writes nothing."""
        with db.read() as session:
            found = identity.match(session, caller, body, limit)
            return {"data": [{"contact": render_contact(v), "score": m.score, "decision": m.decision,
                              "reasons": m.reasons} for v, m in found]}

    @app.get("/contacts", response_model=ContactPageOut, tags=["contacts"],  # its filters reach SQL
             dependencies=[Depends(storable_params)])
    def list_contacts(caller: Caller, flt: Annotated[ContactFilter, Depends(contact_filter)],
                      cursor: str | None = None, limit: PageLimit = None):
        """List contacts, oldest first. Filter by attribute with `attributes.<key>=<value>`."""
        with db.read() as session:
            page = contacts.list_page(session, caller, flt, cursor, page_size(limit))
            return FastJSONResponse(render_page(page, render_contact))

    @app.get("/contacts/{contact_id}", response_model=ContactOut, tags=["contacts"])
    async def get_contact(contact_id: str, caller: Caller):
        """A contact. The id of a contact merged into another answers the survivor."""
        wanted = parse_id(contact_id, "contact")
        view = await db.read_soon(lambda session: contacts.get(session, caller, wanted))
        return FastJSONResponse(render_contact(view))

    @app.get("/contacts/{contact_id}/vcard", tags=["contacts"], response_class=Response, responses={
        200: {"content": {"text/vcard": {"schema": {"type": "string"}}}, "description": "A vCard 3.0"}})
    async def contact_vcard(contact_id: str, caller: Caller):
        """The contact as a vCard 3.0, for an address book or a phone: the card `contacthub export
        --format vcf` writes, with the groups holding it as CATEGORIES (a group's own card says
        so with `X-ADDRESSBOOKSERVER-KIND:group`). Served as an attachment named by its id."""
        wanted = parse_id(contact_id, "contact")

        def read(session: Session):
            view = contacts.get(session, caller, wanted)
            return view, groups.names_holding(session, caller, [view.id])[view.id]

        view, held = await db.read_soon(read)
        return Response(write_card(view, held), media_type="text/vcard; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{view.id}.vcf"'})

    @app.patch("/contacts/{contact_id}", response_model=ContactOut, tags=["contacts"])
    def update_contact(
        contact_id: str, body: ContactBody, caller: Caller, on_duplicate: Literal["reject", "create"] | None = None
    ):
        """Absent fields stay as they are; null clears. Lists of emails, phones, addresses,
        identifiers, lists and accounts are replaced whole; `attributes` and `social` are merged
        key by key (a key set to null is removed)."""
        options = plain_policy(on_duplicate)
        with db.write(workspace=caller.workspace_id) as session:
            view = contacts.update(session, caller, parse_id(contact_id, "contact"), body, options)
            return FastJSONResponse(render_contact(view))

    @app.delete("/contacts/{contact_id}", status_code=204, tags=["contacts"])
    def delete_contact(contact_id: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            contacts.delete(session, caller, parse_id(contact_id, "contact"))
        return Response(status_code=204)

    @app.post("/contacts/{contact_id}/undelete", status_code=201, response_model=ContactOut, tags=["contacts"])
    def undelete_contact(contact_id: str, request: Request, caller: Caller,
                         on_duplicate: Literal["reject", "create"] | None = None,
                         idempotency_key: IdempotencyKey = None):
        """Brings back a deleted contact under its id, as its `deleted` event recorded it (the
        lists, accounts, groups and organizations that still exist). 409 when a contact has
        the id, or when another contact took one of its emails, phones or identifiers meanwhile
        (`on_duplicate=create` restores it anyway); 404 when no contact with that id was deleted
        (or it was erased)."""
        options, cid = plain_policy(on_duplicate), parse_id(contact_id, "contact")
        return idempotent(caller, idempotency_key, request, None, 201,
                          lambda s: render_contact(undelete.undelete(s, caller, cid, options)))

    @app.post("/contacts/{contact_id}/erase", tags=["contacts"], responses={200: {"model": ErasedOut}})
    def erase_contact(contact_id: str, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        """Erases the person: what a right-to-erasure request asks, where DELETE keeps the
        history. The contact (a merged-away id: the one it merged into) and every record merged
        into it are removed, the history of each keeps only what happened, when and through which
        door, and the review queue's pairs, import notes and idempotent replays that show them are
        dropped. Works on a contact deleted before, whose history still holds it. One `erased`
        event goes out on the change feed, naming every id the person had. Cannot be undone."""
        cid = parse_id(contact_id, "contact")
        answer = idempotent(caller, idempotency_key, request, None, 200,
                            lambda s: {"erased": str(erasure.erase(s, caller, cid))})
        db.fold_log()  # on SQLite, no copy of the person stays in the write-ahead log either
        return answer

    @app.post("/contacts/{contact_id}/merge", response_model=ContactOut, tags=["contacts"])
    def merge_contact(contact_id: str, body: MergeBody, request: Request, caller: Caller,
                      idempotency_key: IdempotencyKey = None):
        """Merge the contact `from` into this one. This id survives; `from` then resolves to it."""
        into, from_ = parse_id(contact_id, "contact"), parse_id(body.from_, "contact")
        return idempotent(caller, idempotency_key, request, body, 200,
                          lambda s: render_contact(merge.merge(s, caller, into, from_)))

    @app.post("/contacts/{contact_id}/unmerge", tags=["contacts"], responses={200: {"model": UnmergeOut}})
    def unmerge_contact(contact_id: str, body: MergeBody, request: Request, caller: Caller,
                        idempotency_key: IdempotencyKey = None):
        """Undo the merge of `from` into this contact: both come back as they were before it."""
        into, from_ = parse_id(contact_id, "contact"), parse_id(body.from_, "contact")

        def work(session: Session):
            survivor, restored = merge.unmerge(session, caller, into, from_)
            return {"contact": render_contact(survivor), "restored": render_contact(restored)}
        return idempotent(caller, idempotency_key, request, body, 200, work)

    @app.get("/contacts/{contact_id}/events", tags=["events"], responses={200: {"model": EventPageOut}})
    def contact_events(contact_id: str, caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        """Every recorded change of the contact, oldest first (kept after a delete)."""
        return _events_page(caller, parse_id(contact_id, "contact"), cursor, limit)

    @app.get("/events", tags=["events"], responses={200: {"model": EventPageOut}})
    def workspace_events(caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        return _events_page(caller, None, cursor, limit)

    @app.get("/changes", tags=["events"], responses={200: {"model": ChangesOut}})
    def change_feed(caller: Caller, since: Annotated[QueryInt, Query(ge=0)] = 0, limit: PageLimit = None):
        """The change feed: every change to the workspace (the events of `/v1/events`, each with its
        `seq`), in the order they became visible, after `since` (0: from the first). Pass the
        answer's `next_since` as `since` next time, now or later: no change is ever missed or
        handed out twice, however writes interleave. `has_more`: ask again at once."""
        found = events.poll_changes(db, caller, since, page_size(limit))
        return {"data": [render_change(e) for e in found.events], "next_since": found.last_seq,
                "has_more": found.more}

    def _events_page(caller: Actor, subject: uuid.UUID | None, cursor: str | None, limit: int | None):
        size = page_size(limit)
        with db.read() as session:
            rows = events.page(session, caller, subject, decode_cursor(cursor), size + 1)
            more = len(rows) > size
            rows = rows[:size]
            return {"data": [render_event(e) for e in rows],
                    "next_cursor": encode_cursor(rows[-1].id) if more and rows else None, "has_more": more}

    # ------------------------------------------------------------ duplicates review queue

    @app.get("/duplicates", tags=["duplicates"], responses={200: {"model": ReviewPageOut}})
    def list_duplicates(caller: Caller, cursor: str | None = None, limit: PageLimit = None,
                        status: Annotated[Literal["open", "accepted", "rejected"], blank_means("open")] = "open"):
        """Pairs the engine flagged for a human (`on_duplicate=review`, weaker matches of `merge`,
        `contacthub dedupe --review`), oldest first, with both contacts and the reasons."""
        size = page_size(limit)
        with db.read() as session:
            rows = identity.reviews_page(session, caller, status, decode_cursor(cursor), size + 1)
            more = len(rows) > size
            rows = rows[:size]
            views = {v.id: v for v in contacts.get_many(
                session, caller, [i for r in rows for i in (r.contact_id, r.candidate_id)])}
            return {"data": [render_review(r, views.get(r.contact_id), views.get(r.candidate_id)) for r in rows],
                    "next_cursor": encode_cursor(rows[-1].id) if more and rows else None, "has_more": more}

    @app.post("/duplicates/{review_id}/accept", tags=["duplicates"], responses={200: {"model": ReviewDecisionOut}})
    def accept_duplicate(review_id: str, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        """Merge the pair: the older contact (`candidate_id`) survives, the other resolves to it."""
        pair = parse_id(review_id, "duplicate")

        def work(session: Session):
            row, view = identity.accept_review(session, caller, pair)
            return {"duplicate": render_review(row), "contact": render_contact(view)}
        return idempotent(caller, idempotency_key, request, None, 200, work)

    @app.post("/duplicates/{review_id}/reject", tags=["duplicates"], responses={200: {"model": ReviewDecisionOut}})
    def reject_duplicate(review_id: str, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        """Dismiss the pair: they are different people."""
        pair = parse_id(review_id, "duplicate")
        return idempotent(caller, idempotency_key, request, None, 200,
                          lambda s: {"duplicate": render_review(identity.reject_review(s, caller, pair))})

    # ------------------------------------------------------------ attribute definitions

    @app.post("/attribute-definitions", status_code=201, tags=["attribute definitions"],
              responses={201: {"model": DefinitionOut}})
    def create_definition(body: DefinitionInput, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        return idempotent(caller, idempotency_key, request, body, 201,
                          lambda s: render_definition(attributes.create_definition(s, caller, body)))

    @app.get("/attribute-definitions", tags=["attribute definitions"], responses={200: {"model": DefinitionListOut}})
    def list_definitions(caller: Caller):
        with db.read() as session:
            return {"data": [render_definition(d) for d in attributes.list_definitions(session, caller)]}

    @app.get("/attribute-definitions/{key}", tags=["attribute definitions"],
              dependencies=[Depends(storable_params)], responses={200: {"model": DefinitionOut}})
    def get_definition(key: str, caller: Caller):
        with db.read() as session:
            return render_definition(attributes.get_definition(session, caller, key))

    @app.patch("/attribute-definitions/{key}", tags=["attribute definitions"],
              dependencies=[Depends(storable_params)], responses={200: {"model": DefinitionOut}})
    def update_definition(key: str, body: DefinitionPatch, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            return render_definition(attributes.update_definition(session, caller, key, body))

    @app.delete("/attribute-definitions/{key}", status_code=204, tags=["attribute definitions"],
                dependencies=[Depends(storable_params)])
    def delete_definition(key: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            attributes.delete_definition(session, caller, key)
        return Response(status_code=204)

    # ------------------------------------------------------------ lists

    @app.post("/lists", status_code=201, tags=["lists"], responses={201: {"model": ListOut}})
    def create_list(body: ListInput, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        return idempotent(caller, idempotency_key, request, body, 201,
                          lambda s: render_list(lists.create(s, caller, body), 0))

    @app.get("/lists", tags=["lists"], responses={200: {"model": ListPageOut}})
    def list_lists(caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        with db.read() as session:
            page = lists.page(session, caller, cursor, page_size(limit))
            counts = lists.member_counts(session, caller, [row.id for row in page.items])
            return render_page(page, lambda row: render_list(row, counts.get(row.id, 0)))

    @app.get("/lists/{list_id}", tags=["lists"], responses={200: {"model": ListOut}})
    def get_list(list_id: str, caller: Caller):
        with db.read() as session:
            row = lists.get(session, caller, parse_id(list_id, "list"))
            return render_list(row, lists.member_count(session, caller, row.id))

    @app.patch("/lists/{list_id}", tags=["lists"], responses={200: {"model": ListOut}})
    def update_list(list_id: str, body: ListPatch, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            row = lists.update(session, caller, parse_id(list_id, "list"), body)
            return render_list(row, lists.member_count(session, caller, row.id))

    @app.delete("/lists/{list_id}", status_code=204, tags=["lists"])
    def delete_list(list_id: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            lists.delete(session, caller, parse_id(list_id, "list"))
        return Response(status_code=204)

    @app.get("/lists/{list_id}/contacts", response_model=ContactPageOut, tags=["lists"])
    def list_members(list_id: str, caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        with db.read() as session:
            page = lists.members(session, caller, parse_id(list_id, "list"), cursor, page_size(limit))
            return FastJSONResponse(render_page(page, render_contact))

    @app.post("/lists/{list_id}/contacts", tags=["lists"], responses={200: {"model": ProcessedOut}})
    def add_members(list_id: str, body: MembersBody, request: Request, caller: Caller,
                    idempotency_key: IdempotencyKey = None):
        """Adds the contacts `contact_ids` to the list; answers how many were processed."""
        into, ids = parse_id(list_id, "list"), [parse_id(i, "contact") for i in body.contact_ids]
        return idempotent(caller, idempotency_key, request, body, 200,
                          lambda s: {"processed": lists.add_members(s, caller, into, ids)})

    @app.delete("/lists/{list_id}/contacts/{contact_id}", status_code=204, tags=["lists"])
    def remove_member(list_id: str, contact_id: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            lists.remove_members(session, caller, parse_id(list_id, "list"), [parse_id(contact_id, "contact")])
        return Response(status_code=204)

    # ------------------------------------------------------------ groups (contacts of kind group)

    @app.get("/groups/{group_id}/members", tags=["groups"], responses={200: {"model": GroupMembersOut}})
    def group_members(group_id: str, caller: Caller):
        """The contacts the group holds (`children`), and those of them called out as `primary`."""
        with db.read() as session:
            group = groups.get_group(session, caller, parse_id(group_id, "group"))
            return render_group_members(group.id, groups.members(session, caller, [group.id])[group.id])

    @app.put("/groups/{group_id}/members", tags=["groups"], responses={200: {"model": GroupMembersOut}})
    def set_group_members(group_id: str, body: GroupMembersBody, caller: Caller):
        """Replaces the group's members with `children` (at most 1,000); `primary` replaces its
        primary ones (each becomes a child too), or when absent keeps those still children. A
        merged-away id counts as its survivor; a group cannot hold itself."""
        with db.write(workspace=caller.workspace_id) as session:
            group = groups.get_group(session, caller, parse_id(group_id, "group"))
            return render_group_members(group.id, groups.set_members(session, caller, group.id, body.children,
                                                                     body.primary))

    @app.get("/contacts/{contact_id}/groups", response_model=ContactPageOut, tags=["groups"])
    def contact_groups(contact_id: str, caller: Caller):
        """The groups holding the contact."""
        with db.read() as session:
            view = contacts.get(session, caller, parse_id(contact_id, "contact"))
            held = [g for g in groups.referenced_by(session, caller, [view.id])[view.id] if g.kind == "group"]
            return FastJSONResponse({"data": [render_contact(g) for g in held], "next_cursor": None, "has_more": False})

    # ------------------------------------------------------------ organizations and their members

    @app.get("/organizations/{organization_id}/members", tags=["organizations"],
             responses={200: {"model": OrganizationMembersOut}})
    def organization_members(organization_id: str, caller: Caller):
        """The people (and parts) of an organization: contacts linked to its contact."""
        with db.read() as session:
            organization = organizations.get_organization(session, caller, parse_id(organization_id, "organization"))
            return {"organization_id": str(organization.id),
                    "members": [str(i) for i in organizations.members(session, caller, organization.id)]}

    @app.put("/organizations/{organization_id}/members", tags=["organizations"],
             responses={200: {"model": OrganizationMembersOut}})
    def set_organization_members(organization_id: str, body: OrganizationMembersBody, caller: Caller):
        """Replaces the organization's members (at most 1,000; people, or organizations that are
        its parts; not groups, not itself). A merged-away id counts as its survivor."""
        with db.write(workspace=caller.workspace_id) as session:
            held_by, kept = organizations.set_members(session, caller, parse_id(organization_id, "organization"),
                                                      body.members)
            return {"organization_id": str(held_by), "members": [str(i) for i in kept]}

    @app.get("/contacts/{contact_id}/organizations", response_model=ContactPageOut, tags=["organizations"])
    def contact_organizations(contact_id: str, caller: Caller):
        """The organizations the contact is a member of."""
        with db.read() as session:
            found = organizations.organizations_of(session, caller, parse_id(contact_id, "contact"))
            return FastJSONResponse({"data": [render_contact(o) for o in found], "next_cursor": None, "has_more": False})

    # ------------------------------------------------------------ data sources and accounts

    @app.post("/data-sources", status_code=201, tags=["accounts"], responses={201: {"model": DataSourceOut}})
    def create_data_source(body: accounts.DataSourceInput, request: Request, caller: Caller,
                           idempotency_key: IdempotencyKey = None):
        """Where accounts come from (a billing system, a CRM): `name` unique in the workspace."""
        return idempotent(caller, idempotency_key, request, body, 201,
                          lambda s: render_data_source(accounts.create_data_source(s, caller, body)))

    @app.get("/data-sources", tags=["accounts"], dependencies=[Depends(storable_params)],
             responses={200: {"model": DataSourceListOut}})  # `name` reaches SQL
    def list_data_sources(caller: Caller, name: str | None = None):
        with db.read() as session:
            return {"data": [render_data_source(d) for d in accounts.list_data_sources(session, caller, name or None)],
                    "next_cursor": None, "has_more": False}

    @app.get("/data-sources/{source_id}", tags=["accounts"], responses={200: {"model": DataSourceOut}})
    def get_data_source(source_id: str, caller: Caller):
        with db.read() as session:
            return render_data_source(accounts.get_data_source(session, caller, parse_id(source_id, "data source")))

    @app.delete("/data-sources/{source_id}", status_code=204, tags=["accounts"])
    def delete_data_source(source_id: str, caller: Caller):
        """The data source and its accounts; their contacts stay, no longer members of them."""
        with db.write(workspace=caller.workspace_id) as session:
            accounts.delete_data_source(session, caller, parse_id(source_id, "data source"))
        return Response(status_code=204)

    @app.post("/accounts", status_code=201, tags=["accounts"], responses={201: {"model": AccountOut}})
    def create_account(body: accounts.AccountInput, request: Request, caller: Caller,
                       idempotency_key: IdempotencyKey = None):
        """An account (a customer, a company) of a data source, known there by `external_id`
        (unique in the source). Contacts join it through their `accounts`."""
        return idempotent(caller, idempotency_key, request, body, 201,
                          lambda s: render_account(accounts.create_account(s, caller, body)))

    @app.get("/accounts", tags=["accounts"], dependencies=[Depends(storable_params)],
             responses={200: {"model": AccountPageOut}})  # `external_id` reaches SQL
    def list_accounts(caller: Caller, data_source_id: str | None = None, external_id: str | None = None,
                      cursor: str | None = None, limit: PageLimit = None):
        """Accounts, oldest first; filter by `data_source_id` and `external_id`. Their contacts:
        `GET /v1/contacts?account=<id>`."""
        source = parse_id(data_source_id, "data source") if data_source_id else None
        with db.read() as session:
            return render_page(accounts.list_accounts(session, caller, source, external_id, cursor, page_size(limit)),
                               render_account)

    @app.get("/accounts/{account_id}", tags=["accounts"], responses={200: {"model": AccountOut}})
    def get_account(account_id: str, caller: Caller):
        with db.read() as session:
            return render_account(accounts.get_account(session, caller, parse_id(account_id, "account")))

    @app.patch("/accounts/{account_id}", tags=["accounts"], responses={200: {"model": AccountOut}})
    def update_account(account_id: str, body: accounts.AccountPatch, caller: Caller):
        """Absent fields stay, null clears; `attributes` and `extra` are replaced whole."""
        with db.write(workspace=caller.workspace_id) as session:
            return render_account(accounts.update_account(session, caller, parse_id(account_id, "account"), body))

    @app.delete("/accounts/{account_id}", status_code=204, tags=["accounts"])
    def delete_account(account_id: str, caller: Caller):
        """The account; its contacts stay, no longer members of it."""
        with db.write(workspace=caller.workspace_id) as session:
            accounts.delete_account(session, caller, parse_id(account_id, "account"))
        return Response(status_code=204)

    # ------------------------------------------------------------ API keys of the workspace

    @app.get("/workspace", tags=["keys"], responses={200: {"model": WorkspaceOut}})
    def current_workspace(caller: Caller):
        """The workspace the key reaches (its `id` is the `workspaceId` of Bird's paths) and the
        key itself, as `GET /v1/keys` lists it."""
        with db.read() as session:
            workspace, key = workspaces.whoami(session, caller)
            return {"id": str(workspace.id), "name": workspace.name, "created_at": iso(workspace.created_at),
                    "key": render_key(key) if key is not None else None}

    @app.get("/keys", tags=["keys"], responses={200: {"model": KeyListOut}})
    def list_keys(caller: Caller):
        """The workspace's keys, revoked ones too: id, name, the prefix that shows which is which,
        `read_only`, when made and revoked. Never the keys themselves."""
        with db.read() as session:
            return {"data": [render_key(k) for k in workspaces.workspace_keys(session, caller)],
                    "next_cursor": None, "has_more": False}

    @app.post("/keys", status_code=201, tags=["keys"], responses={201: {"model": KeyOut}})
    def create_key(body: workspaces.KeyInput, request: Request, caller: Caller,
                   idempotency_key: IdempotencyKey = None):
        """A new key of this workspace (`read_only`: it may read through every door but change
        nothing), answered with `api_key`: the key itself, shown this once. A repeat with the
        same Idempotency-Key answers the key's record without it (only its hash is kept)."""
        def write(session: Session):
            row, api_key = workspaces.new_workspace_key(session, caller, body)
            return render_key(row) | {"api_key": api_key}

        return idempotent(caller, idempotency_key, request, body, 201, write,
                          replayed=lambda answer: answer | {"api_key": None})

    @app.delete("/keys/{key_id}", tags=["keys"], responses={200: {"model": KeyOut}})
    def revoke_key(key_id: str, caller: Caller):
        """Revokes the key (this one too): it stops working at once in this server process, and
        within 5 seconds in others. The workspace's last key that can write is kept (409)."""
        with db.write(workspace=caller.workspace_id) as session:
            return render_key(workspaces.revoke_workspace_key(session, caller, parse_id(key_id, "api key")))

    # ------------------------------------------------------------ webhooks

    def _without_secret(answer: dict) -> dict:
        return answer | {"secret": None}

    @app.post("/webhooks", status_code=201, tags=["webhooks"], responses={201: {"model": WebhookOut}})
    def create_webhook(body: WebhookInput, request: Request, caller: Caller, idempotency_key: IdempotencyKey = None):
        """Send the change feed to `url` as it grows (see `GET /v1/changes`): each delivery a POST
        of `{"webhook_id", "data": [changes], "next_since"}`, signed as Standard Webhooks says
        with the `secret` answered here (and only here). From `since` (default: what changes
        from now on; 0: every change from the first). A repeat with the same Idempotency-Key
        answers `secret: null`: a secret is never kept for replay."""
        return idempotent(caller, idempotency_key, request, body, 201, lambda s: render_webhook(
            webhooks.create(s, caller, body, settings.webhook_allow_private_urls), secret=True),
            replayed=_without_secret)

    @app.get("/webhooks", tags=["webhooks"], responses={200: {"model": WebhookPageOut}})
    def list_webhooks(caller: Caller, cursor: str | None = None, limit: PageLimit = None):
        with db.read() as session:
            page = webhooks.page(session, caller, cursor, page_size(limit))
            return render_page(page, render_webhook)

    @app.get("/webhooks/{webhook_id}", tags=["webhooks"], responses={200: {"model": WebhookOut}})
    def get_webhook(webhook_id: str, caller: Caller):
        """The webhook and how its deliveries stand: `delivered_seq` (the last change it took),
        `failures` in a row, `last_error`, and when it is tried next."""
        with db.read() as session:
            return render_webhook(webhooks.get(session, caller, parse_id(webhook_id, "webhook")))

    @app.patch("/webhooks/{webhook_id}", tags=["webhooks"], responses={200: {"model": WebhookOut}})
    def update_webhook(webhook_id: str, body: WebhookPatch, caller: Caller):
        """Change its `url` or `description`, or turn it off and on (`active`); turned on, a
        failing webhook is tried again at once."""
        with db.write(workspace=caller.workspace_id) as session:
            return render_webhook(webhooks.update(session, caller, parse_id(webhook_id, "webhook"), body,
                                                  settings.webhook_allow_private_urls))

    @app.post("/webhooks/{webhook_id}/rotate-secret", tags=["webhooks"], responses={200: {"model": WebhookOut}})
    def rotate_webhook_secret(webhook_id: str, request: Request, caller: Caller,
                              idempotency_key: IdempotencyKey = None):
        """A new signing `secret`, answered here (and only here); every delivery from now on,
        a retried one too, is signed with it. The webhook keeps its place in the feed. A repeat
        with the same Idempotency-Key answers `secret: null` (and rotates nothing)."""
        return idempotent(caller, idempotency_key, request, None, 200, lambda s: render_webhook(
            webhooks.rotate_secret(s, caller, parse_id(webhook_id, "webhook")), secret=True),
            replayed=_without_secret)

    @app.delete("/webhooks/{webhook_id}", status_code=204, tags=["webhooks"])
    def delete_webhook(webhook_id: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            webhooks.delete(session, caller, parse_id(webhook_id, "webhook"))
        return Response(status_code=204)

    install_imports(app, db, settings, actor)
    install_exports(app, db, actor)
    serve_docs(app)
    return app

