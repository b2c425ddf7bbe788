"""The native wire: request models (the core's input, plus string shorthands) and the
rendering of core views into the documented JSON shapes."""

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from contacthub.core import upserts
from contacthub.core.attributes import AttributeType
from contacthub.core.inputs import ContactDocument, IdentifierKey
from contacthub.core.moments import iso_z
from contacthub.core.normalize import phone_extension
from contacthub.core.views import AddressView, ContactView, PointView
from contacthub.dialects.common import QueryInt
from contacthub.dialects.responses import json_bytes


class ContactBody(ContactDocument):
    """Create and PATCH body. `emails` and `phones` also take plain strings."""


class UpsertBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier_key: IdentifierKey = Field(description="The key of the identifier each contact is known by.")
    contacts: list[ContactBody] = Field(min_length=1, max_length=upserts.MAX_ITEMS)


class GroupMembersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    children: list[uuid.UUID] = Field(max_length=1000, description="Every member of the group, replaced whole.")
    primary: list[uuid.UUID] | None = Field(
        None, max_length=1000, description="The members called out as primary (each also a child); "
                                            "absent: those of before that are still children.")


class OrganizationMembersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    members: list[uuid.UUID] = Field(max_length=1000, description="Every member of the organization, replaced whole.")


def render_group_members(group_id: uuid.UUID, members) -> dict[str, Any]:
    return {"group_id": str(group_id), "children": [str(i) for i in members.children],
            "primary": [str(i) for i in members.primary]}


def render_data_source(row) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "system": row.system, "status": row.status,
            "created_at": iso(row.created_at)}


def render_account(row) -> dict[str, Any]:
    return {"id": str(row.id), "data_source_id": str(row.data_source_id) if row.data_source_id else None,
            "external_id": row.external_id, "name": row.name, "email": row.email, "company": row.company,
            "country": row.country, "state": row.state, "city": row.city, "zip": row.zip,
            "website_url": row.website_url, "attributes": row.attributes or {}, "extra": row.extra or {},
            "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}


def render_key(row) -> dict[str, Any]:
    return {"id": str(row.id), "name": row.name, "prefix": row.prefix, "read_only": row.read_only,
            "created_at": iso(row.created_at), "revoked_at": iso(row.revoked_at)}


# ids read as text, so that a bad one is refused in this API's words (parse_id), and documented
# as the UUIDs they are, so that a generated client sends the ids it read back as they came
UuidText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]


class MembersBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    contact_ids: list[UuidText] = Field(min_length=1, max_length=1000)


