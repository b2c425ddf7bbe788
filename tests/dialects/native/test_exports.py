"""GET /v1/export: the workspace's contacts as one streamed file, which POST /v1/imports
restores (a backup and restore over HTTP)."""

import csv
import io
import json
import uuid

from contacthub.core import workspaces
from tests.dialects.native.test_imports import run_jobs


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_an_export_restores_into_another_workspace_through_the_api(api, client, db, settings):
    ada = api.post("/v1/contacts", json={
        "first_name": "Ada", "last_name": "Lovelace", "emails": [{"address": "ada@example.com", "type": "work"}],
        "identifiers": [{"key": "crm", "value": "7"}], "addresses": [{"line1": "12 St James Square", "city": "London"}],
        "attributes": {"tier": "gold"}}).json()
    api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme",
                                   "phones": ["+1 212 555 0100"]})
    exported = api.get("/v1/export")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "application/x-ndjson; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="contacts.jsonl"'
    backup = _lines(exported)
    assert [r["id"] for r in backup] == [ada["id"], backup[1]["id"]] and backup[0]["groups"] == []

    with db.write() as session:
        other = workspaces.create_workspace(session, f"restore-{uuid.uuid4().hex[:8]}")
    elsewhere = {"Authorization": f"Bearer {other.api_key}"}
    assert client.get("/v1/export", headers=elsewhere).text == ""  # nothing of the first workspace
    started = client.post("/v1/imports", headers=elsewhere,
                          files={"file": ("contacts.jsonl", exported.content, "application/x-ndjson")})
    assert started.status_code == 202, started.text
    run_jobs(db, settings)
    done = client.get(f"/v1/imports/{started.json()['id']}", headers=elsewhere).json()
    assert (done["status"], done["counts"]["created"], done["counts"]["invalid"]) == ("succeeded", 2, 0), done

    def comparable(records):
        for record in records:
            del record["updated_at"]
            for address in record["addresses"]:
                del address["id"]
        return records

    restored = client.get("/v1/export", headers=elsewhere)
    assert comparable(_lines(restored)) == comparable(backup)
    assert client.get(f"/v1/contacts/{ada['id']}", headers=elsewhere).json()["identifiers"] == [
        {"key": "crm", "value": "7"}]


def test_csv_and_vcard_exports(api):
    api.post("/v1/contacts", json={"first_name": "Grace", "last_name": "Hopper", "emails": ["grace@navy.mil"],
                                   "phones": [{"number": "+1 202 555 0100", "type": "mobile"}]})
    exported = api.get("/v1/export", params={"format": "csv"})
    assert exported.status_code == 200 and exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert exported.headers["content-disposition"] == 'attachment; filename="contacts.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["first_name"], r["last_name"], r["email"], r["phone"], r["phone_type"]) for r in rows] == [
        ("Grace", "Hopper", "grace@navy.mil", "+12025550100", "mobile")]
    cards = api.get("/v1/export", params={"format": "vcf"})
    assert cards.status_code == 200 and cards.headers["content-type"] == "text/vcard; charset=utf-8"
    assert cards.text.count("BEGIN:VCARD") == 1 and "FN:Grace Hopper\r\n" in cards.text


def test_export_refusals_are_in_the_native_error_format(api, client):
    bad = api.get("/v1/export", params={"format": "xml"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "format"
    unauthenticated = client.get("/v1/export", headers={"Authorization": "Bearer nope"})
    assert unauthenticated.status_code == 401 and "error" in unauthenticated.json()


def test_an_export_takes_the_list_filters(api):
    vip = api.post("/v1/lists", json={"name": "VIP"}).json()
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "lists": [vip["id"]], "attributes": {"tier": "gold"}}).json()
    api.post("/v1/contacts", json={"first_name": "Bob", "attributes": {"tier": "silver"}})
    api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme"})

    def names(**params):
        response = api.get("/v1/export", params=params)
        assert response.status_code == 200, response.text
        return [r["display_name"] for r in _lines(response)]

    assert names() == ["Ada", "Bob", "Acme"]
    assert names(list=vip["id"]) == ["Ada"]
    assert names(kind="organization") == ["Acme"]
    assert names(**{"attributes.tier": "silver"}) == ["Bob"]
    assert names(q="ad", format="jsonl") == ["Ada"]
    rows = list(csv.DictReader(io.StringIO(api.get("/v1/export", params={"format": "csv", "list": vip["id"]}).text)))
    assert [r["id"] for r in rows] == [ada["id"]]
    unknown = api.get("/v1/export", params={"list": "not-an-id"})
    assert unknown.status_code == 404 and unknown.json()["error"]["type"] == "not_found"
    # refused before the file starts, in the native error format, not cut off in the middle
    bad_phone = api.get("/v1/export", params={"phone": "note"})
    assert bad_phone.status_code == 422 and bad_phone.json()["error"]["details"][0]["field"] == "phone"
