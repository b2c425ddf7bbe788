"""The baseline for bench/api.py: a bare FastAPI app that parses the same body and echoes it,
and answers a GET with a stored contact-sized document. No database, no auth."""

from fastapi import FastAPI
from pydantic import BaseModel

app = FastAPI()


class Body(BaseModel):
    first_name: str | None = None
    last_name: str | None = None
    emails: list[str] = []
    phones: list[str] = []


STORED = {
    "id": "01a20b6b-dc30-7b0b-968e-30ff068f58fd", "kind": "person", "display_name": "Ada Lovelace",
    "first_name": "Ada", "last_name": "Lovelace", "emails": [{"address": "ada@example.com", "type": None, "primary": True}],
    "phones": [{"number": "+14155550100", "type": None, "primary": True}], "addresses": [], "identifiers": [],
    "social": {}, "attributes": {}, "lists": [], "accounts": [],
    "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
}


@app.post("/echo", status_code=201)
def echo(body: Body):
    return body


@app.get("/echo/{item_id}")
def get(item_id: str):
    return STORED
