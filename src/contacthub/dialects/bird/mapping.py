"""Bird wire <-> core.

- The `emailaddress` identifier is a core email point and `phonenumber` a core phone point;
  every other key (visitorid, custom keys) is a core identifier point with that key.
- Attributes are the contact's core attributes, except `displayName`, `firstName` and `lastName`
  which, when they are strings, live in the core name fields (so every door sees the names);
  any other value for them stays an attribute. Rendering puts them back, so what was written
  reads back the same.
- `companyRefs` and unknown top-level properties are kept in the contact's `extra` under
  "bird.<name>".
- An attribute value Bird has no type for (an object, an array of objects, written through
  another door) reads as its JSON text, a string; written back unchanged, it is left as it is.
"""

import json
import uuid
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from contacthub.core.errors import FieldError, InvalidInput, reason_of
from contacthub.core.identifiers import ContactChange, PointRef
from contacthub.core.inputs import ContactInput, storage_faults
from contacthub.core.views import ContactView, PointView
from contacthub.dialects.common import parse_json
from contacthub.dialects.primary_point import shown
from contacthub.dialects.bird.schemas import ContactCreate, ContactPatch, IdentifierIn, IdentifierRef

EMAIL_KEY = "emailaddress"
PHONE_KEY = "phonenumber"
ANONYMOUS_KEYS = {"visitorid"}
NAME_ATTRIBUTES = {"displayName": "display_name", "firstName": "first_name", "lastName": "last_name"}
MAX_NAME = 300
# the longest value each name field holds; a longer one stays an attribute
NAME_LIMITS = {"display_name": MAX_NAME, "first_name": 200, "last_name": 200}
EXTRA_PREFIX = "bird."
CORE_TYPES = {"boolean": "boolean", "datetime": "datetime", "number": "decimal", "string": "string"}
BIRD_TYPES = {"boolean": "boolean", "datetime": "datetime", "decimal": "number", "integer": "number", "string": "string"}

_PATCH_FIELDS = set(ContactPatch.model_fields) | {"strategy", "allowWritingReadOnly"}


# ---------------------------------------------------------------- wire -> core

def point_ref(ident: IdentifierIn | IdentifierRef, path: str) -> PointRef:
    properties = getattr(ident, "properties", None) or {}
    key = ident.key.lower()
    if key == EMAIL_KEY:
        return PointRef("email", ident.value, None, properties, path)
    if key == PHONE_KEY:
        return PointRef("phone", ident.value, None, properties, path)
    return PointRef("identifier", ident.value, ident.key, properties, path)


def point_refs(idents: list | None, field: str) -> list[PointRef]:
    return [point_ref(ident, f"{field}[{i}].value") for i, ident in enumerate(idents or [])]


def create_change(body: ContactCreate) -> ContactChange:
    fields: dict[str, Any] = {"display_name": body.displayName}
    errors: list[FieldError] = []
    if body.attributes is not None:
        _split_attributes(body.attributes, fields, errors)
    if body.listIds is not None:
        fields["lists"] = body.listIds
    if body.accountIds is not None:
        fields["accounts"] = [{"id": i} for i in body.accountIds]
    extra = _extra(body, body.model_extra or {})
    if extra:
        fields["extra"] = extra
    if errors:
        raise InvalidInput(errors)
    return ContactChange(data=_contact_input(fields), add_points=point_refs(body.identifiers, "identifiers"))


