"""Bird's wire models: request bodies as Bird documents them (unknown top-level properties are
accepted, as Bird's "other properties"), and the response shapes for the OpenAPI document."""

import uuid
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

IDENTIFIER_KEY_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"

IdentifierKey = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=IDENTIFIER_KEY_PATTERN)]
IdentifierValue = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Ids = Annotated[list[uuid.UUID], Field(max_length=10)]
Strategy = Literal["strict_alias", "first_alias", "first"]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("String should have at least 1 character other than blanks")
    return value


# Bird's required name of at least one character: blanks alone are none (they made a nameless contact)
DisplayName = Annotated[str, StringConstraints(min_length=1, max_length=150), AfterValidator(_not_blank)]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IdentifierIn(Closed):
    key: IdentifierKey
    value: IdentifierValue
    properties: dict[str, Any] | None = None


class IdentifierRef(Closed):
    key: IdentifierKey
    value: IdentifierValue


class ContactCreate(Open):
    displayName: DisplayName
    identifiers: Annotated[list[IdentifierIn], Field(max_length=100)] | None = None
    attributes: dict[str, Any] | None = None
    listIds: Ids | None = None
    accountIds: Ids | None = None
    companyRefs: Annotated[list[Annotated[str, StringConstraints(max_length=300)]], Field(max_length=100)] | None = None


class ContactPatch(Open):
    """PATCH …/contacts/{id}: every field optional; `attributes` merge key by key (null removes)."""

    displayName: DisplayName | None = None
    attributes: dict[str, Any] | None = None
    addIdentifiers: Annotated[list[IdentifierIn], Field(max_length=100)] | None = None
    removeIdentifiers: Annotated[list[IdentifierRef], Field(max_length=100)] | None = None
    identifiers: Annotated[list[IdentifierIn], Field(max_length=100)] | None = None  # deprecated: addIdentifiers
    addToLists: Ids | None = None
    removeFromLists: Ids | None = None
    listIds: Ids | None = None
    addToAccounts: Ids | None = None
    removeFromAccounts: Ids | None = None
    accountIds: Ids | None = None
    companyRefs: Annotated[list[Annotated[str, StringConstraints(max_length=300)]], Field(max_length=100)] | None = None


class UpsertBody(ContactPatch):
    strategy: Strategy | None = None
    allowWritingReadOnly: bool | None = None


class SearchBody(Open):
    identifier: IdentifierRef


class ListCreate(Open):
    name: Annotated[str, StringConstraints(min_length=2, max_length=256)]
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ListPatch(Open):
    name: Annotated[str, StringConstraints(min_length=2, max_length=256)] | None = None
    description: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ListMembers(Closed):
    contacts: list[uuid.UUID] | None = None
    identifiers: list[IdentifierRef] | None = None


class DefinitionCreate(Open):
    key: Annotated[str, StringConstraints(pattern=r"^[A-Za-z\d_-]{1,64}$")]
    displayName: Annotated[str, StringConstraints(max_length=200)] | None = None
    description: Annotated[str, StringConstraints(max_length=1000)] | None = None
    cardinality: Literal["one", "many"] = "one"
    type: Literal["boolean", "datetime", "number", "string"] = "string"
    pii: bool = False
    readOnly: bool = False


# ---- response shapes (documentation; the render functions in mapping.py produce them)

class KeyValue(BaseModel):
    key: str
    value: str


class ContactOut(BaseModel):
    id: uuid.UUID
    computedDisplayName: str | None = None
    createdAt: str
    updatedAt: str
    workspaceId: uuid.UUID
    featuredIdentifiers: list[KeyValue]
    attributes: dict[str, Any]
    identifierCount: int
    accountIds: list[uuid.UUID]
    listIds: list[uuid.UUID]
    companyRefs: list[str]
    isAnonymous: bool


class ContactPageOut(BaseModel):
    results: list[ContactOut]
    nextPageToken: str | None = None


class IdentifierOut(BaseModel):
    contactId: uuid.UUID
    key: str
    value: str
    properties: dict[str, Any]
    createdAt: str


class IdentifierPageOut(BaseModel):
    results: list[IdentifierOut]
    nextPageToken: str | None = None


class SearchOut(BaseModel):
    results: list[ContactOut] = Field(description="The contact holding the identifier, or none.")


class ListOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    workspaceId: uuid.UUID
    name: str
    description: str | None
    contactCount: int | None = None
    createdAt: str
    updatedAt: str


class ListPageOut(BaseModel):
    results: list[ListOut]
    nextPageToken: str | None = None


class ItemsProcessedOut(BaseModel):
    itemsProcessed: int


class DefinitionOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    workspaceId: uuid.UUID
    key: str
    displayName: str | None
    description: str | None
    cardinality: str
    type: str
    pii: bool
    readOnly: bool
    createdAt: str
    updatedAt: str


class DefinitionListOut(BaseModel):
    results: list[DefinitionOut]


class ErrorOut(BaseModel):
    code: str
    message: str
    details: dict[str, list[str]] = {}
