"""Auth, malformed requests, unknown and foreign ids: a clear 4xx in the ChartMogul envelope,
nothing stored, never a 500."""

import base64

import pytest

from contacthub.core import workspaces

ENVELOPE = {"code", "message", "param", "errors"}


def _error(response, status, param=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ENVELOPE and body["code"] == status and body["message"], body
    if param is not None:
        assert body["param"] == param, body
    return body


# ---------------------------------------------------------------- auth

def test_basic_auth_with_the_key_as_username(client, workspace):
    key = workspace.api_key
    assert client.get("/chartmogul/v1/ping", auth=(key, "")).json() == {"data": "pong!"}
    assert client.get("/chartmogul/v1/ping", auth=(key, key)).status_code == 200
    manual = base64.b64encode(f"{key}:".encode()).decode()
    assert client.get("/chartmogul/v1/ping", headers={"Authorization": f"Basic {manual}"}).status_code == 200


@pytest.mark.parametrize("headers", [
    {},
    {"Authorization": "Basic " + base64.b64encode(b"chk_unknown:").decode()},
    {"Authorization": "Basic not-base64!!"},
    {"Authorization": "Bearer chk_whatever"},
])
def test_missing_or_bad_credentials_are_401(client, headers):
    response = client.get("/chartmogul/v1/contacts", headers=headers)
    _error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_a_wrong_password_is_401(client, workspace):
    _error(client.get("/chartmogul/v1/contacts", auth=(workspace.api_key, "something-else")), 401)


def test_a_revoked_key_is_401(client, db, workspace):
    with db.write() as session:
        workspaces.revoke_key(session, str(workspace.key_id))
    _error(client.get("/chartmogul/v1/contacts", auth=(workspace.api_key, "")), 401)


# ---------------------------------------------------------------- bodies

def test_malformed_json_is_400(cm, customer):
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts", content=b'{"first_name": ',
                       headers={"Content-Type": "application/json"})
    _error(response, 400)
    _error(cm.patch("/v1/contacts/con_00000000-0000-0000-0000-000000000000", content=b"{",
                    headers={"Content-Type": "application/json"}), 400)
    assert cm.get("/v1/contacts").json()["entries"] == []


@pytest.mark.parametrize("body", [b"[]", b'"text"', b"42", b""])
def test_a_body_that_is_not_an_object_is_400(cm, customer, body):
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts", content=body,
                       headers={"Content-Type": "application/json"})
    _error(response, 400)


@pytest.mark.parametrize("field, value", [
    ("first_name", 5), ("email", ["a@b.c"]), ("position", "first"), ("custom", "x"),
    ("notes", {"a": 1}), ("first_name", "x" * 301), ("external_id", "x" * 501), ("notes", "x" * 10_001),
])
def test_wrong_types_and_sizes_are_422_naming_the_field(cm, customer, field, value):
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                       json={"data_source_uuid": customer["data_source_uuid"], field: value})
    body = _error(response, 422)
    assert body["param"].startswith(field), body
    assert cm.get("/v1/contacts").json()["entries"] == []


def test_a_custom_entry_without_key_is_a_missing_parameter(cm, customer):
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                       json={"data_source_uuid": customer["data_source_uuid"], "custom": [{"value": "no key"}]})
    _error(response, 400, "custom[0].key")


