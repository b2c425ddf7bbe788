"""ChartMogul wire <-> core: contact fields to ContactInput, views and rows to wire objects.

Where a ChartMogul contact field lives in the core:
  first_name, last_name, title, notes  -> the contact's own fields
  email, phone                         -> the primary email / phone point (others are kept)
  linked_in, twitter                   -> social["linkedin"], social["twitter"] (the native names)
  custom                               -> attributes (keys must be defined)
  external_id, data_source_uuid        -> identifier points `external_id` and `data_source`
  customer_uuid, position              -> account membership and its position
"""

import re
import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from contacthub.core.accounts import MemberView
from contacthub.core.errors import FieldError, InvalidInput, dotted_path, reason_of
from contacthub.core.moments import iso_z, parse_instant
from contacthub.core.inputs import ContactInput, storable_text
from contacthub.core.views import ContactView
from contacthub.db.models import Account, DataSource
from contacthub.dialects.primary_point import replace_shown, shown
from contacthub.dialects.chartmogul.schemas import (
    ContactFields, CustomerBody, CustomerCustomEntry, CustomerPatchBody, CustomEntry,
)

CUSTOM_KEY = re.compile(r"^[A-Za-z0-9_]{1,64}$")
SCALARS = ("first_name", "last_name", "title", "notes")
SOCIAL = {"linked_in": "linkedin", "twitter": "twitter"}  # wire name -> the core's social key

CONTACT = "con_"
CUSTOMER = "cus_"
DATA_SOURCE = "ds_"


# ---------------------------------------------------------------- ids

def wire_id(prefix: str, value: uuid.UUID | None) -> str | None:
    return f"{prefix}{value}" if value is not None else None


def parse_ref(raw: str, prefix: str, param: str) -> uuid.UUID:
    """An id given in a body or query ("ds_…", or the bare uuid); a malformed one is a 422."""
    text = raw.strip()
    text = text[len(prefix):] if text.startswith(prefix) else text
    try:
        return uuid.UUID(text)
    except ValueError:
        raise InvalidInput(FieldError(param, f"is not a valid {prefix}… identifier")) from None


# ---------------------------------------------------------------- contacts in

def custom_values(custom: list[CustomEntry] | dict[str, Any], held: dict[str, Any] | None = None) -> dict[str, Any]:
    """Both written forms as one dict; keys are letters, digits and underscores. A value the
    contact holds already (`held`) is passed over: a client posts back what it read, and keys
    other doors wrote (undefined ones, or with other characters) read back through this door."""
    pairs = [(e.key, e.value) for e in custom] if isinstance(custom, list) else list(custom.items())
    held = held or {}
    pairs = [(key, value) for key, value in pairs if not (key in held and held[key] == value)]
    # a key defined elsewhere (a native definition may hold "-") may still be removed with null
    bad = [FieldError(f"custom.{key}", f"key {key!r} may only hold letters, digits and underscores")
           for key, value in pairs if not CUSTOM_KEY.match(key) and value is not None]
    if bad:
        raise InvalidInput(bad)
    return dict(pairs)


def contact_input(body: ContactFields, current: ContactView | None = None) -> ContactInput:
    """The given fields as a core input. With `current` (an update), a new email or phone
    replaces the first one and the contact's other emails and phones (written through other
    doors) stay; null clears them all, so the contact then reads back with no email."""
    given = body.model_fields_set
    data: dict[str, Any] = {} if current is not None else {"kind": "person"}
    for name in SCALARS:
        if name in given:
            data[name] = getattr(body, name)
    # a blank email or phone is none, as "" is
    email, phone = (body.email or "").strip(), (body.phone or "").strip()
    if "email" in given:
        if current is not None and email:
            emails = replace_shown(current.emails, email, "email")  # None: the one shown, unchanged
            if emails is not None:
                data["emails"] = emails
        else:
            data["emails"] = [{"address": email, "primary": True}] if email else []
    if "phone" in given:
        if current is not None and phone:
            phones = replace_shown(current.phones, phone, "phone")
            if phones is not None:
                data["phones"] = phones
        else:
            data["phones"] = [{"number": phone, "primary": True}] if phone else []
    social = {key: getattr(body, name) for name, key in SOCIAL.items() if name in given}
    if social:
        data["social"] = social
    if "custom" in given:
        data["attributes"] = (custom_values(body.custom, current.attributes if current is not None else None)
                              if body.custom is not None else None)
    _storable(body, given)
    try:
        return ContactInput.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput([FieldError(dotted_path(e["loc"], skip=()), reason_of(e)) for e in exc.errors()]) from None


def _storable(body: ContactFields, given: set[str]) -> None:
    """Values no store can hold (a NUL character, a lone surrogate), named by their own field:
    the core checks them too, but names linked_in and twitter "social"."""
    faults = []
    for name in (*SCALARS, *SOCIAL, "email", "phone", "external_id"):
        if name in given:
            try:
                storable_text(getattr(body, name, None))
            except ValueError as exc:
                faults.append(FieldError(name, str(exc)))
    if faults:
        raise InvalidInput(faults)


# ---------------------------------------------------------------- out

