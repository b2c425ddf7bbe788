"""The `Idempotency-Key` header of the native API's writes, read alike by every route that takes
one (core/idempotency.py keeps the answers)."""

from typing import Annotated

from fastapi import Depends, Header, Request

from contacthub.core.errors import FieldError, InvalidInput


async def idempotency_key(request: Request, key: Annotated[str | None, Header(
        alias="Idempotency-Key", max_length=255,
        description="A repeat of a request that succeeded answers its first response and writes nothing")] = None,
) -> str | None:  # async: no thread hand-off for a header
    """The key, or None for none; a blank one or two of them are 422: a client whose key variable
    is unset would otherwise share one key for every write, and of two the first was taken."""
    if len(request.headers.getlist("idempotency-key")) > 1:
        raise InvalidInput(FieldError("Idempotency-Key", "is given more than once"))
    if key is not None and not key.strip():
        raise InvalidInput(FieldError("Idempotency-Key", "is blank: send a key, or no header"))
    return key


IdempotencyKey = Annotated[str | None, Depends(idempotency_key)]
