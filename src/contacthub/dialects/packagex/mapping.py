"""PackageX wire <-> core: ids "contact_<uuid>", one name/email/phone/address per contact,
metadata = the core attributes, epoch-second timestamps."""

import uuid
from typing import Any

from pydantic import ValidationError

from contacthub.core.errors import FieldError, InvalidInput, dotted_path, reason_of
from contacthub.core.groups import GroupMembers
from contacthub.core.inputs import AddressInput, ContactInput, EmailInput, PhoneInput
from contacthub.core.views import AddressView, ContactCard, ContactView
from contacthub.dialects.common import parse_id
from contacthub.dialects.primary_point import replace_shown, shown
from contacthub.dialects.packagex.schemas import AddressBody, ContactFields

CONTACT_PREFIX = "contact_"
ADDRESS_PREFIX = "address_"
ORG_PREFIX = "organization_"
# The core kinds each PackageX type shows (PackageX has no organizations: they read as persons).
KINDS_SHOWN_AS = {"person": ("person", "organization"), "group": ("group",)}


def contact_id(raw: str) -> uuid.UUID:
    return parse_id(raw, "contact", CONTACT_PREFIX)


def contact_ids(raws: list[str], path: str) -> list[uuid.UUID]:
    out, errors = [], []
    for i, raw in enumerate(raws):
        text = raw[len(CONTACT_PREFIX):] if raw.startswith(CONTACT_PREFIX) else raw
        try:
            out.append(uuid.UUID(text))
        except ValueError:
            errors.append(FieldError(f"{path}[{i}]", f"not a contact id: {raw!r}"))
    if errors:
        raise InvalidInput(errors)
    return out


