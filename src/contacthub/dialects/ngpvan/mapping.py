"""NGP VAN common model <-> core contact.

Where things live in the core: names and employer/occupation in the contact's columns, emails
and phones as points (the VAN type in `type`, doNotEmail/appliedEmailLists/isDisclosure/extension
in their properties), addresses with stateProvince as `region`, externalLinks as identifiers keyed
`ngpvan.<externalSourceTypeId>`, facebookProfileUrl as `social.facebook`, and the door-only fields
(mailName, spouseName, primary contact names, contactCodes, disclosureFields,
communicationPreferences) in `extra` under `ngpvan.<field>`.
"""

import re
from typing import Any, get_args

from pydantic import ValidationError

from contacthub.core.errors import FieldError, InvalidInput, dotted_path, reason_of
from contacthub.core.inputs import AddressInput, ContactInput, EmailInput, PhoneInput
from contacthub.core.moments import iso_z
from contacthub.core.normalize import matching_email, matching_phone
from contacthub.core.views import AddressView, ContactView, PointView
from contacthub.dialects.ngpvan.schemas import (
    INDIVIDUAL_ONLY,
    ORGANIZATION_ONLY,
    AddressType,
    ContactBody,
    EmailType,
    PhoneType,
)
from contacthub.settings import get_settings

EXTRA_FIELDS = ("mailName", "spouseName", "primaryContactFirstName", "primaryContactLastName", "contactCodes",
                "disclosureFields", "communicationPreferences")
# What a read shows for an extra field the contact was never given (the others: null).
EXTRA_SHOWN_UNSET: dict[str, Any] = {"contactCodes": [], "disclosureFields": []}
# What a read shows for a flag an email, phone or address was never given.
FLAGS_SHOWN_UNSET: dict[str, Any] = {"doNotEmail": False, "appliedEmailLists": [], "isDisclosure": False}
SCALARS = {"prefix": "prefix", "firstName": "first_name", "middleName": "middle_name", "lastName": "last_name",
           "suffix": "suffix", "nickName": "nickname", "salutation": "salutation", "commonName": "organization_name",
           "officialName": "official_name", "employer": "employer", "occupation": "occupation"}
IDENTIFIER_PREFIX = "ngpvan."


def _filled(text: str | None) -> bool:
    return bool(text and text.strip())  # blank names identify no one


def _identified(contact_type: str, first, last, common, emails, phones) -> bool:
    named = (_filled(first) and _filled(last)) if contact_type == "INDIVIDUAL" else _filled(common)
    return bool(named or emails or phones)


def check(body: ContactBody, kind: str | None, creating: bool, current: ContactView | None = None) -> None:
    """The model's rules: type, identification criteria, fields of the other type, one item per type.
    An update (`current`: the stored contact) may not take away the contact's last identification."""
    errors: list[FieldError] = []
    given = body.model_fields_set
    if creating and body.type is None:
        errors.append(FieldError("type", "is required: INDIVIDUAL or ORGANIZATION"))
    # an update is checked against the stored type (which it cannot change)
    stored_type = None if kind is None else ("INDIVIDUAL" if kind == "person" else "ORGANIZATION")
    if stored_type is not None and body.type is not None and body.type != stored_type:
        errors.append(FieldError("type", f"cannot be changed: this contact is {stored_type}"))
    contact_type = stored_type or body.type or "INDIVIDUAL"
    wrong = ORGANIZATION_ONLY if contact_type == "INDIVIDUAL" else INDIVIDUAL_ONLY
    for name in wrong:
        if name in given and getattr(body, name) is not None:
            errors.append(FieldError(name, f"is not allowed on a contact of type {contact_type}"))
    need = "firstName and lastName" if contact_type == "INDIVIDUAL" else "commonName"
    if creating and body.type is not None and not _identified(
            contact_type, body.firstName, body.lastName, body.commonName, body.emails, body.phones):
        errors.append(FieldError("type", f"a contact of type {contact_type} needs {need}, an email or a phone"))
    if current is not None:
        stored = (current.first_name, current.last_name, current.organization_name or current.display_name,
                  current.emails, current.phones)
        wire = ("firstName", "lastName", "commonName", "emails", "phones")
        after = [getattr(body, name) if name in given else value for name, value in zip(wire, stored)]
        if _identified(contact_type, *stored) and not _identified(contact_type, *after):
            cleared = next(name for name in wire if name in given)
            errors.append(FieldError(cleared, f"would leave the contact without {need}, an email or a phone"))
    for group in ("emails", "phones", "addresses"):
        seen: dict[str, int] = {}
        for i, item in enumerate(getattr(body, group) or []):
            if item.type is None:
                continue
            if item.type in seen:
                errors.append(FieldError(f"{group}[{i}].type",
                                         f"{group}[{seen[item.type]}] already has type {item.type}; one per type"))
            seen.setdefault(item.type, i)
    if errors:
        raise InvalidInput(errors)