def test_a_custom_entry_without_value_is_a_missing_parameter_and_removes_nothing(cm, customer, define):
    """`value` is required (ChartMogul's docs); a missing one was taken as null, which removes
    the key: a PATCH of {"key": "channel"} deleted the stored value. An explicit null still does."""
    define("channel")
    made = cm.post(f"/v1/customers/{customer['uuid']}/contacts", json={
        "data_source_uuid": customer["data_source_uuid"], "custom": [{"key": "channel", "value": "Facebook"}]}).json()
    _error(cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": [{"key": "channel"}]}), 400, "custom[0].value")
    assert cm.get(f"/v1/contacts/{made['uuid']}").json()["custom"] == {"channel": "Facebook"}
    _error(cm.post(f"/v1/customers/{customer['uuid']}/contacts", json={
        "data_source_uuid": customer["data_source_uuid"], "custom": [{"key": "undefined_here"}]}), 400, "custom[0].value")
    cleared = cm.patch(f"/v1/contacts/{made['uuid']}", json={"custom": [{"key": "channel", "value": None}]})
    assert cleared.status_code == 200 and cleared.json()["custom"] == {}


def test_oversized_body_is_413_in_the_envelope(cm, customer):
    big = {"data_source_uuid": customer["data_source_uuid"], "notes": "x" * 2_000_000}
    _error(cm.post(f"/v1/customers/{customer['uuid']}/contacts", json=big), 413)
    assert cm.get("/v1/contacts").json()["entries"] == []


def test_malformed_ids_in_bodies_and_queries_are_422(cm, customer):
    response = cm.post(f"/v1/customers/{customer['uuid']}/contacts", json={"data_source_uuid": "ds_nope"})
    _error(response, 422, "data_source_uuid")
    _error(cm.get("/v1/contacts", params={"customer_uuid": "garbage"}), 422, "customer_uuid")
    _error(cm.get("/v1/contacts", params={"cursor": "!!!"}), 422, "cursor")


def test_unknown_routes_and_methods_use_the_envelope(cm):
    _error(cm.get("/v1/nothing-here"), 404)
    _error(cm.put("/v1/contacts/con_00000000-0000-0000-0000-000000000000", json={}), 405)


# ---------------------------------------------------------------- workspaces

def test_another_workspaces_objects_are_not_found(cm, client, db, customer):
    made = cm.post(f"/v1/customers/{customer['uuid']}/contacts",
                   json={"data_source_uuid": customer["data_source_uuid"], "email": "ada@example.com"}).json()
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    auth = (other.api_key, "")
    base = "/chartmogul/v1"
    _error(client.get(f"{base}/contacts/{made['uuid']}", auth=auth), 404, "contact")
    _error(client.patch(f"{base}/contacts/{made['uuid']}", json={"first_name": "x"}, auth=auth), 404)
    _error(client.delete(f"{base}/contacts/{made['uuid']}", auth=auth), 404)
    _error(client.get(f"{base}/customers/{customer['uuid']}", auth=auth), 404, "customer")
    _error(client.get(f"{base}/customers/{customer['uuid']}/contacts", auth=auth), 404)
    _error(client.post(f"{base}/customers/{customer['uuid']}/contacts",
                       json={"data_source_uuid": customer["data_source_uuid"]}, auth=auth), 404)
    _error(client.post(f"{base}/contacts", json={"data_source_uuid": customer["data_source_uuid"]}, auth=auth),
           422, "data_source_uuid")
    _error(client.delete(f"{base}/data_sources/{customer['data_source_uuid']}", auth=auth), 404, "data_source")
    theirs = client.post(f"{base}/data_sources", json={"name": "Theirs"}, auth=auth).json()
    their_contact = client.post(f"{base}/contacts", json={"data_source_uuid": theirs["uuid"]}, auth=auth).json()
    _error(client.post(f"{base}/contacts/{made['uuid']}/merge/{their_contact['uuid']}", auth=auth), 404)
    assert client.get(f"{base}/contacts", params={"email": "ada@example.com"}, auth=auth).json()["entries"] == []
    assert [d["uuid"] for d in client.get(f"{base}/data_sources", auth=auth).json()["data_sources"]] == [theirs["uuid"]]
    # Nothing of ours changed.
    assert cm.get(f"/v1/contacts/{made['uuid']}").json() == made


# ---------------------------------------------------------------- found by the fuzz test (tests/dialects/chartmogul/test_fuzz.py)

def _everything(cm, native):
    return (cm.get("/v1/contacts").json(), cm.get("/v1/customers").json(), cm.get("/v1/data_sources").json(),
            native.get("/v1/contacts").json())


@pytest.mark.parametrize("position", [2**31, 2**63, 10**30])
def test_a_position_past_the_column_is_422(cm, native, customer, position):
    """Was a 500: an integer SQLite cannot hold, or past PostgreSQL's integer column."""
    made = cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"],
                                         "customer_uuid": customer["uuid"], "first_name": "A"}).json()
    before = _everything(cm, native)
    _error(cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"],
                                         "customer_uuid": customer["uuid"], "position": position}), 422, "position")
    _error(cm.patch(f"/v1/contacts/{made['uuid']}", json={"position": position}), 422, "position")
    assert _everything(cm, native) == before
    assert cm.patch(f"/v1/contacts/{made['uuid']}", json={"position": 2**31 - 1}).json()["position"] == 2**31 - 1


