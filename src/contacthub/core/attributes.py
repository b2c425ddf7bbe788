"""Attribute definitions and the typing of attribute values.

A value for a defined key is coerced to its type (so "42" becomes 42 for an integer) and
refused when it cannot be. Whether an undefined key is an error is the caller's choice
(WriteOptions.allow_undefined_attributes): ChartMogul refuses them, Bird and PackageX keep them.
"""

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from contacthub.core import events
from contacthub.core.actor import Actor
from contacthub.core.errors import Conflict, FieldError, InvalidInput, NotFound
from contacthub.core.inputs import Strict
from contacthub.core.moments import iso_z, parse_day_or_instant
from contacthub.db.models import AttributeDefinition
from contacthub.db.types import utcnow
from contacthub.repositories import simple as repo

AttributeType = Literal["string", "integer", "decimal", "datetime", "boolean"]
KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
TRUE_WORDS = {"true", "t", "1", "yes"}
FALSE_WORDS = {"false", "f", "0", "no"}
MAX_STRING_VALUE = 2000
MAX_DECIMAL = Decimal("1e300")
MIN_DECIMAL = Decimal("1e-300")


class DefinitionInput(Strict):
    key: str = Field(pattern=KEY_PATTERN)
    type: AttributeType = "string"
    cardinality: Literal["one", "many"] = "one"
    display_name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    pii: bool = False
    read_only: bool = False


def _boolean_only(schema: dict) -> None:
    schema.pop("anyOf", None)
    schema["type"] = "boolean"


class DefinitionPatch(Strict):
    display_name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=1000)
    # absent = unchanged; null is refused (update_definition), so the schema says boolean only
    pii: bool | None = Field(default=None, json_schema_extra=_boolean_only)
    read_only: bool | None = Field(default=None, json_schema_extra=_boolean_only)


def create_definition(session: Session, actor: Actor, data: DefinitionInput) -> AttributeDefinition:
    if repo.definition(session, actor.workspace_id, data.key) is not None:
        raise Conflict(f"attribute {data.key!r} is already defined", field="key")
    row = AttributeDefinition(workspace_id=actor.workspace_id, **data.model_dump())
    session.add(row)
    repo.forget_definitions(session)
    try:
        session.flush()
    except IntegrityError:  # a concurrent create of the same key
        raise Conflict(f"attribute {data.key!r} is already defined", field="key") from None
    events.record(session, actor, "attribute_definition", row.id, "created", changes=data.model_dump())
    return row


def get_definition(session: Session, actor: Actor, key: str) -> AttributeDefinition:
    row = repo.definition(session, actor.workspace_id, key)
    if row is None:
        raise NotFound("attribute definition", key)
    return row


def list_definitions(session: Session, actor: Actor) -> list[AttributeDefinition]:
    return list(repo.definitions(session, actor.workspace_id).values())


def update_definition(session: Session, actor: Actor, key: str, patch: DefinitionPatch) -> AttributeDefinition:
    row = get_definition(session, actor, key)
    changes = {}
    for name in patch.model_fields_set:
        value = getattr(patch, name)
        if name in ("pii", "read_only") and value is None:
            raise InvalidInput(FieldError(name, "must be true or false"))
        if getattr(row, name) != value:
            changes[name] = [getattr(row, name), value]
            setattr(row, name, value)
    row.updated_at = utcnow()
    repo.forget_definitions(session)
    events.record(session, actor, "attribute_definition", row.id, "updated", changes=changes)
    return row


def delete_definition(session: Session, actor: Actor, key: str) -> None:
    """Values already stored under the key stay on the contacts, untyped."""
    row = get_definition(session, actor, key)
    events.record(session, actor, "attribute_definition", row.id, "deleted", before={"key": row.key, "type": row.type})
    session.delete(row)
    repo.forget_definitions(session)


def coerce_all(
    definitions: dict[str, AttributeDefinition], values: dict[str, Any], allow_undefined: bool, path: str = "attributes"
) -> dict[str, Any]:
    """Typed copies of the values; every fault is collected into one InvalidInput."""
    result: dict[str, Any] = {}
    errors: list[FieldError] = []
    for key, value in values.items():
        where = f"{path}.{key}"
        definition = definitions.get(key)
        if value is None:
            result[key] = None
            continue
        if definition is None:
            if not allow_undefined:
                errors.append(FieldError(where, f"attribute {key!r} is not defined for contacts"))
            elif _longest_text(value) > MAX_STRING_VALUE:  # the same limit a defined string has
                errors.append(FieldError(where, f"a text in it is longer than {MAX_STRING_VALUE} characters"))
            else:
                result[key] = value
            continue
        try:
            result[key] = _coerce_for(definition, value)
        except ValueError as exc:
            errors.append(FieldError(where, str(exc)))
    if errors:
        raise InvalidInput(errors)
    return result


def _coerce_for(definition: AttributeDefinition, value: Any) -> Any:
    if definition.cardinality == "many":
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ValueError("must not be an empty list")
        return [coerce_value(definition.type, v) for v in items]
    if isinstance(value, list):
        raise ValueError(f"takes one {definition.type} value, not a list")
    return coerce_value(definition.type, value)


def coerce_value(kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, (dict, list)):
            raise ValueError("must be a string")
        text = value if isinstance(value, str) else _scalar_text(value)
        if len(text) > MAX_STRING_VALUE:
            raise ValueError(f"must be at most {MAX_STRING_VALUE} characters")
        return text
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError("must be a boolean (true/false)")
    if kind == "integer":
        if isinstance(value, bool):
            raise ValueError("must be an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d{1,18}\s*", value):
            return int(value)
        raise ValueError("must be an integer")
    if kind == "decimal":
        if isinstance(value, bool) or isinstance(value, (dict, list)):
            raise ValueError("must be a number")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if not number.is_finite():
            raise ValueError("must be a finite number")
        # the range a double holds with its meaning: 1e400 would come back as 401 digits, 1e-400 as 0
        if abs(number) > MAX_DECIMAL or (number and abs(number) < MIN_DECIMAL):
            raise ValueError(f"must be 0 or between {MIN_DECIMAL} and {MAX_DECIMAL} in size")
        return int(number) if number == number.to_integral_value() and "." not in str(value) else float(number)
    if kind == "datetime":
        return _iso_datetime(value)
    raise ValueError(f"unknown attribute type {kind}")


def _longest_text(value: Any) -> int:
    """The length of the longest string in a value (nested in lists and objects too)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list):
        return max((_longest_text(v) for v in value), default=0)
    if isinstance(value, dict):
        return max((_longest_text(v) for v in (*value.keys(), *value.values())), default=0)
    return 0


def _iso_datetime(value: Any) -> str:
    """A date stays a date; a date-time is kept as its instant in UTC."""
    moment = parse_day_or_instant(value)
    return moment.isoformat() if not isinstance(moment, datetime) else iso_z(moment)


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def index_pairs(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, value-as-text) pairs for the filter index: one per scalar, one per list item."""
    pairs = []
    for key, value in attributes.items():
        if len(key) > 64:
            continue
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, (dict, list)):
                continue
            text = _scalar_text(item)
            if len(text) <= 500:
                pairs.append((key, text))
    return pairs


def filter_text(value: str, definition: AttributeDefinition | None = None) -> str:
    """The form a filter value is compared in (the same as index_pairs writes): typed as the
    attribute's definition types its values (ValueError when it can hold no such value)."""
    if definition is not None:
        return _scalar_text(coerce_value(definition.type, value))
    lowered = value.strip().lower()
    return lowered if lowered in ("true", "false") else value

