"""For doors that show a contact's one email and one phone (ChartMogul, PackageX): writing that
field puts the value in the first point's place and leaves every other point of the contact as
it is, with its type, flags and properties (written through doors that model them, such as
NGP VAN's doNotEmail). Repeating the value the door shows changes nothing at all, so a client
that reads a contact and writes it back loses nothing."""

from typing import Any, Literal

from contacthub.core.normalize import matching_email, matching_phone
from contacthub.core.views import PointView
from contacthub.settings import get_settings

Kind = Literal["email", "phone"]


def matching_key(raw: str, kind: Kind) -> str:
    """`raw` in the form the core files and matches it under (valid or not)."""
    return matching_email(raw) if kind == "email" else matching_phone(raw, get_settings().default_region)


def replace_first(current: list[PointView], raw: str, kind: Kind) -> list[dict[str, Any]] | None:
    """The contact's points (as core input items) once `raw` takes the first one's place, or None
    when `raw` is the first one already (nothing to write). The new first point takes the old
    first's primary flag; a point the contact already had with that value moves to the front
    with its type and properties; the others stay as they were."""
    wanted = matching_key(raw, kind)
    if current and current[0].normalized == wanted:
        return None
    field = "address" if kind == "email" else "number"
    same = next((p for p in current if p.normalized == wanted), None)
    first: dict[str, Any] = {field: raw, "type": None, "properties": {},
                             "primary": current[0].primary if current else True}
    if same is not None:
        first.update(type=same.type, properties=dict(same.properties), primary=first["primary"] or same.primary)
    rest = [{field: p.value, "type": p.type, "primary": p.primary, "properties": dict(p.properties)}
            for p in current[1:] if p is not same]
    return [first, *rest]