def to_core(body: ContactBody, set_kind: bool = True, current: ContactView | None = None) -> ContactInput:
    """The given fields only: absent stays absent (so an update leaves it alone). An update
    (set_kind=False) leaves the stored kind as it is: `type` may only repeat it. With `current`
    (the stored contact of an update), externalLinks replace only the contact's `ngpvan.*`
    identifiers: those written through other doors (Bird's visitorid, ChartMogul's external_id)
    are no external links and stay."""
    given = body.model_fields_set
    data: dict[str, Any] = {}
    if body.type is not None and set_kind:
        data["kind"] = "organization" if body.type == "ORGANIZATION" else "person"
    for wire, core in SCALARS.items():
        if wire in given:
            value = getattr(body, wire)
            # a blank name is none; any other as written (spacing too), as every door keeps it
            data[core] = (value if value.strip() else None) if isinstance(value, str) else value
    if "emails" in given:
        data["emails"] = [
            {"address": e.address, "type": e.type, "primary": bool(e.isPrimary),
             "properties": _props(doNotEmail=e.doNotEmail,
                                  appliedEmailLists=[r.model_dump() for r in e.appliedEmailLists]
                                  if e.appliedEmailLists is not None else None)}
            for e in body.emails or []
        ]
    if "phones" in given:
        data["phones"] = [
            {"number": p.number, "type": p.type, "primary": bool(p.isPrimary),
             "properties": _props(isDisclosure=p.isDisclosure, extension=p.extension)}
            for p in body.phones or []
        ]
    if "addresses" in given:
        data["addresses"] = [
            {"type": a.type, "line1": a.line1, "line2": a.line2, "city": a.city, "region": a.stateProvince,
             "postal_code": a.postalCode, "country": a.countryCode, "primary": bool(a.isPrimary),
             "properties": _props(isDisclosure=a.isDisclosure, line3=a.line3)}
            for a in body.addresses or []
        ]
    if "externalLinks" in given:
        others = [{"key": p.key, "value": p.value, "properties": p.properties}
                  for p in (current.identifiers if current is not None else []) if not p.key.startswith(IDENTIFIER_PREFIX)]
        data["identifiers"] = others + [
            {"key": f"{IDENTIFIER_PREFIX}{link.externalSourceTypeId}", "value": str(link.externalId),
             "properties": {"externalSourceTypeId": link.externalSourceTypeId, "externalId": link.externalId}}
            for link in body.externalLinks or []
        ]
    if current is not None:
        _keep_stored(data, current)
    if "facebookProfileUrl" in given:
        data["social"] = {"facebook": (body.facebookProfileUrl or "").strip() or None}
    extra = {}
    for name in EXTRA_FIELDS:
        if name in given:
            value = getattr(body, name)
            if isinstance(value, list):
                value = [v.model_dump() for v in value]
            if current is not None and f"ngpvan.{name}" not in current.extra and value == EXTRA_SHOWN_UNSET.get(name):
                continue  # what a read shows for a field never given, posted back: no change
            extra[f"ngpvan.{name}"] = value
    if extra:
        data["extra"] = extra
    return _contact_input(data)


def _contact_input(fields: dict) -> ContactInput:
    """The core's input of these fields; a fault the wire schema could not see (a merge that
    would pass the core's 50 emails) is the caller's, named by the core's paths."""
    try:
        return ContactInput(**fields)
    except ValidationError as exc:
        raise InvalidInput([FieldError(dotted_path(e.get("loc", ()), skip=()), reason_of(e))
                            for e in exc.errors()]) from None


