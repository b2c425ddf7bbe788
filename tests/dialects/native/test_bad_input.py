"""Bad input gets a clear 4xx in the native envelope and changes nothing."""

import uuid

import pytest


def _error(response, status):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) >= {"type", "message", "details"}
    return error


def _nothing_stored(api):
    assert api.get("/v1/contacts").json()["data"] == []


def test_malformed_json_is_400(api):
    response = api.post("/v1/contacts", content=b'{"first_name": ', headers={"Content-Type": "application/json"})
    assert _error(response, 400)["type"] == "invalid_request"
    _nothing_stored(api)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"first_name": 12}, "first_name"),
        ({"nickname": "x", "favourite_colour": "red"}, "favourite_colour"),
        ({"first_name": "x" * 301}, "first_name"),
        ({"kind": "robot"}, "kind"),
        ({"birth_date": "10/12/1815"}, "birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date"),
        ({"emails": [{"adress": "a@b.com"}]}, "emails[0].adress"),
        ({"first_name": "x", "addresses": [{}]}, "addresses[0]"),
        ({"first_name": "x", "addresses": [{"type": "home", "line1": "   "}]}, "addresses[0]"),
        ({"first_name": "x", "attributes": {"bio": "x" * 2001}}, "attributes.bio"),
        ({"first_name": "x", "attributes": {"notes": ["ok", {"deep": "y" * 2001}]}}, "attributes.notes"),
    ],
)
def test_wrong_types_unknown_fields_and_long_strings_are_422(api, body, field):
    error = _error(api.post("/v1/contacts", json=body), 422)
    assert field in [d["field"] for d in error["details"]]
    _nothing_stored(api)


def test_invalid_emails_and_phones_are_all_reported_together(api):
    response = api.post("/v1/contacts", json={"emails": ["ok@example.com", "thor@gmail"], "phones": ["12"]})
    error = _error(response, 422)
    assert [d["field"] for d in error["details"]] == ["emails[1].address", "phones[0].number"]
    _nothing_stored(api)


def test_unknown_and_malformed_ids_are_404(api):
    for path in (f"/v1/contacts/{uuid.uuid4()}", "/v1/contacts/not-an-id"):
        assert _error(api.get(path), 404)["type"] == "not_found"
        assert _error(api.patch(path, json={"title": "x"}), 404)
        assert _error(api.delete(path), 404)


def test_another_workspaces_contact_is_invisible(api, client, db):
    from contacthub.core import workspaces

    cid = api.post("/v1/contacts", json={"first_name": "Mine"}).json()["id"]
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    headers = {"Authorization": f"Bearer {other.api_key}"}
    assert client.get(f"/v1/contacts/{cid}", headers=headers).status_code == 404
    assert client.patch(f"/v1/contacts/{cid}", json={"title": "x"}, headers=headers).status_code == 404
    assert client.delete(f"/v1/contacts/{cid}", headers=headers).status_code == 404
    assert client.get("/v1/contacts", headers=headers).json()["data"] == []
    assert api.get(f"/v1/contacts/{cid}").json()["title"] is None


def test_unknown_list_on_a_contact_is_422(api):
    error = _error(api.post("/v1/contacts", json={"first_name": "A", "lists": [str(uuid.uuid4())]}), 422)
    assert error["details"][0]["field"] == "lists[0]"
    _nothing_stored(api)


def test_missing_malformed_and_revoked_keys_are_401(client, workspace, db):
    from contacthub.core import workspaces

    assert _error(client.get("/v1/contacts"), 401)["type"] == "unauthorized"
    assert _error(client.get("/v1/contacts", headers={"Authorization": "Bearer nope"}), 401)
    assert _error(client.get("/v1/contacts", headers={"Authorization": workspace.api_key}), 401)
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    assert client.get("/v1/contacts", headers=headers).status_code == 200
    with db.write() as session:
        workspaces.revoke_key(session, str(workspace.key_id))
    assert _error(client.get("/v1/contacts", headers=headers), 401)


def test_bodies_over_the_limit_are_413(api, settings):
    big = {"notes": "x" * 5000, "attributes": {f"k{i}": "v" * 100 for i in range(12000)}}
    response = api.post("/v1/contacts", json=big)
    assert _error(response, 413)["message"].endswith(f"{settings.max_body_bytes} bytes")
    _nothing_stored(api)