def render_contact(member: MemberView) -> dict[str, Any]:
    c, account = member.contact, member.account
    return {
        "uuid": wire_id(CONTACT, c.id),
        "customer_uuid": wire_id(CUSTOMER, account.id if account else None),
        "customer_external_id": account.external_id if account else None,
        "data_source_uuid": wire_id(DATA_SOURCE, member.data_source_id),
        "position": member.position,
        "first_name": c.first_name,
        "last_name": c.last_name,
        "title": c.title,
        "email": shown(c.emails).value if c.emails else None,
        "phone": shown(c.phones).value if c.phones else None,
        **{name: c.social.get(key) for name, key in SOCIAL.items()},
        "notes": c.notes,
        "custom": dict(c.attributes or {}),
        "external_id": member.external_id,
    }


def timestamp(value: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and Z (a time given with another offset is moved to UTC)."""
    return None if value is None else iso_z(value, "milliseconds")


def render_data_source(row: DataSource) -> dict[str, Any]:
    return {"uuid": wire_id(DATA_SOURCE, row.id), "name": row.name, "system": row.system,
            "created_at": timestamp(row.created_at), "status": row.status}


def customer_fields(body: CustomerBody) -> dict[str, Any]:
    """The customer's stored attributes (tags, custom) and extra fields (lead dates)."""
    attributes: dict[str, Any] = {"tags": [], "custom": {}}
    if body.attributes is not None:
        attributes["tags"] = list(body.attributes.tags or [])
        attributes["custom"] = _customer_custom(body.attributes.custom or {})
    extra = {name: timestamp(getattr(body, name)) for name in ("lead_created_at", "free_trial_started_at")
             if getattr(body, name) is not None}
    return {"attributes": attributes, "extra": extra}


def customer_patch(body: CustomerPatchBody, row: Account) -> dict[str, Any]:
    """The account's fields a customer update changes (see CustomerPatchBody): the given
    scalars, and its attributes and extra fields with the given parts replaced."""
    given = body.model_fields_set
    patch: dict[str, Any] = {name: getattr(body, name) for name in given & _CUSTOMER_SCALARS}
    lead_dates = {name: timestamp(getattr(body, name)) for name in given & _LEAD_DATES}
    if lead_dates:
        # (a stored lead date that is no time, as the native API once took, goes: it reads as none)
        stored = {k: v for k, v in (row.extra or {}).items() if k not in _LEAD_DATES or _stored_time(v)}
        patch["extra"] = {k: v for k, v in {**stored, **lead_dates}.items() if v is not None}
    if body.attributes is not None:
        stored = row.attributes or {}  # (tags or custom stored otherwise, as the native API once took, read as none)
        attributes = {**stored, "tags": _stored_tags(stored), "custom": _stored_custom(stored)}
        if "tags" in body.attributes.model_fields_set:
            attributes["tags"] = list(body.attributes.tags or [])
        if body.attributes.custom is not None:
            merged = {**_stored_custom(attributes), **_customer_custom(body.attributes.custom)}
            attributes["custom"] = {k: v for k, v in merged.items() if v is not None}
        patch["attributes"] = attributes
    return patch


_CUSTOMER_SCALARS = {"name", "email", "company", "country", "state", "city", "zip", "website_url"}
_LEAD_DATES = {"lead_created_at", "free_trial_started_at"}


def _customer_custom(custom: list[CustomerCustomEntry] | dict[str, Any]) -> dict[str, Any]:
    """Both written forms of a customer's custom attributes as one dict."""
    return {e.key: e.value for e in custom} if isinstance(custom, list) else dict(custom)


def _stored_custom(attributes: dict[str, Any]) -> dict[str, Any]:
    custom = attributes.get("custom")
    return dict(custom) if isinstance(custom, dict) else {}


def _stored_tags(attributes: dict[str, Any]) -> list[str]:
    tags = attributes.get("tags")
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _stored_time(value: Any) -> str | None:
    """A lead date as stored; one the native API took before it checked them, unreadable as a
    time, is shown as none (the SDK refuses the whole page for one bad date)."""
    if not isinstance(value, str):
        return None
    try:
        return iso_z(parse_instant(value), "milliseconds")
    except ValueError:
        return None


CUSTOMER_STATUS = "New Lead"  # a customer without subscriptions, as ChartMogul calls it (none are kept here)


def render_customer(row: Account, source: DataSource | None) -> dict[str, Any]:
    attributes = row.attributes or {}
    extra = row.extra or {}
    ds = wire_id(DATA_SOURCE, row.data_source_id) or ""
    return {
        # ChartMogul's numeric id; ours is derived from the uuid (the SDK refuses null).
        "id": int.from_bytes(row.id.bytes[-6:], "big"),
        "uuid": wire_id(CUSTOMER, row.id),
        "external_id": row.external_id or "",
        "external_ids": [row.external_id] if row.external_id else [],
        "data_source_uuid": ds,
        "data_source_uuids": [ds] if ds else [],
        "name": row.name or "",
        "email": row.email or "",
        "company": row.company or "",
        "status": CUSTOMER_STATUS,
        "customer-since": None,
        "lead_created_at": _stored_time(extra.get("lead_created_at")),
        "free_trial_started_at": _stored_time(extra.get("free_trial_started_at")),
        "attributes": {"tags": _stored_tags(attributes), "stripe": {}, "clearbit": {},
                       "custom": _stored_custom(attributes)},
        "address": {"address_zip": row.zip, "city": row.city, "state": row.state, "country": row.country},
        "city": row.city, "state": row.state, "country": row.country, "zip": row.zip,
        "website_url": row.website_url,
        "mrr": 0,
        "arr": 0,
        "billing-system-url": None,
        "chartmogul-url": "",
        "billing-system-type": source.system if source is not None else "Import API",
        "currency": "USD",
        "currency-sign": "$",
    }
