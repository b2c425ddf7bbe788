"""NGP VAN common model <-> core contact.

Where things live in the core: names and employer/occupation in the contact's columns, emails
and phones as points (the VAN type in `type`, doNotEmail/appliedEmailLists/isDisclosure/extension
in their properties), addresses with stateProvince as `region`, externalLinks as identifiers keyed
`ngpvan.<externalSourceTypeId>`, facebookProfileUrl as `social.facebook`, and the door-only fields
(mailName, spouseName, primary contact names, contactCodes, disclosureFields,
communicationPreferences) in `extra` under `ngpvan.<field>`.
"""

from typing import Any, get_args

from contacthub.core.errors import FieldError, InvalidInput
from contacthub.core.inputs import ContactInput
from contacthub.core.views import ContactView
from contacthub.dialects.ngpvan.schemas import (
    INDIVIDUAL_ONLY,
    ORGANIZATION_ONLY,
    AddressType,
    ContactBody,
    EmailType,
    PhoneType,
)

EXTRA_FIELDS = ("mailName", "spouseName", "primaryContactFirstName", "primaryContactLastName", "contactCodes",
                "disclosureFields", "communicationPreferences")
SCALARS = {"prefix": "prefix", "firstName": "first_name", "middleName": "middle_name", "lastName": "last_name",
           "suffix": "suffix", "nickName": "nickname", "salutation": "salutation", "commonName": "organization_name",
           "officialName": "official_name", "employer": "employer", "occupation": "occupation"}
IDENTIFIER_PREFIX = "ngpvan."


def check(body: ContactBody, kind: str | None, creating: bool) -> None:
    """The model's rules: type, identification criteria, fields of the other type, one item per type."""
    errors: list[FieldError] = []
    given = body.model_fields_set
    if creating and body.type is None:
        errors.append(FieldError("type", "is required: INDIVIDUAL or ORGANIZATION"))
    contact_type = body.type or ("ORGANIZATION" if kind == "organization" else "INDIVIDUAL")
    wrong = ORGANIZATION_ONLY if contact_type == "INDIVIDUAL" else INDIVIDUAL_ONLY
    for name in wrong:
        if name in given and getattr(body, name) is not None:
            errors.append(FieldError(name, f"is not allowed on a contact of type {contact_type}"))
    if creating and body.type is not None:
        named = (bool(body.firstName and body.lastName) if contact_type == "INDIVIDUAL" else bool(body.commonName))
        if not (named or body.emails or body.phones):
            need = "firstName and lastName" if contact_type == "INDIVIDUAL" else "commonName"
            errors.append(FieldError("type", f"a contact of type {contact_type} needs {need}, an email or a phone"))
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


def to_core(body: ContactBody, kind_if_untyped: str | None = None) -> ContactInput:
    """The given fields only: absent stays absent (so an update leaves it alone)."""
    given = body.model_fields_set
    data: dict[str, Any] = {}
    if body.type is not None:
        data["kind"] = "organization" if body.type == "ORGANIZATION" else "person"
    for wire, core in SCALARS.items():
        if wire in given:
            data[core] = getattr(body, wire)
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
        data["identifiers"] = [
            {"key": f"{IDENTIFIER_PREFIX}{link.externalSourceTypeId}", "value": str(link.externalId),
             "properties": {"externalSourceTypeId": link.externalSourceTypeId, "externalId": link.externalId}}
            for link in body.externalLinks or []
        ]
    if "facebookProfileUrl" in given:
        data["social"] = {"facebook": body.facebookProfileUrl}
    extra = {}
    for name in EXTRA_FIELDS:
        if name in given:
            value = getattr(body, name)
            if isinstance(value, list):
                value = [v.model_dump() for v in value]
            extra[f"ngpvan.{name}"] = value
    if extra:
        data["extra"] = extra
    return ContactInput(**data)


def _props(**values) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _enum(value: str | None, allowed) -> str | None:
    if value is None:
        return None
    upper = value.upper()
    return upper if upper in get_args(allowed) else "OTHER"


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
        if f"ngpvan.{name}" in extra:
            out[name] = extra[f"ngpvan.{name}"]
    out["emails"] = [
        {"address": p.value, "type": _enum(p.type, EmailType), "isPrimary": p.primary,
         "doNotEmail": bool(p.properties.get("doNotEmail", False)),
         "appliedEmailLists": p.properties.get("appliedEmailLists", [])}
        for p in v.emails
    ]
    out["phones"] = [
        {"number": p.value, "type": _enum(p.type, PhoneType), "isPrimary": p.primary,
         "isDisclosure": bool(p.properties.get("isDisclosure", False)),
         **({"extension": p.properties["extension"]} if p.properties.get("extension") else {})}
        for p in v.phones
    ]
    out["addresses"] = [
        {"line1": a.line1, "line2": a.line2, **({"line3": a.properties["line3"]} if a.properties.get("line3") else {}),
         "city": a.city, "stateProvince": a.region, "postalCode": a.postal_code, "countryCode": a.country,
         "type": _enum(a.type, AddressType), "isPrimary": a.primary,
         "isDisclosure": bool(a.properties.get("isDisclosure", False))}
        for a in v.addresses
    ]
    out["externalLinks"] = [
        {"externalSourceTypeId": p.properties.get("externalSourceTypeId", p.key[len(IDENTIFIER_PREFIX):]),
         "externalId": p.properties.get("externalId", p.value)}
        for p in v.identifiers if p.key.startswith(IDENTIFIER_PREFIX)
    ]
    out["contactCodes"] = extra.get("ngpvan.contactCodes", [])
    out["employer"] = v.employer
    out["occupation"] = v.occupation
    out["facebookProfileUrl"] = (v.social or {}).get("facebook")
    out["disclosureFields"] = extra.get("ngpvan.disclosureFields", [])
    out["communicationPreferences"] = extra.get("ngpvan.communicationPreferences")
    out["dateCreated"] = v.created_at.isoformat().replace("+00:00", "Z")
    out["dateModified"] = v.updated_at.isoformat().replace("+00:00", "Z")
    return out


def scalar_patch(data: ContactInput) -> ContactInput:
    """What a merge of a posted contact replaces on the survivor: its scalars, social and extra
    (emails, phones and addresses are added by the merge itself)."""
    keep = {k: getattr(data, k) for k in data.model_fields_set
            if k not in ("emails", "phones", "addresses", "identifiers", "kind") and getattr(data, k) is not None}
    return ContactInput(**keep)
