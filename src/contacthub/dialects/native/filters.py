"""The native API's query strings: the contact filters shared by `GET /v1/contacts` and
`GET /v1/export` (`kind`, `name`, `email`, `phone`, `list`, `account`, `group`, `organization`,
`identifier=<key>=<value>`, `q` and `attributes.<key>=<value>`), and the check every native
route makes that its query holds only parameters it reads, each once."""

from typing import Annotated, Literal

from fastapi import Query, Request
from fastapi.routing import APIRoute

from contacthub.core.errors import FieldError, InvalidInput
from contacthub.dialects.common import parse_id
from contacthub.core.contacts import ContactFilter


def contact_filter(
    request: Request,
    kind: Literal["person", "organization", "group", ""] | None = None,
    name: str | None = None, email: str | None = None, phone: str | None = None,
    list_id: Annotated[str | None, Query(alias="list")] = None,
    account_id: Annotated[str | None, Query(alias="account")] = None,
    group_id: Annotated[str | None, Query(alias="group", description="the group's members")] = None,
    organization_id: Annotated[str | None, Query(alias="organization",
                                                 description="the organization's members")] = None,
    identifier: Annotated[str | None, Query(description="`key=value`: the contacts holding that identifier")] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
) -> ContactFilter:
    # a filter given empty (`?kind=`) is no filter, as in every door
    return ContactFilter(
        kind=kind or None, name=name, email=email, phone=phone, q=q,
        list_id=parse_id(list_id, "list") if list_id else None,
        account_id=parse_id(account_id, "account") if account_id else None,
        group_id=parse_id(group_id, "group") if group_id else None,
        organization_id=parse_id(organization_id, "organization") if organization_id else None,
        identifier=_identifier(identifier),
        attributes={k.removeprefix("attributes."): v for k, v in request.query_params.items()
                    if k.startswith("attributes.")},
    )


async def declared_params_only(request: Request) -> None:  # async: no thread hand-off for a lookup
    """A dependency of every native route refusing (422) a query parameter the route does not
    read, or one given twice: a misspelled filter (`first_name=Ann`) listed, exported or deleted
    the whole workspace, `Limit=5` gave the default page, and `email=a&email=b` or
    `on_duplicate=create&on_duplicate=reject` took the last alone."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    names, filters = _reads(route)
    errors = []
    for name in dict.fromkeys(request.query_params.keys()):
        if name not in names and not (filters and name.startswith("attributes.")):
            takes = ", ".join([*names, *(["attributes.<key>"] if filters else [])]) or "no parameters"
            errors.append(FieldError(name, f"is not a parameter of this endpoint; it takes {takes}"))
        elif len(request.query_params.getlist(name)) > 1:
            errors.append(FieldError(name, "is given more than once"))
    if errors:
        raise InvalidInput(errors)


def _reads(route: APIRoute) -> tuple[tuple[str, ...], bool]:
    """The query parameters `route` reads, its own and its dependencies', in their order, and
    whether it reads the contact filters, whose `attributes.<key>` are any key (worked out once
    a route, and kept on it)."""
    known = route.__dict__.get("_query_reads")
    if known is not None:
        return known
    names, filters, pending = [], False, [route.dependant]
    while pending:
        dependant = pending.pop(0)
        names += [param.alias for param in dependant.query_params]
        filters = filters or dependant.call is contact_filter
        pending += dependant.dependencies
    route.__dict__["_query_reads"] = known = tuple(dict.fromkeys(names)), filters
    return known


def _identifier(given: str | None) -> tuple[str, str] | None:
    """`crm=c-1` as (key, value): an identifier's key holds no `=`, so the first one splits."""
    if not given:
        return None
    key, sep, value = given.partition("=")
    if not sep or not key or not value:
        raise InvalidInput(FieldError("identifier", "write it as <key>=<value>, e.g. identifier=crm=c-1"))
    return key, value