def patch_change(body: ContactPatch, current: ContactView | None = None) -> ContactChange:
    """With `current` (the stored contact), attributes that only repeat its identifiers as a read
    shows them (`"emailaddress": [...]`, from a client writing back what it read) are left out:
    the identifiers are already there, and they are no attributes of their own."""
    given = body.model_fields_set
    fields: dict[str, Any] = {}
    errors: list[FieldError] = []
    if "displayName" in given:
        if body.displayName is None:
            errors.append(FieldError("displayName", "cannot be null"))
        fields["display_name"] = body.displayName
    if "attributes" in given:
        if body.attributes is None:
            errors.append(FieldError("attributes", "must be an object"))
        else:
            echoed = _echoes(current) if current is not None else {}
            _split_attributes({k: v for k, v in body.attributes.items() if k not in echoed or echoed[k] != v},
                              fields, errors)
    for name, core in (("listIds", "lists"), ("accountIds", "accounts")):
        if name in given and getattr(body, name) is None:  # [] empties; null is no list
            errors.append(FieldError(name, "must be a list (an empty one removes them all)"))
    if "listIds" in given:
        fields["lists"] = body.listIds or []
    if "accountIds" in given:
        fields["accounts"] = [{"id": i} for i in body.accountIds or []]
    extras = {k: v for k, v in (body.model_extra or {}).items() if k not in _PATCH_FIELDS}
    extra = _extra(body, extras)
    if extra:
        fields["extra"] = extra
    if errors:
        raise InvalidInput(errors)
    add = [*point_refs(body.addIdentifiers, "addIdentifiers"), *point_refs(body.identifiers, "identifiers")]
    return ContactChange(
        data=_contact_input(fields),
        add_points=add,
        remove_points=point_refs(body.removeIdentifiers, "removeIdentifiers"),
        add_lists=body.addToLists or [],
        remove_lists=body.removeFromLists or [],
        add_accounts=body.addToAccounts or [],
        remove_accounts=body.removeFromAccounts or [],
    )


def _split_attributes(attributes: dict[str, Any], fields: dict[str, Any], errors: list[FieldError]) -> None:
    """Checks Bird's value rules and sends the name attributes to the core name fields."""
    plain: dict[str, Any] = {}
    for key, value in attributes.items():
        where = f"attributes.{key}"
        if not 1 <= len(key) <= 64:
            errors.append(FieldError(where, "an attribute key has 1 to 64 characters"))
            continue
        if key.lower() in (EMAIL_KEY, PHONE_KEY):
            errors.append(FieldError(where, f"{key} is an identifier: add it with identifiers (addIdentifiers on an update)"))
            continue
        problem = _value_problem(value)
        if problem:
            errors.append(FieldError(where, problem))
            continue
        name_field = NAME_ATTRIBUTES.get(key)
        if name_field is None:
            plain[key] = value
        elif isinstance(value, str) and len(value) <= NAME_LIMITS[name_field]:
            fields[name_field] = value.strip() or None  # a blank name is none (it clears, as null does)
            plain[key] = None  # a value kept as an attribute before gives way to the name field
        else:
            fields[name_field] = None
            plain[key] = value
    fields["attributes"] = plain


def _value_problem(value: Any) -> str | None:
    def scalar(v):
        return isinstance(v, (bool, int, float, str)) and not (isinstance(v, float) and v != v)

    if value is None or scalar(value):
        return None
    if isinstance(value, list):
        if not value:
            return "an array value must not be empty"
        if all(scalar(v) for v in value):
            return None
    return "must be a boolean, a number, a string, a non-empty array of those, or null"


def _extra(body, others: dict[str, Any]) -> dict[str, Any]:
    extra = {EXTRA_PREFIX + k: v for k, v in others.items()}
    if "companyRefs" in body.model_fields_set:
        extra[EXTRA_PREFIX + "companyRefs"] = body.companyRefs
    return extra


def _contact_input(fields: dict[str, Any]) -> ContactInput:
    try:
        return ContactInput.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput([FieldError(".".join(str(p) for p in e["loc"]), reason_of(e)) for e in exc.errors()]) from None


def unstorable(raw: bytes) -> list[FieldError]:
    """Faults for values no store may hold (core.inputs.storage_faults), by their path in the
    body as sent (so an unknown property is named as itself, not as the core's `extra`)."""
    try:
        document = parse_json(raw)
    except ValueError:
        return []  # malformed JSON is answered by the body parser
    return [FieldError(path, fault) for path, fault in storage_faults(document)]


# ---------------------------------------------------------------- core -> wire