def address_id(raw: str) -> uuid.UUID | None:
    """An address given as its id ("address_<uuid>", "location_<uuid>" or a bare uuid)."""
    text = raw.strip()
    for prefix in (ADDRESS_PREFIX, "location_"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def to_input(body: ContactFields, given: set[str], current: ContactView | None,
             reuse: AddressView | None = None) -> ContactInput:
    """The core input for a create (current None) or an update (only the given fields). Values
    the core refuses (a NUL character, which no store here may hold) are a 400 naming the field."""
    try:
        return _to_input(body, given, current, reuse)
    except ValidationError as exc:
        # the parts are checked as they are built: EmailInput's "address" is the email
        within = {"EmailInput": ("emails",), "PhoneInput": ("phones",), "AddressInput": ("addresses",)}.get(exc.title, ())
        raise InvalidInput([FieldError(wire_field(dotted_path(within + tuple(e["loc"]), skip=())),
                                       reason_of(e)) for e in exc.errors()]) from None


def _to_input(body: ContactFields, given: set[str], current: ContactView | None,
              reuse: AddressView | None) -> ContactInput:
    data: dict[str, Any] = {}
    # the name shown for a contact without one of its own (made of its first and last name, say)
    # written back is no new name: storing it would freeze what other doors later rename
    shown = current is not None and current.display_name is None and body.name == current.computed_display_name
    if "name" in given and not shown:
        data["display_name"] = body.name
    if "email" in given:
        if current is not None and body.email:
            emails = replace_shown(current.emails, body.email, "email")  # None: the one shown, unchanged
            if emails is not None:
                data["emails"] = [EmailInput(**e) for e in emails]
        else:
            data["emails"] = [EmailInput(address=body.email)] if body.email else []
    if "phone" in given:
        if current is not None and body.phone:
            phones = replace_shown(current.phones, body.phone, "phone")
            if phones is not None:
                data["phones"] = [PhoneInput(**p) for p in phones]
        else:
            data["phones"] = [PhoneInput(number=body.phone)] if body.phone else []
    if "notes" in given:
        data["notes"] = body.notes
    # PackageX shows an organization (written through another door) as type person: repeating
    # that type is no reason to change what the contact is.
    if "type" in given and body.type is not None and not (
            current is not None and body.type == "person" and current.kind == "organization"):
        data["kind"] = body.type
    if "metadata" in given:
        data["attributes"] = body.metadata
    if "address" in given or "address_line2" in given:
        address = _address(body, given, current, reuse)
        if address is not ...:
            data["addresses"] = address
    return ContactInput(**data)


# Core field names -> the PackageX field that carried the value.
_WIRE_FIELDS = (("display_name", "name"), ("emails", "email"), ("phones", "phone"), ("attributes", "metadata"),
                ("addresses", "address"), ("kind", "type"))


def wire_field(field: str) -> str:
    """"emails[0].address" -> "email", "attributes.a" -> "metadata.a", "addresses[0].line2" -> "address.line2"."""
    for core, wire in _WIRE_FIELDS:
        if field == core or field.startswith((core + ".", core + "[")):
            rest = field[len(core):]
            if rest.startswith("["):
                rest = rest[rest.index("]") + 1:]
            if core in ("emails", "phones"):
                rest = ""
            return wire + rest.replace(".region", ".state")
    return field


def _address(body: ContactFields, given: set[str], current: ContactView | None, reuse: AddressView | None):
    # PackageX shows one address, the contact's first: a new one takes its place (and its primary
    # flag); the contact's other addresses stay as they are, properties and flags included.
    existing = current.addresses[0] if current is not None and current.addresses else None
    primary = existing.primary if existing is not None else True
    line2 = body.address_line2 if "address_line2" in given else None
    if "address" not in given:  # only address_line2: change the unit of the current address
        if existing is None:
            return [AddressInput(line2=line2, primary=True)] if line2 else ...
        return [_kept(existing, line2=line2)] + _others(current)
    if body.address is None:
        return []
    if reuse is not None:
        own = current is not None and any(a.id == reuse.id for a in current.addresses)
        fields = dict(type=reuse.type, line1=reuse.line1, line2=line2 if line2 is not None else reuse.line2,
                      city=reuse.city, region=reuse.region, postal_code=reuse.postal_code, country=reuse.country)
        if isinstance(body.address, AddressBody):  # {"id", ...}: the parts sent change the address read
            fields.update(_sent_parts(body.address))
        return [AddressInput(id=reuse.id if own else None, **fields,
                             primary=primary or (own and reuse.primary), properties=dict(reuse.properties))] + [
            o for o in _others(current) if o.id != reuse.id]
    if isinstance(body.address, str):
        return [AddressInput(line1=body.address, line2=line2, primary=primary)] + _others(current)
    a: AddressBody = body.address
    posted = AddressInput(line1=a.line1 or a.address, line2=a.line2 if a.line2 is not None else line2, city=a.city,
                          region=a.state, postal_code=a.postal_code or a.zip, country=a.country, primary=primary)
    if existing is not None and _same_lines(posted, existing):
        # the address as read, posted back without its id: the same address (its id, type, properties)
        return [_kept(existing)] + _others(current)
    return [posted] + _others(current)


def _same_lines(posted: AddressInput, stored: AddressView) -> bool:
    return all(getattr(posted, part) == getattr(stored, part)
               for part in ("line1", "line2", "city", "region", "postal_code", "country"))


def _sent_parts(a: AddressBody) -> dict[str, Any]:
    """The parts of an address object the client sent, by core name."""
    sent = a.model_fields_set
    names = {"line1": "line1", "address": "line1", "line2": "line2", "city": "city", "state": "region",
             "postal_code": "postal_code", "zip": "postal_code", "country": "country"}
    parts = {}
    for wire, core in names.items():
        if wire in sent and not (wire in ("address", "zip") and core in parts and parts[core] is not None):
            value = getattr(a, wire)
            if value is not None or core not in parts:
                parts[core] = value
    return parts


def _kept(a: AddressView, **changes) -> AddressInput:
    """A stored address as an input that keeps it as it is (but for `changes`)."""
    fields = dict(id=a.id, type=a.type, line1=a.line1, line2=a.line2, city=a.city, region=a.region,
                  postal_code=a.postal_code, country=a.country, primary=a.primary, properties=dict(a.properties))
    return AddressInput(**{**fields, **changes})


def _others(current: ContactView | None) -> list[AddressInput]:
    if current is None:
        return []
    return [_kept(a) for a in current.addresses[1:]]


def render_address(a: AddressView | None) -> dict | None:
    if a is None:
        return None
    parts = [a.line1, a.line2, a.city, " ".join(p for p in (a.region, a.postal_code) if p), a.country]
    return {
        "id": ADDRESS_PREFIX + str(a.id), "object": "address", "line1": a.line1, "line2": a.line2, "city": a.city,
        "state": a.region, "postal_code": a.postal_code, "country": a.country,
        "formatted_address": ", ".join(p for p in parts if p),
    }


def render_contact(v: ContactView, members: GroupMembers | None, referenced: list[ContactCard]) -> dict[str, Any]:
    members = members or GroupMembers()
    return {
        "object": "contact",
        "id": CONTACT_PREFIX + str(v.id),
        "organization_id": ORG_PREFIX + str(v.workspace_id),
        "name": v.computed_display_name,
        "email": shown(v.emails).value if v.emails else None,
        "phone": shown(v.phones).normalized if v.phones else None,
        "notes": v.notes,
        "address": render_address(v.addresses[0] if v.addresses else None),
        "type": "group" if v.kind == "group" else "person",
        "metadata": v.attributes,
        "created_at": int(v.created_at.timestamp()),
        "updated_at": int(v.updated_at.timestamp()),
        "group_contacts": {
            "children": [CONTACT_PREFIX + str(i) for i in members.children],
            "primary": [CONTACT_PREFIX + str(i) for i in members.primary],
        },
        "referenced_contacts": [
            {"id": CONTACT_PREFIX + str(r.id), "name": r.name, "email": r.email} for r in referenced
        ],
    }


def issue_errors(errors: list[dict] | None) -> list[str]:
    """A row's faults as PackageX names them: the field (header) at fault, e.g. ["email"]."""
    names = []
    for e in errors or []:
        name = e.get("field") or "row"
        if name not in names:
            names.append(name)
    return names
