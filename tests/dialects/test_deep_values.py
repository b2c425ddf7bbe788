"""A free-form value (attributes, extra, properties, metadata, custom) nested deeper than any
real document is refused in the door's own format, and nothing is written: walking one
~700 levels deep (parseable, below json's own limit) exhausted Python's stack, a 500."""

import base64
import json

import pytest
from fastapi.testclient import TestClient

DEEP = "[" * 700 + "]" * 700


@pytest.fixture
def clients(app, workspace):
    key = workspace.api_key
    native = TestClient(app, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    px = TestClient(app, headers={"PX-API-KEY": key, "Content-Type": "application/json"})
    cm = TestClient(app, headers={"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode(),
                                  "Content-Type": "application/json"})
    return native, px, cm


def test_values_nested_past_the_limit_are_refused_and_nothing_is_written(clients):
    native, px, cm = clients
    source = native.post("/v1/data-sources", json={"name": "deep", "system": "x"}).json()["id"]
    own = native.post("/v1/contacts", json={"first_name": "Own"}).json()["id"]
    cases = [
        (native, "POST", "/v1/contacts", '{"first_name": "a", "attributes": {"k": %s}}'),
        (native, "POST", "/v1/contacts", '{"first_name": "a", "extra": {"k": %s}}'),
        (native, "POST", "/v1/contacts", '{"first_name": "a", "emails": [{"address": "q@example.com", "properties": {"k": %s}}]}'),
        (native, "PATCH", f"/v1/contacts/{own}", '{"extra": {"k": %s}}'),
        (native, "POST", "/v1/contacts/match", '{"first_name": "a", "extra": {"k": %s}}'),
        (native, "POST", "/v1/contacts/batch/upsert",
         '{"identifier_key": "crm", "contacts": [{"identifiers": [{"key": "crm", "value": "1"}], "extra": {"k": %s}}]}'),
        (native, "POST", "/v1/accounts", '{"data_source_id": "%s", "external_id": "x", "extra": {"k": %%s}}' % source),
        (px, "POST", "/packagex/v1/contacts", '{"name": "a", "metadata": {"k": %s}}'),
        (cm, "POST", "/chartmogul/v1/contacts", '{"data_source_uuid": "%s", "first_name": "a", "custom": {"k": %%s}}' % source),
        (cm, "POST", "/chartmogul/v1/customers",
         '{"data_source_uuid": "%s", "external_id": "z", "name": "Z", "attributes": {"custom": {"k": %%s}}}' % source),
    ]
    for client, method, path, template in cases:
        response = client.request(method, path, content=(template % DEEP).encode())
        assert 400 <= response.status_code < 500, (path, template, response.status_code, response.text[:200])
        assert "nest" in response.text, (path, response.text[:300])
    assert [c["id"] for c in native.get("/v1/contacts").json()["data"]] == [own]
    assert [e["action"] for e in native.get(f"/v1/contacts/{own}/events").json()["data"]] == ["created"]
    assert native.get("/v1/accounts").json()["data"] == []


def test_values_nested_within_the_limit_are_kept(clients):
    native, _, _ = clients
    nested = "[" * 30 + "1" + "]" * 30
    made = native.post("/v1/contacts", content=('{"first_name": "a", "extra": {"k": %s}}' % nested).encode())
    assert made.status_code == 201, made.text
    (line,) = native.get("/v1/export", params={"format": "jsonl"}).text.splitlines()
    value = json.loads(line)["extra"]["k"]
    for _ in range(30):
        (value,) = value
    assert value == 1