def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def bird_key_value(point: PointView) -> tuple[str, str]:
    if point.kind == "email":
        return EMAIL_KEY, point.normalized
    if point.kind == "phone":
        return PHONE_KEY, point.normalized
    return point.key, point.value


def _identifier_attributes(view: ContactView) -> dict[str, list[str]]:
    """The contact's identifiers as a read shows them among the attributes: key -> values."""
    grouped: dict[str, list[str]] = {}
    for point in [*view.emails, *view.phones, *view.identifiers]:
        key, value = bird_key_value(point)
        grouped.setdefault(key, []).append(value)
    return grouped


def _as_bird_value(value: Any) -> Any:
    """A stored attribute value as Bird shows it: as it is, or, when Bird has no type for it,
    its JSON text."""
    if _value_problem(value) is None:
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _echoes(view: ContactView) -> dict[str, Any]:
    """The attributes a read shows that a client writing them back changes nothing with: the
    identifiers, and the values shown as JSON text."""
    shown = {k: _as_bird_value(v) for k, v in view.attributes.items() if _value_problem(v) is not None}
    return shown | _identifier_attributes(view)


def render_contact(view: ContactView) -> dict[str, Any]:
    attributes = {k: _as_bird_value(v) for k, v in view.attributes.items()}
    for attribute, name_field in NAME_ATTRIBUTES.items():
        value = getattr(view, name_field)
        if value is not None:
            attributes[attribute] = value
    points = [*view.emails, *view.phones, *view.identifiers]
    attributes.update(_identifier_attributes(view))
    return {
        "id": str(view.id),
        "computedDisplayName": _computed_display_name(view, attributes),
        "createdAt": iso(view.created_at),
        "updatedAt": iso(view.updated_at),
        "workspaceId": str(view.workspace_id),
        "featuredIdentifiers": _featured(view),
        "attributes": attributes,
        "identifierCount": len(points),
        "accountIds": [str(a.id) for a in view.accounts],
        "listIds": [str(i) for i in view.list_ids],
        "companyRefs": list(view.extra.get(EXTRA_PREFIX + "companyRefs") or []),
        "isAnonymous": all(p.kind == "identifier" and p.key.lower() in ANONYMOUS_KEYS for p in points),
    }


def _computed_display_name(view: ContactView, attributes: dict[str, Any]) -> str | None:
    for key in ("displayName", "firstName"):
        value = attributes.get(key)
        if isinstance(value, str) and value:
            return value
    if view.emails:
        return shown(view.emails).normalized
    if view.phones:
        return shown(view.phones).normalized
    return view.computed_display_name  # e.g. an organization written through another door


def _featured(view: ContactView) -> list[dict[str, str]]:
    featured = [shown(points) for points in (view.emails, view.phones) if points]
    if not featured and view.identifiers:
        featured = [view.identifiers[0]]
    return [dict(zip(("key", "value"), bird_key_value(p))) for p in featured]


def render_identifier(contact_id: uuid.UUID, point: PointView) -> dict[str, Any]:
    key, value = bird_key_value(point)
    return {"contactId": str(contact_id), "key": key, "value": value, "properties": point.properties,
            "createdAt": iso(point.created_at)}


def render_list(row, contact_count: int | None = None) -> dict[str, Any]:
    out = {"id": str(row.id), "workspaceId": str(row.workspace_id), "name": row.name,
           "description": row.description, "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}
    if contact_count is not None:
        out["contactCount"] = contact_count
    return out


def render_definition(row) -> dict[str, Any]:
    return {"id": str(row.id), "workspaceId": str(row.workspace_id), "key": row.key,
            "displayName": row.display_name, "description": row.description, "cardinality": row.cardinality,
            "type": BIRD_TYPES.get(row.type, "string"), "pii": row.pii, "readOnly": row.read_only,
            "createdAt": iso(row.created_at), "updatedAt": iso(row.updated_at)}


def page(results: list, token: str | None) -> dict[str, Any]:
    out: dict[str, Any] = {"results": results}
    if token:
        out["nextPageToken"] = token
    return out
