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
        """The given display name, else the person's or organization's name, else an email or phone."""
        if self.display_name:
            return self.display_name
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        if full:
            return full
        if self.organization_name:
            return self.organization_name
        if self.emails:
            return self.emails[0].value
        if self.phones:
            return self.phones[0].normalized
        return None

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
