"""What the core services hand back: plain read models, loaded in full, that a door renders."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from contacthub.core.moments import iso_z


@dataclass
class PointView:
    id: uuid.UUID
    kind: str
    key: str
    value: str
    normalized: str
    type: str | None
    primary: bool
    properties: dict[str, Any]
    created_at: datetime


@dataclass
class AddressView:
    id: uuid.UUID
    type: str | None
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    primary: bool
    properties: dict[str, Any]


@dataclass
class AccountLinkView:
    id: uuid.UUID
    position: int


@dataclass
class ContactView:
    id: uuid.UUID
    workspace_id: uuid.UUID
    kind: str
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
    social: dict[str, Any]
    attributes: dict[str, Any]
    extra: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    merged_into: uuid.UUID | None = None
    emails: list[PointView] = field(default_factory=list)
    phones: list[PointView] = field(default_factory=list)
    identifiers: list[PointView] = field(default_factory=list)
    addresses: list[AddressView] = field(default_factory=list)
    list_ids: list[uuid.UUID] = field(default_factory=list)
    accounts: list[AccountLinkView] = field(default_factory=list)

    @property
    def computed_display_name(self) -> str | None:
        return display_name_of(self.display_name, self.first_name, self.last_name, self.organization_name,
                               self.emails[0].value if self.emails else None,
                               self.phones[0].normalized if self.phones else None)

    def snapshot(self) -> dict[str, Any]:
        """A JSON-ready copy for the event record (the base for history and unmerge)."""
        return _jsonable(self)


@dataclass
class Page:
    items: list
    next_cursor: str | None

    @property
    def has_more(self) -> bool:
        return self.next_cursor is not None


_PLAIN = {str, int, float, bool}


def _jsonable(value):
    """A JSON-ready copy; cheaper than dataclasses.asdict, which deep-copies every value."""
    if value is None or type(value) in _PLAIN:  # most values: answered before the slower checks
        return value
    if hasattr(value, "__dataclass_fields__"):
        return {k: _jsonable(v) for k, v in vars(value).items()}
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def display_name_of(display: str | None, first: str | None, last: str | None, organization: str | None,
                    first_email: str | None, first_phone: str | None) -> str | None:
    """The name a contact is shown by: the given display name, else the person's or
    organization's name, else its first email or phone."""
    return (display or " ".join(p for p in (first, last) if p) or organization or first_email or first_phone
            or None)


@dataclass
class ContactCard:
    """A contact as another one names it (PackageX's referenced_contacts): read without the rest,
    as a group may name tens of thousands."""

    id: uuid.UUID
    name: str | None
    email: str | None  # the one shown: the primary one, else the first
