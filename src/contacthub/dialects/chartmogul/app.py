"""The ChartMogul door, mounted at /chartmogul: a client whose base URL is
`http://HOST:PORT/chartmogul/v1` reaches data sources, customers and contacts.

Auth is HTTP Basic with the API key as the username (password empty or the key again).
Routes only: each authenticates, opens one transaction, calls core/accounts and renders.
"""

import uuid
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, Path, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from contacthub import __version__
from contacthub.core import accounts
from contacthub.core.actor import Actor
from contacthub.core.errors import dotted_path, reason_of
from contacthub.core.inputs import WriteOptions
from contacthub.core.pagination import clamp_limit, decode_cursor, encode_cursor
from contacthub.db.engine import Database
from contacthub.dialects.chartmogul import errors
from contacthub.dialects.chartmogul.errors import BadParameters, MissingParameter
from contacthub.dialects.chartmogul.mapping import (
    CONTACT,
    CUSTOMER,
    CUSTOMER_STATUS,
    DATA_SOURCE,
    contact_input,
    customer_fields,
    customer_patch,
    parse_ref,
    render_contact,
    render_customer,
    render_data_source,
)
from contacthub.dialects.chartmogul.schemas import (
    ContactBody,
    ContactListOut,
    ContactOut,
    ContactPatch,
    CustomerBody,
    CustomerListOut,
    CustomerOut,
    CustomerPatchBody,
    DataSourceBody,
    DataSourceListOut,
    DataSourceOut,
    ErrorOut,
)
from contacthub.dialects.common import (
    QueryInt,
    given,
    DOOR_TELEMETRY,
    BodyLimit,
    Gate,
    basic_credentials,
    document_security,
    error_responses,
    operation_id,
    parse_id,
    storable_params,
)
from contacthub.dialects.docs import serve_docs
from contacthub.core.accounts import MemberFilter
from contacthub.settings import Settings

MAX_PER_PAGE = 200
# ChartMogul does not check the syntax of contact emails and phones; duplicates across
# customers are separate contacts (the per-customer email rule is core/accounts').
OPTIONS = WriteOptions(on_duplicate="create", strict_phones=False, strict_emails=False,
                       allow_undefined_attributes=False)


def basic_key(header: str | None) -> str | None:
    """The API key from `Authorization: Basic base64(key:)` (the password may repeat the key)."""
    credentials = basic_credentials(header)
    if credentials is None:
        return None
    user, password = credentials
    return user if user and password in ("", user) else None


