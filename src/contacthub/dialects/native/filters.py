"""The contact filters of the native API's query string, shared by `GET /v1/contacts` and
`GET /v1/export`: `kind`, `name`, `email`, `phone`, `list`, `q` and `attributes.<key>=<value>`."""

from typing import Annotated, Literal

from fastapi import Query, Request

from contacthub.dialects.common import parse_id
from contacthub.repositories.contacts import ContactFilter


def contact_filter(
    request: Request,
    kind: Literal["person", "organization", "group"] | None = None,
    name: str | None = None, email: str | None = None, phone: str | None = None,
    list_id: Annotated[str | None, Query(alias="list")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> ContactFilter:
    return ContactFilter(
        kind=kind, name=name, email=email, phone=phone, q=q,
        list_id=parse_id(list_id, "list") if list_id else None,
        attributes={k.removeprefix("attributes."): v for k, v in request.query_params.items()
                    if k.startswith("attributes.")},
    )
