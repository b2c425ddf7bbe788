"""What a door hands to the core services. Every field is optional: on update, a field that is
absent (not in model_fields_set) stays as it is and an explicit null clears it."""

import math
import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

Text = Annotated[str, StringConstraints(max_length=300)]
# Fields whose columns are narrower than Text (db/models.py): longer values were a database
# error on PostgreSQL (SQLite does not check lengths).
Text200 = Annotated[str, StringConstraints(max_length=200)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
MAX_POSITION = 2_147_483_647  # positions are 32-bit integer columns
ShortText = Annotated[str, StringConstraints(max_length=50)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]
AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
IdentifierKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]

ContactKind = Literal["person", "organization", "group"]

# How many emails, phones or identifiers one contact may carry (each kind counted alone).
MAX_POINTS_PER_KIND = 50
MAX_ADDRESSES = 20
MAX_MEMBERSHIPS = 100  # lists, and accounts, a contact belongs to


# How deep free-form values (attributes, extra, properties, metadata) may nest: far beyond any
# real document, and far below the depth where walking one would exhaust Python's stack.
MAX_NESTING = 32


def storage_faults(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, fault) for every part of `value` no database here can hold: NUL characters
    (PostgreSQL), unpaired surrogates (not encodable as UTF-8), NaN and Infinity (not JSON,
    though Python's parser accepts them), lists and objects nested past MAX_NESTING. Walks into
    lists and objects, keys included; paths are dotted with [i] indexes, "." for the value itself."""
    faults: list[tuple[str, str]] = []

    def text_fault(text: str) -> str | None:
        if "\x00" in text:
            return "must not contain NUL characters"
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode (no unpaired surrogates)"
        return None

    def walk(item: Any, where: str, depth: int = 0) -> None:
        if depth > MAX_NESTING and isinstance(item, (dict, list)):
            faults.append((where or ".", f"must not nest more than {MAX_NESTING} levels deep"))
        elif isinstance(item, str):
            if (fault := text_fault(item)) is not None:
                faults.append((where or ".", fault))
        elif isinstance(item, float):
            if not math.isfinite(item):
                faults.append((where or ".", "must be a finite number"))
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and (fault := text_fault(key)) is not None:
                    faults.append((where or ".", f"keys {fault}"))
                walk(inner, f"{where}.{key}" if where else str(key), depth + 1)
        elif isinstance(item, list):
            for i, inner in enumerate(item):
                walk(inner, f"{where}[{i}]", depth + 1)

    walk(value, path)
    return faults


def storable_text(value: Any) -> Any:
    """`value`, unless some part of it cannot be stored (see storage_faults): ValueError."""
    faults = storage_faults(value)
    if faults:
        raise ValueError(faults[0][1].removeprefix("keys "))
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value):
        return storable_text(value)


class EmailInput(Strict):
    address: Annotated[str, StringConstraints(min_length=1, max_length=320)]
    type: ShortText | None = None
    primary: bool = False
    properties: dict[str, Any] = Field(default_factory=dict)  # doNotEmail and such


class PhoneInput(Strict):
    number: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    # digits dialled after the number (E.164 has none): kept with the number as written
    extension: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,10}$")] | None = None
    type: ShortText | None = None
    primary: bool = False
    properties: dict[str, Any] = Field(default_factory=dict)


class IdentifierInput(Strict):
    key: IdentifierKey
    value: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    properties: dict[str, Any] = Field(default_factory=dict)


class AddressInput(Strict):
    id: uuid.UUID | None = None  # an existing address of the contact, updated in place
    type: ShortText | None = None
    line1: Text | None = None
    line2: Text | None = None
    city: Text200 | None = None
    region: Text200 | None = None
    postal_code: ShortText | None = None
    country: Text100 | None = None
    primary: bool = False
    properties: dict[str, Any] = Field(default_factory=dict)


class AccountLink(Strict):
    id: uuid.UUID
    position: Annotated[int, Field(le=MAX_POSITION)] | None = None


def born_already(day: date | None) -> date | None:
    """A birth date, if it is not in the future (ValueError): every write of one checks it."""
    # a day of slack: it is already tomorrow east of UTC
    if day is not None and day > datetime.now(timezone.utc).date() + timedelta(days=1):
        raise ValueError("is in the future")
    return day


class ContactInput(Strict):
    kind: ContactKind | None = None
    display_name: Text | None = None
    prefix: ShortText | None = None
    first_name: Text200 | None = None
    middle_name: Text200 | None = None
    last_name: Text200 | None = None
    suffix: ShortText | None = None
    nickname: Text200 | None = None
    salutation: Text200 | None = None
    organization_name: Text | None = None
    official_name: Text | None = None
    title: Text200 | None = None
    employer: Text | None = None
    occupation: Text200 | None = None
    birth_date: date | None = None
    notes: LongText | None = None
    social: dict[str, Annotated[str, StringConstraints(max_length=500)] | None] | None = None
    attributes: dict[AttributeKey, Any] | None = None
    extra: dict[str, Any] | None = None
    emails: Annotated[list[EmailInput], Field(max_length=MAX_POINTS_PER_KIND)] | None = None
    phones: Annotated[list[PhoneInput], Field(max_length=MAX_POINTS_PER_KIND)] | None = None
    identifiers: Annotated[list[IdentifierInput], Field(max_length=MAX_POINTS_PER_KIND)] | None = None
    addresses: Annotated[list[AddressInput], Field(max_length=MAX_ADDRESSES)] | None = None
    lists: Annotated[list[uuid.UUID], Field(max_length=MAX_MEMBERSHIPS)] | None = None
    accounts: Annotated[list[AccountLink], Field(max_length=MAX_MEMBERSHIPS)] | None = None

    @field_validator("birth_date", mode="before")
    @classmethod
    def _written_as_a_date(cls, value: Any) -> Any:
        """ISO 8601's forms (1990-05-17, 19900517): a number is no date (pydantic alone reads one,
        digits in a string too, as seconds since 1970)."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("must be a date (YYYY-MM-DD)")
        if isinstance(value, str) and value.strip().isdigit():
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("must be a date (YYYY-MM-DD)") from None
        return value

    @field_validator("birth_date")
    @classmethod
    def _born_already(cls, value: date | None) -> date | None:
        return born_already(value)

    @field_validator("display_name", "prefix", "first_name", "middle_name", "last_name", "suffix", "nickname",
                     "salutation", "organization_name", "official_name", "title", "employer", "occupation", "notes")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        """A name or text made of blanks is none: "   " would show as a contact's name in every door."""
        return value if value is None or value.strip() else None