def _keep_stored(data: dict[str, Any], current: ContactView) -> None:
    """An update names emails, phones and addresses by their values. One the contact already has
    keeps its stored type where the post repeats what a read shows for it (a type written through
    another door reads as the VAN enum it fits, or as no type on a second item of that enum), and
    an address keeps its id (which PackageX shows) and every item its properties that VAN does
    not show, so writing back a read changes nothing."""
    region = get_settings().default_region
    groups = (
        ("emails", current.emails, lambda i: matching_email(i["address"]), lambda p: p.normalized, EmailType),
        ("phones", current.phones, lambda i: matching_phone(i["number"], region),
         lambda p: p.normalized, PhoneType),
        ("addresses", current.addresses,
         lambda i: _address_key(i["line1"], i["line2"], i["city"], i["region"], i["postal_code"], i["country"]),
         lambda a: _address_key(a.line1, a.line2, a.city, a.region, a.postal_code, a.country), AddressType),
    )
    for group, stored_items, input_key, stored_key, allowed in groups:
        if group not in data:
            continue
        stored: dict[Any, Any] = {}
        for item in stored_items:
            stored.setdefault(stored_key(item), item)
        for item in data[group]:
            match = stored.pop(input_key(item), None)
            if match is None:
                continue
            if match.type is not None and (item["type"] is None or item["type"] == _enum(match.type, allowed)):
                item["type"] = match.type
            # what other doors wrote beside VAN's own fields (a verified flag, a carrier) stays
            item["properties"] = _merged_properties(match.properties, item.get("properties"))
            if group == "addresses":
                item["id"] = match.id


WIRE_NAMES = {core: wire for wire, core in SCALARS.items()} | {"kind": "type", "social": "facebookProfileUrl"}
_ITEM_FIELDS = {"primary": "isPrimary", "region": "stateProvince", "postal_code": "postalCode",
                "country": "countryCode", "number": "number", "address": "address"}
_PATH = re.compile(r"^(?P<group>emails|phones|addresses|identifiers)\[(?P<i>\d+)\](?:\.(?P<field>\w+))?(?P<rest>.*)$")


def wire_path(path: str) -> str:
    """A core field path as the common model names it ("first_name" -> "firstName",
    "identifiers[1].value" -> "externalLinks[1].externalId", "extra.ngpvan.mailName" -> "mailName")."""
    if m := _PATH.match(path):
        group, index, field = m["group"], m["i"], m["field"]
        if group == "identifiers":
            name = {"key": "externalSourceTypeId", "value": "externalId"}.get(field or "")
            return f"externalLinks[{index}]" + (f".{name}" if name else "")
        if field == "properties":
            inner = m["rest"].lstrip(".").split(".", 1)[0].split("[", 1)[0]
            return f"{group}[{index}]" + (f".{inner}" if inner else "")
        return f"{group}[{index}]" + (f".{_ITEM_FIELDS.get(field, field)}" if field else "")
    if path.startswith("extra.ngpvan."):
        return path[len("extra.ngpvan."):]
    if path.startswith("social"):
        return "facebookProfileUrl"
    head, sep, rest = path.partition(".")
    return WIRE_NAMES.get(head, head) + sep + rest


def _props(**values) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _enum(value: str | None, allowed) -> str | None:
    if value is None:
        return None
    upper = value.upper()
    return upper if upper in get_args(allowed) else "OTHER"


def _one_per_type(types: list[str | None], allowed) -> list[str | None]:
    """The VAN enum of each item's type; an item whose enum an earlier one already shows (two
    free-text types written through other doors may both read as OTHER) shows none, so a read
    keeps VAN's rule of one item per type and can be written back."""
    seen, out = set(), []
    for kind in types:
        value = _enum(kind, allowed)
        if value is not None and value in seen:
            value = None
        if value is not None:
            seen.add(value)
        out.append(value)
    return out