def test_streamed_bodies_over_the_limit_are_413(api, settings):
    def chunks():
        for _ in range(settings.max_body_bytes // 65536 + 2):
            yield b" " * 65536

    response = api.post("/v1/contacts", content=chunks(), headers={"Content-Type": "application/json"})
    _error(response, 413)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 201}, {"cursor": "%%%"}, {"limit": "ten"}])
def test_bad_paging_is_422(api, params):
    _error(api.get("/v1/contacts", params=params), 422)


def test_undefined_typed_attribute_values_are_checked(api):
    api.post("/v1/attribute-definitions", json={"key": "score", "type": "integer"})
    error = _error(api.post("/v1/contacts", json={"attributes": {"score": "high"}}), 422)
    assert error["details"] == [{"field": "attributes.score", "message": "must be an integer"}]
    created = api.post("/v1/contacts", json={"attributes": {"score": "42"}}).json()
    assert created["attributes"] == {"score": 42}
    api.post("/v1/attribute-definitions", json={"key": "ratio", "type": "decimal"})
    for value in ("1e400", "-1e400", "1e-400", "1E+301"):
        error = _error(api.post("/v1/contacts", json={"attributes": {"ratio": value}}), 422)
        assert error["details"][0]["field"] == "attributes.ratio", value
    kept = api.post("/v1/contacts", json={"attributes": {"ratio": "0.000125"}}).json()
    assert kept["attributes"] == {"ratio": 0.000125}
    for bound in ("1e300", "-1E+300", "1e-300"):  # both ends are in the range
        made = api.post("/v1/contacts", json={"attributes": {"ratio": bound}})
        assert made.status_code == 201, (bound, made.text)


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "a\u0000b"},
        {"attributes": {"k": "nul\u0000"}},
        {"emails": ["a\u0000@example.com"]},
        {"notes": "\ud800"},
        {"birth_date": "0000-01-01"},
        {"attributes": {"x" * 65: 1}},
    ],
)
def test_strings_databases_cannot_store_are_refused_cleanly(api, body):
    import json

    response = api.post("/v1/contacts", content=json.dumps(body), headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text
    _nothing_stored(api)


@pytest.mark.parametrize("raw", [b'{"attributes": {"x": NaN}}', b'{"attributes": {"x": Infinity}}'])
def test_non_json_numbers_are_refused(api, raw):
    response = api.post("/v1/contacts", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422), response.text
    _nothing_stored(api)


def test_a_method_a_path_does_not_take_is_405_naming_every_method_it_does(api):
    made = api.post("/v1/contacts", json={"first_name": "Ada"}).json()
    for method, path, allowed in (("PUT", f"/v1/contacts/{made['id']}", "DELETE, GET, PATCH"),
                                  ("DELETE", "/v1/contacts", "GET, POST")):
        response = api.request(method, path)
        assert response.status_code == 405 and response.headers["Allow"] == allowed
        assert response.json()["error"]["type"] == "method_not_allowed"
    assert api.get(f"/v1/contacts/{made['id']}").json()["first_name"] == "Ada"


@pytest.mark.parametrize("path,body", [
    ("/v1/attribute-definitions", {"key": "tier", "description": "a\u0000b"}),
    ("/v1/attribute-definitions", {"key": "tier", "display_name": "\ud800"}),
    ("/v1/lists", {"name": "Friends", "description": "a\u0000b"}),
    ("/v1/lists", {"name": "a\u0000b"}),
])
def test_unstorable_text_in_definitions_and_lists_is_422(api, path, body):
    """A NUL character in a definition's description was a 500 on PostgreSQL (found by the
    OpenAPI conformance test); lists had the same gap."""
    import json

    response = api.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert "error" in response.json()
    assert api.get(path).json()["data"] == []


def test_a_nul_character_in_a_list_filter_is_422_naming_it(api):
    """PostgreSQL cannot compare with a NUL character: it was a 500 (found by the OpenAPI
    conformance test)."""
    for name in ("email", "name", "q", "list", "attributes.plan"):
        response = api.get("/v1/contacts", params={name: "a\x00b"})
        assert response.status_code == 422, (name, response.text)
        assert response.json()["error"]["details"] == [{"field": name, "message": "must not contain NUL characters"}]


def test_a_nul_character_in_a_definition_key_path_is_422(api):
    for method in ("GET", "PATCH", "DELETE"):
        response = api.request(method, "/v1/attribute-definitions/a%00b", json={} if method == "PATCH" else None)
        assert response.status_code == 422, (method, response.text)
        assert response.json()["error"]["details"] == [{"field": "key", "message": "must not contain NUL characters"}]