SCALAR_FIELDS = (
    "kind", "display_name", "prefix", "first_name", "middle_name", "last_name", "suffix",
    "nickname", "salutation", "organization_name", "official_name", "title", "employer",
    "occupation", "birth_date", "notes",
)


class WriteOptions(BaseModel):
    """How a door wants the rules applied; the rules themselves stay in the services."""

    # When an email or phone is already on another contact: refuse, or write anyway.
    # merge and review are resolved by core/identity.py (which then writes with "create").
    on_duplicate: Literal["reject", "create", "merge", "review"] = "reject"
    # Refuse a phone that phonenumbers cannot read (else it is kept with its digits only).
    strict_phones: bool = True
    # Accept attribute keys that have no definition (stored as given).
    allow_undefined_attributes: bool = True
    # Refuse an email that email-validator cannot read (else it is kept as given, matched
    # lower-cased): ChartMogul stores contact emails without checking them.
    strict_emails: bool = True
    # Write attributes whose definition is read-only (Bird lets only its own flows write them,
    # or an upsert that says allowWritingReadOnly). Writing back the stored value is no write.
    write_read_only: bool = True


def _points_as_plain_strings_too(schema: dict[str, Any], _model=None) -> None:
    """The JSON schema of ContactDocument says what its validators take: an email or a phone as
    a plain string too (a generated client could send only the objects)."""
    for field in ("emails", "phones"):
        for branch in schema.get("properties", {}).get(field, {}).get("anyOf", []):
            if branch.get("type") == "array":
                branch["items"] = {"anyOf": [branch["items"], {"type": "string", "minLength": 1}]}


class ContactDocument(ContactInput):
    """A contact as the native API's body and a JSONL line write it: `emails` and `phones` may
    also be plain strings ("ada@example.com" for {"address": "ada@example.com"})."""

    model_config = ConfigDict(json_schema_extra=_points_as_plain_strings_too)

    @field_validator("emails", mode="before")
    @classmethod
    def _email_strings(cls, value):
        return [{"address": v} if isinstance(v, str) else v for v in value] if isinstance(value, list) else value

    @field_validator("phones", mode="before")
    @classmethod
    def _phone_strings(cls, value):
        return [{"number": v} if isinstance(v, str) else v for v in value] if isinstance(value, list) else value