def from_core(v: ContactView) -> dict[str, Any]:
    """The whole contact in the common model."""
    organization = v.kind != "person"
    out: dict[str, Any] = {"contactId": str(v.id), "type": "ORGANIZATION" if organization else "INDIVIDUAL"}
    names = (("commonName", v.organization_name or v.display_name), ("officialName", v.official_name)) if organization else (
        ("prefix", v.prefix), ("firstName", v.first_name), ("middleName", v.middle_name), ("lastName", v.last_name),
        ("suffix", v.suffix), ("nickName", v.nickname), ("salutation", v.salutation))
    out.update(names)
    extra = v.extra or {}
    for name in (ORGANIZATION_ONLY if organization else INDIVIDUAL_ONLY):
        if name not in out:  # every field of the type is there, null when unset: one shape per type
            out[name] = extra.get(f"ngpvan.{name}")
    out["emails"] = [
        {"address": p.value, "type": kind, "isPrimary": p.primary,
         "doNotEmail": bool(p.properties.get("doNotEmail", FLAGS_SHOWN_UNSET["doNotEmail"])),
         "appliedEmailLists": p.properties.get("appliedEmailLists", FLAGS_SHOWN_UNSET["appliedEmailLists"])}
        for p, kind in zip(v.emails, _one_per_type([p.type for p in v.emails], EmailType))
    ]
    out["phones"] = [
        {"number": p.value, "type": kind, "isPrimary": p.primary,
         "isDisclosure": bool(p.properties.get("isDisclosure", FLAGS_SHOWN_UNSET["isDisclosure"])),
         **({"extension": p.properties["extension"]} if p.properties.get("extension") else {})}
        for p, kind in zip(v.phones, _one_per_type([p.type for p in v.phones], PhoneType))
    ]
    out["addresses"] = [
        {"line1": a.line1, "line2": a.line2, **({"line3": a.properties["line3"]} if a.properties.get("line3") else {}),
         "city": a.city, "stateProvince": a.region, "postalCode": a.postal_code, "countryCode": a.country,
         "type": kind, "isPrimary": a.primary,
         "isDisclosure": bool(a.properties.get("isDisclosure", FLAGS_SHOWN_UNSET["isDisclosure"]))}
        for a, kind in zip(v.addresses, _one_per_type([a.type for a in v.addresses], AddressType))
    ]
    out["externalLinks"] = [
        {"externalSourceTypeId": p.properties.get("externalSourceTypeId", p.key[len(IDENTIFIER_PREFIX):]),
         "externalId": p.properties.get("externalId", p.value)}
        for p in v.identifiers if p.key.startswith(IDENTIFIER_PREFIX)
    ]
    out["contactCodes"] = extra.get("ngpvan.contactCodes", EXTRA_SHOWN_UNSET["contactCodes"])
    out["employer"] = v.employer
    out["occupation"] = v.occupation
    out["facebookProfileUrl"] = (v.social or {}).get("facebook")
    out["disclosureFields"] = extra.get("ngpvan.disclosureFields", EXTRA_SHOWN_UNSET["disclosureFields"])
    out["communicationPreferences"] = extra.get("ngpvan.communicationPreferences")
    out["dateCreated"] = iso_z(v.created_at)
    out["dateModified"] = iso_z(v.updated_at)
    return out


def changes_nothing(data: ContactInput, current: ContactView) -> bool:
    """Whether merging the posted contact into `current` would leave it as it is: every field
    the merge would write already holds that value, and every posted identifier is there."""
    patch = merge_patch(data, current)
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if name in ("social", "extra"):
            stored = getattr(current, name) or {}
            if any(stored.get(k) != v for k, v in (value or {}).items()):
                return False
        elif name in ("emails", "phones", "addresses") or value != getattr(current, name):
            return False
    held = {(p.key, p.value) for p in current.identifiers}
    return all((i.key, i.value) in held for i in data.identifiers or [])


def merge_patch(data: ContactInput, survivor: ContactView) -> ContactInput:
    """What a posted contact changes on the contact it was merged into: its scalars, social and
    extra replace (`scalar_patch`), and each posted group (emails, phones, addresses) becomes the
    survivor's items plus the posted ones, one item per VAN type: a posted item takes the place
    of the stored item of its type, a posted item the survivor already has is updated in place
    (its properties merged) rather than repeated, and a posted isPrimary wins. A group the merge
    already left that way is not rewritten (its rows keep their ids, which unmerge plays back)."""
    patch = scalar_patch(data)
    given = data.model_fields_set
    fields = {k: getattr(patch, k) for k in patch.model_fields_set}
    if "emails" in given and data.emails:
        emails = _merged_points(survivor.emails, data.emails, lambda e: matching_email(e.address),
                                lambda s, **kw: EmailInput.model_construct(address=s, **kw))
        if _settled([(e.address, e.type, e.primary, e.properties) for e in emails]) != \
                [(p.value, p.type, p.primary, p.properties) for p in survivor.emails]:
            fields["emails"] = emails
    if "phones" in given and data.phones:
        region = get_settings().default_region  # as the core reads the numbers
        phones = _merged_points(
            survivor.phones, data.phones, lambda p: matching_phone(p.number, region),
            lambda s, **kw: PhoneInput.model_construct(number=s, **kw))
        if _settled([(p.number, p.type, p.primary, p.properties) for p in phones]) != \
                [(p.value, p.type, p.primary, p.properties) for p in survivor.phones]:
            fields["phones"] = phones
    if "addresses" in given and data.addresses:
        addresses = _merged_addresses(survivor.addresses, data.addresses)
        if _settled([(a.id, a.type, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, a.primary,
                      a.properties) for a in addresses], primary_at=8) != \
                [(a.id, a.type, a.line1, a.line2, a.city, a.region, a.postal_code, a.country, a.primary, a.properties)
                 for a in survivor.addresses]:
            fields["addresses"] = addresses
    return _contact_input(fields)