@pytest.mark.parametrize("field", ["external_id", "first_name", "title", "notes", "email", "phone", "linked_in"])
def test_a_nul_character_is_422_on_create_and_update(cm, native, customer, field):
    """external_id with a NUL was a 500 (a bare validation error in the core), on both engines."""
    made = cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"], "first_name": "A"}).json()
    before = _everything(cm, native)
    _error(cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"], field: "a\u0000b"}), 422)
    body = _error(cm.patch(f"/v1/contacts/{made['uuid']}", json={field: "a\u0000b"}), 422)
    assert body["param"] == field, body
    assert _everything(cm, native) == before


@pytest.mark.parametrize("path,body,param", [
    ("/v1/data_sources", {"name": "a\u0000"}, "name"),
    ("/v1/customers", {"external_id": "e\u0000"}, "external_id"),
    ("/v1/customers", {"external_id": "e1", "name": "\u0000"}, "name"),
    ("/v1/customers", {"external_id": "e1", "attributes": {"tags": ["t\u0000"]}}, "attributes"),
    ("/v1/customers", {"external_id": "e1", "city": "x" * 201}, "city"),
])
def test_a_nul_character_in_a_data_source_or_customer_is_422(cm, native, source, path, body, param):
    """Were 500s on PostgreSQL."""
    if path == "/v1/customers":
        body = {"data_source_uuid": source["uuid"], **body}
    before = _everything(cm, native)
    response = _error(cm.post(path, json=body), 422)
    assert response["param"].startswith(param), response
    assert _everything(cm, native) == before


def test_a_long_external_id_is_kept_and_found(cm, customer):
    """An external_id over 196 characters was a 500 on PostgreSQL (its identity key was longer
    than the index's column)."""
    long_id = "x" * 480
    made = cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"], "external_id": long_id})
    assert made.status_code == 201, made.text
    found = cm.get("/v1/contacts", params={"external_id": long_id}).json()["entries"]
    assert [c["uuid"] for c in found] == [made.json()["uuid"]]
    updated = cm.patch(f"/v1/contacts/{made.json()['uuid']}", json={"external_id": "y" * 500})
    assert updated.status_code == 200 and updated.json()["external_id"] == "y" * 500


@pytest.mark.parametrize("field,limit", [("first_name", 200), ("last_name", 200), ("title", 200)])
def test_names_longer_than_their_column_are_422(cm, native, customer, field, limit):
    """A 250-character first name passed the 300 limit and was a 500 on PostgreSQL (a 200 column)."""
    before = _everything(cm, native)
    body = _error(cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"],
                                                field: "x" * (limit + 1)}), 422)
    assert body["param"] == field
    assert _everything(cm, native) == before
    ok = cm.post("/v1/contacts", json={"data_source_uuid": customer["data_source_uuid"], field: "x" * limit})
    assert ok.status_code == 201 and ok.json()[field] == "x" * limit


@pytest.mark.parametrize("param", ["email", "external_id", "customer_external_id", "cursor"])
def test_a_nul_character_in_a_query_is_422(cm, customer, param):
    """email=%00 was a 500 on PostgreSQL (it refuses NUL even in a filter)."""
    body = _error(cm.get("/v1/contacts", params={param: "a\u0000"}), 422, param)
    assert "NUL" in body["message"]
    _error(cm.get("/v1/customers", params={"external_id": "\u0000"}), 422, "external_id")
    _error(cm.get("/v1/data_sources", params={"name": "\u0000"}), 422, "name")