class MergeBody(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    from_: UuidText = Field(alias="from", description="The id of the contact to merge in (or to restore).")


# ---- response models: documentation of the shapes the render functions produce

class EmailOut(BaseModel):
    address: str
    type: str | None
    primary: bool
    properties: dict[str, Any] | None = Field(None, description="present when it holds something")


class PhoneOut(BaseModel):
    number: str
    extension: str | None = Field(None, description="the digits dialled after the number, present when it has them")
    type: str | None
    primary: bool
    properties: dict[str, Any] | None = Field(None, description="present when it holds something")


class AddressOut(BaseModel):
    id: uuid.UUID
    type: str | None
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    primary: bool
    properties: dict[str, Any] | None = Field(None, description="present when it holds something")


class AccountLinkOut(BaseModel):
    id: uuid.UUID
    position: int | None


class IdentifierOut(BaseModel):
    key: str
    value: str
    properties: dict[str, Any] | None = Field(None, description="present when it holds something")


class ContactOut(BaseModel):
    id: uuid.UUID
    kind: Literal["person", "organization", "group"]
    display_name: str | None
    prefix: str | None
    first_name: str | None
    middle_name: str | None
    last_name: str | None
    suffix: str | None
    nickname: str | None
    salutation: str | None
    organization_name: str | None
    official_name: str | None
    title: str | None
    employer: str | None
    occupation: str | None
    birth_date: date | None
    notes: str | None
    emails: list[EmailOut]
    phones: list[PhoneOut]
    addresses: list[AddressOut]
    identifiers: list[IdentifierOut]
    social: dict[str, Any]
    attributes: dict[str, Any]
    lists: list[uuid.UUID]
    accounts: list[AccountLinkOut]
    created_at: datetime
    updated_at: datetime


class ContactPageOut(BaseModel):
    data: list[ContactOut]
    next_cursor: str | None
    has_more: bool


# What the other routes answer, for the OpenAPI document (the routes render dicts themselves: see
# the render_* functions below; tests/dialects/native/test_answers.py holds real answers to these,
# every key named).

class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _page_of(item: type[BaseModel], name: str) -> type[BaseModel]:
    """A page of `item`s, as every list answers: `data`, `next_cursor`, `has_more`."""
    return type(name, (_Out,), {"__annotations__": {"data": list[item], "next_cursor": str | None, "has_more": bool}})


class EventOut(_Out):
    id: uuid.UUID
    subject_type: str
    subject_id: uuid.UUID
    action: str
    door: str
    api_key_id: uuid.UUID | None
    changes: dict[str, Any]
    before: dict[str, Any] | None
    created_at: datetime


class ChangeOut(EventOut):
    seq: int


class ChangesOut(_Out):
    data: list[ChangeOut]
    next_since: int
    has_more: bool


class DefinitionOut(_Out):
    id: uuid.UUID
    key: str
    type: AttributeType
    cardinality: Literal["one", "many"]
    display_name: str | None
    description: str | None
    pii: bool
    read_only: bool
    created_at: datetime
    updated_at: datetime


class DefinitionListOut(_Out):
    data: list[DefinitionOut]


class ListOut(_Out):
    id: uuid.UUID
    name: str
    description: str | None
    member_count: int | None = None
    created_at: datetime
    updated_at: datetime


class ReviewOut(_Out):
    id: uuid.UUID
    contact_id: uuid.UUID
    candidate_id: uuid.UUID
    score: float
    reasons: list[dict[str, Any]]
    status: Literal["open", "accepted", "rejected"]
    created_at: datetime
    decided_at: datetime | None
    contact: ContactOut | None
    candidate: ContactOut | None


class ReviewDecisionOut(_Out):
    duplicate: ReviewOut
    contact: ContactOut | None = None


class DataSourceOut(_Out):
    id: uuid.UUID
    name: str
    system: str | None
    status: str
    created_at: datetime


class AccountOut(_Out):
    id: uuid.UUID
    data_source_id: uuid.UUID | None
    external_id: str
    name: str | None
    email: str | None
    company: str | None
    country: str | None
    state: str | None
    city: str | None
    zip: str | None
    website_url: str | None
    attributes: dict[str, Any]
    extra: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class KeyOut(_Out):
    id: uuid.UUID
    name: str
    prefix: str
    read_only: bool
    created_at: datetime
    revoked_at: datetime | None
    api_key: str | None = Field(None, description="The key itself: only in the answer that made it.")


class WebhookOut(_Out):
    id: uuid.UUID
    url: str
    description: str | None
    events: list[str]
    active: bool
    delivered_seq: int
    failures: int
    failing_since: datetime | None
    last_error: str | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    created_at: datetime
    updated_at: datetime
    secret: str | None = Field(None, description="The signing secret: only when it is made or rotated.")


class UnmergeOut(_Out):
    contact: ContactOut
    restored: ContactOut


class GroupMembersOut(_Out):
    group_id: uuid.UUID
    children: list[uuid.UUID]
    primary: list[uuid.UUID]


class OrganizationMembersOut(_Out):
    organization_id: uuid.UUID
    members: list[uuid.UUID]


class ProcessedOut(_Out):
    processed: int


class ErasedOut(_Out):
    erased: uuid.UUID


class WorkspaceOut(_Out):
    id: uuid.UUID
    name: str
    created_at: datetime
    key: KeyOut | None


class MatchOut(_Out):
    score: float
    reasons: list[dict[str, Any]]


class MergedOut(ContactOut):
    """A create folded into a stored contact (`on_duplicate=merge`): that contact, and how."""

    model_config = ConfigDict(extra="forbid")
    merged_into: uuid.UUID
    merged_from: uuid.UUID
    match: MatchOut


class UpsertedOut(_Out):
    status: Literal["created", "updated"]
    contact: ContactOut


class UpsertOut(_Out):
    data: list[UpsertedOut]
    created: int
    updated: int


class CandidateOut(_Out):
    contact: ContactOut
    score: float
    decision: Literal["merge", "review", "distinct"]
    reasons: list[dict[str, Any]]


class MatchesOut(_Out):
    data: list[CandidateOut]


class ImportJobOut(_Out):
    id: uuid.UUID
    status: Literal["queued", "running", "succeeded", "failed"]
    source: dict[str, Any]
    format: str | None
    options: dict[str, Any]
    total_rows: int | None
    processed: int
    progress: float
    counts: dict[str, int]
    error: str | None
    notes: list[str]  # how the file was read, where the counts alone would not tell (bytes not UTF-8, replaced)
    ignored_columns: list[str]  # the file's headers no field reads: their cells were not imported
    door: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: dict[str, str]


class ImportRowOut(_Out):
    index: int
    status: Literal["created", "merged", "skipped", "invalid", "review"]
    contact_id: uuid.UUID | None
    errors: list[dict[str, Any]]
    note: str | None


class ImportRowsOut(_Out):
    data: list[ImportRowOut]
    has_more: bool
    next_after: int | None


class ImportJobWithRowsOut(ImportJobOut):
    rows: ImportRowsOut


EventPageOut = _page_of(EventOut, "EventPageOut")
ImportJobPageOut = _page_of(ImportJobOut, "ImportJobPageOut")
ListPageOut = _page_of(ListOut, "ListPageOut")
ReviewPageOut = _page_of(ReviewOut, "ReviewPageOut")
DataSourceListOut = _page_of(DataSourceOut, "DataSourceListOut")
AccountPageOut = _page_of(AccountOut, "AccountPageOut")
KeyListOut = _page_of(KeyOut, "KeyListOut")
WebhookPageOut = _page_of(WebhookOut, "WebhookPageOut")


class ErrorDetailOut(BaseModel):
    field: str
    message: str


class ErrorBodyOut(BaseModel):
    type: str = Field(description="invalid_request, unauthorized, forbidden, not_found, conflict, gone, "
                                  "payload_too_large, unsupported_media_type, validation_error, rate_limited, "
                                  "busy, read_only, insufficient_storage…")
    message: str
    details: list[ErrorDetailOut]
    existing_id: uuid.UUID | None = Field(None, description="on a 409: the contact in the way (absent otherwise)")


class ErrorOut(BaseModel):
    error: ErrorBodyOut


def iso(moment: datetime | None) -> str | None:
    return iso_z(moment) if moment else None


def _properties(held: dict[str, Any]) -> dict[str, Any]:
    """A point's or address's `properties`, shown when they hold something."""
    return {"properties": held} if held else {}


def _email(p: PointView) -> dict:
    return {"address": p.value, "type": p.type, "primary": p.primary, **_properties(p.properties)}


def _phone(p: PointView) -> dict:
    extension = phone_extension(p.value)
    return {"number": p.normalized or p.value, **({"extension": extension} if extension else {}), "type": p.type,
            "primary": p.primary, **_properties(p.properties)}


def _address(a: AddressView) -> dict:
    return {
        "id": str(a.id), "type": a.type, "line1": a.line1, "line2": a.line2, "city": a.city, "region": a.region,
        "postal_code": a.postal_code, "country": a.country, "primary": a.primary, **_properties(a.properties),
    }


def render_contact(v: ContactView) -> dict[str, Any]:
    return {
        "id": str(v.id),
        "kind": v.kind,
        "display_name": v.computed_display_name,
        "prefix": v.prefix,
        "first_name": v.first_name,
        "middle_name": v.middle_name,
        "last_name": v.last_name,
        "suffix": v.suffix,
        "nickname": v.nickname,
        "salutation": v.salutation,
        "organization_name": v.organization_name,
        "official_name": v.official_name,
        "title": v.title,
        "employer": v.employer,
        "occupation": v.occupation,
        "birth_date": v.birth_date.isoformat() if v.birth_date else None,
        "notes": v.notes,
        "emails": [_email(p) for p in v.emails],
        "phones": [_phone(p) for p in v.phones],
        "addresses": [_address(a) for a in v.addresses],
        "identifiers": [{"key": p.key, "value": p.value, **_properties(p.properties)} for p in v.identifiers],
        "social": v.social,
        "attributes": v.attributes,
        "lists": [str(i) for i in v.list_ids],
        "accounts": [{"id": str(a.id), "position": a.position} for a in v.accounts],
        "created_at": iso(v.created_at),
        "updated_at": iso(v.updated_at),
    }


def render_definition(d) -> dict[str, Any]:
    return {
        "id": str(d.id), "key": d.key, "type": d.type, "cardinality": d.cardinality, "display_name": d.display_name,
        "description": d.description, "pii": d.pii, "read_only": d.read_only,
        "created_at": iso(d.created_at), "updated_at": iso(d.updated_at),
    }


def render_list(row, member_count: int | None = None) -> dict[str, Any]:
    out = {"id": str(row.id), "name": row.name, "description": row.description,
           "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}
    if member_count is not None:
        out["member_count"] = member_count
    return out


def render_event(e) -> dict[str, Any]:
    return {
        "id": str(e.id), "subject_type": e.subject_type, "subject_id": str(e.subject_id), "action": e.action,
        "door": e.door, "api_key_id": str(e.api_key_id) if e.api_key_id else None, "changes": e.changes,
        "before": e.before, "created_at": iso(e.created_at),
    }


def render_page(page, render) -> dict[str, Any]:
    """A page of a list endpoint: each item rendered, and how to ask for the next."""
    return {"data": [render(item) for item in page.items], "next_cursor": page.next_cursor, "has_more": page.has_more}


def render_change(e) -> dict[str, Any]:
    """An event as the change feed hands it out: with its number in the feed."""
    return render_event(e) | {"seq": e.seq}


def render_webhook(row, secret: bool = False) -> dict[str, Any]:
    """A webhook and where its deliveries stand; the signing secret only when it is made."""
    out = {"id": str(row.id), "url": row.url, "description": row.description, "events": row.events,
           "active": row.active,
           "delivered_seq": row.delivered_seq, "failures": row.failures, "failing_since": iso(row.failing_since),
           "last_error": row.last_error,
           "last_attempt_at": iso(row.last_attempt_at), "next_attempt_at": iso(row.next_attempt_at),
           "created_at": iso(row.created_at), "updated_at": iso(row.updated_at)}
    if secret:
        out["secret"] = row.secret
    return out


def webhook_body(hook, changes: list, through: int) -> bytes:
    """What a webhook is sent: a page of the change feed, as `GET /v1/changes` answers it."""
    return json_bytes({"webhook_id": str(hook.id), "data": [render_change(e) for e in changes],
                       "next_since": through})


def render_outcome(outcome) -> dict[str, Any]:
    """A create that went through the identity engine: the contact, and what became of it."""
    body = render_contact(outcome.contact)
    if not outcome.created:
        body["merged_into"] = str(outcome.contact.id)
        body["merged_from"] = str(outcome.merged_from)
        body["match"] = {"score": outcome.match.score, "reasons": outcome.match.reasons}
    elif outcome.reviews:
        body["possible_duplicates"] = [{"id": str(m.contact_id), "score": m.score} for m in outcome.reviews]
    return body


def render_review(row, contact=None, candidate=None) -> dict[str, Any]:
    return {
        "id": str(row.id), "contact_id": str(row.contact_id), "candidate_id": str(row.candidate_id),
        "score": row.score, "reasons": row.reasons, "status": row.status,
        "created_at": iso(row.created_at), "decided_at": iso(row.decided_at),
        "contact": render_contact(contact) if contact else None,
        "candidate": render_contact(candidate) if candidate else None,
    }


def page_limit(settings) -> Any:
    """The `limit` query parameter of list endpoints, its bounds in the OpenAPI document. The
    route checks them itself (clamp_limit), so the 422 keeps the native wording."""
    return Annotated[QueryInt | None, Query(
        description=f"page size, 1 to {settings.max_page_size} (default {settings.default_page_size})",
        json_schema_extra={"minimum": 1, "maximum": settings.max_page_size},
    )]