def required(value: Any, param: str) -> Any:
    """A required parameter's value; none, or blank text (`""`, `"   "`), is missing (400)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise MissingParameter(param)
    return value


def build(db: Database, settings: Settings, gate: Gate) -> FastAPI:
    app = FastAPI(
        telemetry=DOOR_TELEMETRY,
        generate_unique_id_function=operation_id,
        docs_url=None,  # served by serve_docs, without a CDN
        redoc_url=None,
        dependencies=[Depends(storable_params)],
        title="contacthub — ChartMogul dialect",
        version=__version__,
        description="ChartMogul-compatible data sources, customers and contacts under `/chartmogul/v1`. "
        "Auth: HTTP Basic, the API key as username. Errors: "
        '`{"code", "message", "param", "errors"}` with 400/401/404/413/422. '
        f"Request body limit {settings.max_body_bytes} bytes; `per_page` at most {MAX_PER_PAGE}.",
        responses=error_responses(ErrorOut, 422),
    )
    errors.install(app)
    document_security(app, {"BasicKey": {"type": "http", "scheme": "basic",
                                         "description": "HTTP Basic: the API key as username, an empty password"}})
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes, reject=errors.too_large)

    def actor(request: Request, authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Actor:
        return gate.authenticate(basic_key(authorization), door="chartmogul", request=request)

    Caller = Annotated[Actor, Depends(actor)]
    PerPage = Annotated[QueryInt | None, Query()]

    def per_page_of(value: int | None) -> int:
        return clamp_limit(value, MAX_PER_PAGE, MAX_PER_PAGE, field="per_page")

    def list_answer(entries: list, page, last: uuid.UUID | None, cursor: str | None) -> dict:
        """ChartMogul's list: its `cursor` names where the page ended even on the last page (a
        client polling for new entries goes on from there), the one it was asked with on an
        empty one."""
        return {"entries": entries, "cursor": page.next_cursor or (encode_cursor(last) if last else cursor or None),
                "has_more": page.has_more}

    def contact_page(session, caller: Actor, flt: MemberFilter, cursor: str | None, per_page: int | None):
        page = accounts.list_members(session, caller, flt, cursor or None, per_page_of(per_page))
        last = page.items[-1].contact.id if page.items else None
        return list_answer([render_contact(m) for m in page.items], page, last, cursor)

    @app.get("/v1/ping", tags=["authentication"])
    def ping(caller: Caller):
        """Answers when the key is good, as ChartMogul's ping does."""
        return {"data": "pong!"}

    # ------------------------------------------------------------ data sources

    @app.post("/v1/data_sources", status_code=201, responses={201: {"model": DataSourceOut}}, tags=["data sources"])
    def create_data_source(body: DataSourceBody, caller: Caller):
        data = _validated(accounts.DataSourceInput, name=required(body.name, "name"))
        with db.write(workspace=caller.workspace_id) as session:
            return JSONResponse(render_data_source(accounts.create_data_source(session, caller, data)), 201)

    @app.get("/v1/data_sources", responses={200: {"model": DataSourceListOut}}, tags=["data sources"])
    def list_data_sources(caller: Caller, name: str | None = None):
        with db.read() as session:
            return {"data_sources": [render_data_source(r)  # `?name=` (empty) is no filter, as in every door
                                     for r in accounts.list_data_sources(session, caller, name or None)]}

    @app.get("/v1/data_sources/{uuid}", responses={200: {"model": DataSourceOut}}, tags=["data sources"])
    def get_data_source(uuid: str, caller: Caller):
        with db.read() as session:
            return render_data_source(accounts.get_data_source(session, caller, parse_id(uuid, "data source", DATA_SOURCE)))

    @app.delete("/v1/data_sources/{uuid}", status_code=204, tags=["data sources"])
    def delete_data_source(uuid: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            accounts.delete_data_source(session, caller, parse_id(uuid, "data source", DATA_SOURCE))
        return Response(status_code=204)

    # ------------------------------------------------------------ customers

    @app.post("/v1/customers", status_code=201, tags=["customers"], responses={201: {"model": CustomerOut}})
    def create_customer(body: CustomerBody, caller: Caller):
        source_id = parse_ref(required(body.data_source_uuid, "data_source_uuid"), DATA_SOURCE, "data_source_uuid")
        fields = {name: getattr(body, name) for name in
                  ("name", "email", "company", "country", "state", "city", "zip", "website_url")}
        data = _validated(accounts.AccountInput, data_source_id=source_id,
                          external_id=required(body.external_id, "external_id"), **fields, **customer_fields(body))
        with db.write(workspace=caller.workspace_id) as session:
            row = accounts.create_account(session, caller, data)
            if body.primary_contact is not None:
                accounts.create_member(session, caller, contact_input(body.primary_contact), account_id=row.id,
                                       data_source_id=source_id, options=OPTIONS)
            source = accounts.get_data_source(session, caller, source_id)
            return JSONResponse(render_customer(row, source), 201)

    @app.get("/v1/customers", tags=["customers"], responses={200: {"model": CustomerListOut}})
    def list_customers(caller: Caller, data_source_uuid: str | None = None, external_id: str | None = None,
                       status: str | None = None, system: str | None = None,
                       cursor: str | None = None, per_page: PerPage = None):
        """`status`: every customer here is a "New Lead" (no subscriptions are kept), so another
        status lists none; `system`: the customers of data sources of that billing system."""
        data_source_uuid, status = given(data_source_uuid), given(status)
        source_id = parse_ref(data_source_uuid, DATA_SOURCE, "data_source_uuid") if data_source_uuid else None
        limit = per_page_of(per_page)
        decode_cursor(cursor or None, "cursor")  # a bad one is 422 whatever the status
        if status and status != CUSTOMER_STATUS:
            return {"entries": [], "cursor": cursor or None, "has_more": False}
        with db.read() as session:
            page = accounts.list_accounts(session, caller, source_id, given(external_id), cursor or None,
                                          limit, system=given(system))
            return customer_page(session, caller, page, cursor)

    def customer_page(session, caller: Actor, page, cursor: str | None) -> dict:
        sources = {s.id: s for s in accounts.list_data_sources(session, caller)}
        last = page.items[-1].id if page.items else None
        return list_answer([render_customer(r, sources.get(r.data_source_id)) for r in page.items], page, last,
                           cursor)

    @app.get("/v1/customers/search", tags=["customers"], responses={200: {"model": CustomerListOut}})
    def search_customers(caller: Caller, email: str | None = None, cursor: str | None = None,
                         per_page: PerPage = None):
        """The customers with this email (any case)."""
        wanted = required((email or "").strip(), "email")
        with db.read() as session:
            page = accounts.list_accounts(session, caller, None, None, cursor or None, per_page_of(per_page),
                                          email=wanted)
            return customer_page(session, caller, page, cursor)

    @app.get("/v1/customers/{uuid}", tags=["customers"], responses={200: {"model": CustomerOut}})
    def get_customer(uuid: str, caller: Caller):
        with db.read() as session:
            row = accounts.get_account(session, caller, parse_id(uuid, "account", CUSTOMER))
            return render_customer(row, _source_of(session, caller, row))

    @app.patch("/v1/customers/{uuid}", tags=["customers"], responses={200: {"model": CustomerOut}})
    def update_customer(uuid: str, body: CustomerPatchBody, caller: Caller):
        """Changes the fields given; the customer's data source and external id stay."""
        account_id = parse_id(uuid, "account", CUSTOMER)
        with db.write(workspace=caller.workspace_id) as session:
            row = accounts.get_account(session, caller, account_id, lock=True)
            data = _validated(accounts.AccountPatch, **customer_patch(body, row))
            row = accounts.update_account(session, caller, account_id, data)
            return render_customer(row, _source_of(session, caller, row))

    @app.delete("/v1/customers/{uuid}", status_code=204, tags=["customers"])
    def delete_customer(uuid: str, caller: Caller):
        """The customer goes; its contacts stay (they leave it)."""
        with db.write(workspace=caller.workspace_id) as session:
            accounts.delete_account(session, caller, parse_id(uuid, "account", CUSTOMER))
        return Response(status_code=204)

    def _source_of(session, caller: Actor, row):
        return accounts.get_data_source(session, caller, row.data_source_id) if row.data_source_id else None

    @app.post("/v1/customers/{uuid}/contacts", status_code=201, responses={201: {"model": ContactOut}}, tags=["contacts"])
    def add_contact_to_customer(uuid: str, body: ContactBody, caller: Caller):
        account_id = parse_id(uuid, "account", CUSTOMER)
        source_id = parse_ref(required(body.data_source_uuid, "data_source_uuid"), DATA_SOURCE, "data_source_uuid")
        return _create_contact(caller, body, account_id, source_id)

    @app.get("/v1/customers/{uuid}/contacts", responses={200: {"model": ContactListOut}}, tags=["contacts"])
    def customer_contacts(uuid: str, caller: Caller, cursor: str | None = None, per_page: PerPage = None):
        flt = MemberFilter(account_id=parse_id(uuid, "account", CUSTOMER))
        with db.read() as session:
            return contact_page(session, caller, flt, cursor, per_page)

    # ------------------------------------------------------------ contacts

    @app.post("/v1/contacts", status_code=201, responses={201: {"model": ContactOut}}, tags=["contacts"])
    def create_contact(body: ContactBody, caller: Caller):
        account_id = parse_ref(body.customer_uuid, CUSTOMER, "customer_uuid") if body.customer_uuid else None
        source_id = parse_ref(required(body.data_source_uuid, "data_source_uuid"), DATA_SOURCE, "data_source_uuid")
        return _create_contact(caller, body, account_id, source_id)

    def _create_contact(caller: Actor, body: ContactBody, account_id, source_id) -> JSONResponse:
        data = contact_input(body)
        with db.write(workspace=caller.workspace_id) as session:
            member = accounts.create_member(
                session, caller, data, account_id=account_id, data_source_id=source_id,
                external_id=body.external_id, position=body.position, options=OPTIONS,
            )
            return JSONResponse(render_contact(member), 201)

    @app.get("/v1/contacts", responses={200: {"model": ContactListOut}}, tags=["contacts"])
    def list_contacts(
        caller: Caller, cursor: str | None = None, per_page: PerPage = None, email: str | None = None,
        customer_external_id: str | None = None, data_source_uuid: str | None = None,
        customer_uuid: str | None = None, external_id: str | None = None,
    ):
        external_id, customer_uuid, data_source_uuid = given(external_id), given(customer_uuid), given(data_source_uuid)
        flt = MemberFilter(
            email=given(email),
            identifiers={accounts.EXTERNAL_ID_KEY: external_id} if external_id else {},
            account_id=parse_ref(customer_uuid, CUSTOMER, "customer_uuid") if customer_uuid else None,
            account_external_id=given(customer_external_id),
            data_source_id=parse_ref(data_source_uuid, DATA_SOURCE, "data_source_uuid") if data_source_uuid else None,
        )
        with db.read() as session:
            return contact_page(session, caller, flt, cursor, per_page)

    @app.get("/v1/contacts/{uuid}", responses={200: {"model": ContactOut}}, tags=["contacts"])
    def get_contact(uuid: str, caller: Caller):
        with db.read() as session:
            return render_contact(accounts.get_member(session, caller, parse_id(uuid, "contact", CONTACT)))

    @app.patch("/v1/contacts/{uuid}", responses={200: {"model": ContactOut}}, tags=["contacts"])
    def update_contact(uuid: str, body: ContactPatch, caller: Caller):
        contact_id = parse_id(uuid, "contact", CONTACT)
        given = body.model_fields_set
        with db.write(workspace=caller.workspace_id) as session:
            current = accounts.get_live(session, caller, contact_id)
            member = accounts.update_member(
                session, caller, contact_id, contact_input(body, current),
                external_id=body.external_id if "external_id" in given else accounts.UNSET,
                position=body.position if "position" in given else accounts.UNSET,
                options=OPTIONS,
            )
            return render_contact(member)

    @app.delete("/v1/contacts/{uuid}", tags=["contacts"])
    def delete_contact(uuid: str, caller: Caller):
        with db.write(workspace=caller.workspace_id) as session:
            accounts.delete_member(session, caller, parse_id(uuid, "contact", CONTACT))
        return {}

    @app.post("/v1/contacts/{into}/merge/{from}", responses={200: {"model": ContactOut}}, tags=["contacts"])
    def merge_contacts(into: str, from_: Annotated[str, Path(alias="from")], caller: Caller):
        """Merge contact `from` into `into`; `into` survives and `from` is gone (404) afterwards."""
        with db.write(workspace=caller.workspace_id) as session:
            member = accounts.merge_members(session, caller, parse_id(into, "contact", CONTACT),
                                            parse_id(from_, "contact", CONTACT))
            return render_contact(member)

    serve_docs(app)
    return app


def _validated(model, **values):
    """A core input built from wire values (data sources, customers: their fields are the wire's
    own names); its faults become a 422 naming the parameter."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise BadParameters({
            (dotted_path(e["loc"], skip=()) or "body").replace("data_source_id", "data_source_uuid"):
                reason_of(e)
            for e in exc.errors()}) from None
