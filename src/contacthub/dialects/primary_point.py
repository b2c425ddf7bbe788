"""For doors that show a contact's one email and one phone (ChartMogul, PackageX): the one they
show is the primary one (every contact with points has exactly one). Writing that field puts the
value in its place and leaves every other point of the contact as it is, with its type, flags
and properties (written through doors that model them, such as NGP VAN's doNotEmail). Repeating
the value the door shows changes nothing at all, so a client that reads a contact and writes it
back loses nothing."""

from typing import Any, Literal

from contacthub.core.normalize import matching_email, matching_phone
from contacthub.core.views import PointView
from contacthub.settings import get_settings

Kind = Literal["email", "phone"]


def matching_key(raw: str, kind: Kind) -> str:
    """`raw` in the form the core files and matches it under (valid or not)."""
    return matching_email(raw) if kind == "email" else matching_phone(raw, get_settings().default_region)


def shown(points: list[PointView]) -> PointView | None:
    """The point a one-email (one-phone) door shows: the primary one, else the first."""
    return next((p for p in points if p.primary), points[0] if points else None)


def replace_shown(current: list[PointView], raw: str, kind: Kind) -> list[dict[str, Any]] | None:
    """The contact's points (as core input items) once `raw` takes the shown one's place, or None
    when `raw` is the shown one already (nothing to write). The new point is the primary one, in
    the shown one's place; a point the contact already had with that value keeps its type and
    properties there; the others stay as they were."""
    wanted = matching_key(raw, kind)
    target = shown(current)
    if target is not None and target.normalized == wanted:
        return None
    field = "address" if kind == "email" else "number"
    same = next((p for p in current if p.normalized == wanted), None)
    new: dict[str, Any] = {field: raw, "type": None, "properties": {}, "primary": True}
    if same is not None:
        new.update(type=same.type, properties=dict(same.properties))
    items = []
    for p in current:
        if p is target:
            items.append(new)
        elif p is not same:
            items.append({field: p.value, "type": p.type, "primary": False, "properties": dict(p.properties)})
    return items if target is not None else [new]