def _settled(items: list[tuple], primary_at: int = 2) -> list[tuple]:
    """The items as the core would store them: exactly one primary (the first flagged, else the first)."""
    first = next((i for i, item in enumerate(items) if item[primary_at]), 0)
    return [item[:primary_at] + (i == first,) + item[primary_at + 1:] for i, item in enumerate(items)]


def _merged_points(stored: list[PointView], posted: list, key_of, make) -> list:
    # `make` builds items from stored values without checking them again (model_construct):
    # what is stored was accepted by whichever door wrote it
    by_key: dict[str, Any] = {}
    for item in posted:
        by_key.setdefault(key_of(item), item)
    posted_types = {p.type for p in posted if p.type}
    posted_primary = any(p.primary for p in posted)
    out, used = [], set()
    for s in stored:
        if s.normalized in by_key:
            if s.normalized in used:
                continue
            used.add(s.normalized)
            p = by_key[s.normalized]
            kind = p.type or (s.type if s.type not in posted_types else None)
            out.append(make(s.value, type=kind, primary=p.primary or (s.primary and not posted_primary),
                            properties=_merged_properties(s.properties, p.properties)))
        elif s.type is None or s.type not in posted_types:
            out.append(make(s.value, type=s.type, primary=s.primary and not posted_primary, properties=s.properties))
    out.extend(p for k, p in by_key.items() if k not in used)
    return out


_ABSENT = object()


def _merged_properties(stored: dict[str, Any], posted: dict[str, Any] | None) -> dict[str, Any]:
    """A stored item's properties with the posted ones over them. A VAN flag posted at the
    default a read shows for it, which the item was never given, is not written: a contact made
    through another door posts back as read without taking VAN's defaults on."""
    given = {k: v for k, v in (posted or {}).items() if k in stored or FLAGS_SHOWN_UNSET.get(k, _ABSENT) != v}
    return {**stored, **given}


def _address_key(line1, line2, city, region, postal_code, country) -> tuple:
    return tuple(" ".join((v or "").split()).casefold() for v in (line1, line2, city, region, postal_code, country))


def _merged_addresses(stored: list[AddressView], posted: list[AddressInput]) -> list[AddressInput]:
    by_key: dict[tuple, AddressInput] = {}
    for a in posted:
        by_key.setdefault(_address_key(a.line1, a.line2, a.city, a.region, a.postal_code, a.country), a)
    posted_types = {a.type for a in posted if a.type}
    posted_primary = any(a.primary for a in posted)
    out, used = [], set()
    for s in stored:
        key = _address_key(s.line1, s.line2, s.city, s.region, s.postal_code, s.country)
        if key in by_key:
            if key in used:
                continue
            used.add(key)
            p = by_key[key]
            out.append(p.model_copy(update={
                "id": s.id, "type": p.type or (s.type if s.type not in posted_types else None),
                "primary": p.primary or (s.primary and not posted_primary),
                "properties": _merged_properties(s.properties, p.properties)}))
        elif s.type is None or s.type not in posted_types:
            out.append(AddressInput.model_construct(id=s.id, type=s.type, line1=s.line1, line2=s.line2, city=s.city, region=s.region,
                                    postal_code=s.postal_code, country=s.country,
                                    primary=s.primary and not posted_primary, properties=s.properties))
    out.extend(a for k, a in by_key.items() if k not in used)
    return out


def scalar_patch(data: ContactInput) -> ContactInput:
    """What a merge of a posted contact replaces on the survivor: its scalars, social and extra
    (emails, phones and addresses are added by the merge itself)."""
    keep = {k: getattr(data, k) for k in data.model_fields_set
            if k not in ("emails", "phones", "addresses", "identifiers", "kind") and getattr(data, k) is not None}
    return ContactInput(**keep)
