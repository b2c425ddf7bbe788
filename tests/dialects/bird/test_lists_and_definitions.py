"""Bird lists (CRUD, members by id or identifier, a contact's lists) and attribute definitions
(typed values enforced on contacts)."""

import uuid


def _contact(bird, email=None, name="A"):
    body = {"displayName": name}
    if email:
        body["identifiers"] = [{"key": "emailaddress", "value": email}]
    response = bird.post(bird.ws + "/contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_list_crud(bird, workspace):
    created = bird.post(bird.ws + "/lists", json={"name": "VIP", "description": "the best"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "VIP" and body["description"] == "the best" and body["contactCount"] == 0
    assert body["workspaceId"] == str(workspace.workspace_id)
    url = f"{bird.ws}/lists/{body['id']}"
    assert bird.get(url).json()["name"] == "VIP"
    patched = bird.patch(url, json={"name": "VIPs"})
    assert patched.status_code == 200 and patched.json()["name"] == "VIPs"
    assert patched.json()["description"] == "the best"
    second = bird.post(bird.ws + "/lists", json={"name": "Other"}).json()
    page = bird.get(bird.ws + "/lists?limit=1").json()
    assert [r["id"] for r in page["results"]] == [body["id"]]
    rest = bird.get(bird.ws + "/lists", params={"nextPageToken": page["nextPageToken"]}).json()
    assert [r["id"] for r in rest["results"]] == [second["id"]]
    assert bird.delete(url).status_code == 204
    assert bird.get(url).status_code == 404
    assert bird.delete(url).status_code == 404


def test_list_validation(bird):
    for body in ({"name": "x"}, {"name": "x" * 257}, {}, {"name": 5}):
        response = bird.post(bird.ws + "/lists", json=body)
        assert response.status_code == 422, body
        assert ".name" in response.json()["details"]
    assert bird.get(bird.ws + "/lists").json()["results"] == []
    assert bird.get(f"{bird.ws}/lists/{uuid.uuid4()}").status_code == 404


def test_members_by_id_and_identifier(bird):
    list_id = bird.post(bird.ws + "/lists", json={"name": "News"}).json()["id"]
    a = _contact(bird, "a@x.com")
    b = _contact(bird, "b@x.com")
    c = _contact(bird)
    url = f"{bird.ws}/lists/{list_id}/contacts"
    added = bird.post(url, json={"contacts": [c, str(uuid.uuid4())],
                                 "identifiers": [{"key": "emailaddress", "value": "A@x.com"},
                                                 {"key": "emailaddress", "value": "nobody@x.com"}]})
    assert added.status_code == 200, added.text
    assert added.json() == {"itemsProcessed": 2}
    members = bird.get(url).json()["results"]
    assert sorted(m["id"] for m in members) == sorted([a, c])
    assert bird.get(f"{bird.ws}/lists/{list_id}").json()["contactCount"] == 2
    assert bird.post(url, json={"contacts": [b]}).json() == {"itemsProcessed": 1}
    first = bird.get(url + "?limit=2").json()
    assert len(first["results"]) == 2 and first["nextPageToken"]
    removed = bird.request("DELETE", url, json={"identifiers": [{"key": "emailaddress", "value": "b@x.com"}]})
    assert removed.status_code == 200 and removed.json() == {"itemsProcessed": 1}
    assert sorted(m["id"] for m in bird.get(url).json()["results"]) == sorted([a, c])
    lists_of_a = bird.get(f"{bird.ws}/contacts/{a}/lists").json()["results"]
    assert [entry["id"] for entry in lists_of_a] == [list_id]
    assert bird.get(f"{bird.ws}/contacts/{b}/lists").json()["results"] == []
    assert bird.get(f"{bird.ws}/contacts/{uuid.uuid4()}/lists").status_code == 404


def test_members_limits_and_unknown_list(bird):
    list_id = bird.post(bird.ws + "/lists", json={"name": "News"}).json()["id"]
    too_many = bird.post(f"{bird.ws}/lists/{list_id}/contacts", json={"contacts": [str(uuid.uuid4())] * 101})
    assert too_many.status_code == 422
    malformed = bird.post(f"{bird.ws}/lists/{list_id}/contacts", json={"contacts": ["nope"]})
    assert malformed.status_code == 422 and malformed.json()["code"] == "InvalidPayload"
    unknown = bird.post(f"{bird.ws}/lists/{uuid.uuid4()}/contacts", json={"contacts": []})
    assert unknown.status_code == 404


def test_attribute_definitions(bird):
    created = bird.post(bird.ws + "/attribute-definitions", json={
        "key": "age", "displayName": "Age", "cardinality": "one", "type": "number", "pii": False, "readOnly": False})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["key"] == "age" and body["type"] == "number" and body["cardinality"] == "one"
    assert body["displayName"] == "Age" and body["pii"] is False and body["readOnly"] is False
    again = bird.post(bird.ws + "/attribute-definitions", json={"key": "age", "type": "string"})
    assert again.status_code == 409 and again.json()["code"] == "ResourceAlreadyExists"
    assert bird.get(bird.ws + "/attribute-definitions/age").json()["id"] == body["id"]
    assert bird.get(f"{bird.ws}/attribute-definitions/{body['id']}").json()["key"] == "age"
    assert bird.get(bird.ws + "/attribute-definitions/nope").status_code == 404
    assert [d["key"] for d in bird.get(bird.ws + "/attribute-definitions").json()["results"]] == ["age"]
    for bad in ({"key": "bad key"}, {"key": "x", "type": "integer"}, {"key": "x", "cardinality": "some"}):
        response = bird.post(bird.ws + "/attribute-definitions", json=bad)
        assert response.status_code == 422, bad


def test_typed_definitions_are_enforced_and_undefined_keys_allowed(bird, workspace):
    for definition in ({"key": "age", "type": "number"}, {"key": "vip", "type": "boolean"},
                       {"key": "since", "type": "datetime"}, {"key": "tags", "type": "string", "cardinality": "many"}):
        assert bird.post(bird.ws + "/attribute-definitions", json=definition).status_code == 201
    good = bird.post(bird.ws + "/contacts", json={"displayName": "A", "attributes": {
        "age": 42, "vip": True, "since": "2024-01-02T03:04:05Z", "tags": ["a", "b"], "undefinedKey": "kept"}})
    assert good.status_code == 201, good.text
    attrs = good.json()["attributes"]
    assert attrs["age"] == 42 and attrs["vip"] is True and attrs["tags"] == ["a", "b"]
    assert attrs["since"].startswith("2024-01-02T03:04:05") and attrs["undefinedKey"] == "kept"
    bad = bird.post(bird.ws + "/contacts", json={"displayName": "B", "attributes": {
        "age": "old", "vip": "maybe", "since": "yesterday"}})
    assert bad.status_code == 422
    assert {".attributes.age", ".attributes.vip", ".attributes.since"} <= set(bad.json()["details"])
    patch = bird.patch(f"{bird.ws}/contacts/{good.json()['id']}", json={"attributes": {"age": "x"}})
    assert patch.status_code == 422
    assert bird.get(f"{bird.ws}/contacts/{good.json()['id']}").json()["attributes"]["age"] == 42
    native = bird.get("/v1/attribute-definitions/age", headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert native.json()["type"] == "decimal"


def test_null_list_or_account_ids_in_a_patch_are_422_and_keep_the_memberships(bird):
    lst = bird.post(bird.ws + "/lists", json={"name": "Keep"}).json()
    made = bird.post(bird.ws + "/contacts", json={"displayName": "M", "listIds": [lst["id"]]}).json()
    for field in ("listIds", "accountIds"):
        response = bird.patch(f"{bird.ws}/contacts/{made['id']}", json={field: None})
        assert response.status_code == 422 and f".{field}" in response.json()["details"]
    assert bird.get(f"{bird.ws}/contacts/{made['id']}").json()["listIds"] == [lst["id"]]
    emptied = bird.patch(f"{bird.ws}/contacts/{made['id']}", json={"listIds": []})
    assert emptied.status_code == 200 and emptied.json()["listIds"] == []


def test_read_only_attributes_are_written_only_by_an_upsert_that_says_so(bird, client, workspace):
    assert bird.post(bird.ws + "/attribute-definitions", json={
        "key": "ro", "displayName": "RO", "type": "string", "readOnly": True}).status_code == 201
    refused = bird.post(bird.ws + "/contacts", json={"displayName": "N", "attributes": {"ro": "x"}})
    assert refused.status_code == 422 and ".attributes.ro" in refused.json()["details"]
    upsert = f"{bird.ws}/contacts/identifiers/emailaddress/ro@example.com"
    assert bird.patch(upsert, json={"attributes": {"ro": "x"}}).status_code == 422
    made = bird.patch(upsert, json={"attributes": {"ro": "x"}, "allowWritingReadOnly": True})
    assert made.status_code == 201 and made.json()["attributes"]["ro"] == "x"
    cid = made.json()["id"]
    # writing back what was read is no write; changing or removing it is
    assert bird.patch(f"{bird.ws}/contacts/{cid}", json={"attributes": {"ro": "x", "other": 1}}).status_code == 200
    for value in ("y", None):
        changed = bird.patch(f"{bird.ws}/contacts/{cid}", json={"attributes": {"ro": value}})
        assert changed.status_code == 422 and ".attributes.ro" in changed.json()["details"]
    assert bird.get(f"{bird.ws}/contacts/{cid}").json()["attributes"]["ro"] == "x"
    # the native API, the workspace's own door, writes it
    native = client.patch(f"/v1/contacts/{cid}", headers={"Authorization": f"Bearer {workspace.api_key}"},
                          json={"attributes": {"ro": "z"}})
    assert native.status_code == 200 and native.json()["attributes"]["ro"] == "z"


def test_the_answers_have_the_shapes_the_openapi_document_shows(bird):
    from contacthub.dialects.bird import schemas

    def shaped(response, model, status=200):
        assert response.status_code == status, response.text
        return model.model_validate(response.json())

    ada = _contact(bird, "ada@example.com", "Ada")
    vip = shaped(bird.post(bird.ws + "/lists", json={"name": "VIP"}), schemas.ListOut, 201)
    shaped(bird.get(bird.ws + "/lists"), schemas.ListPageOut)
    shaped(bird.get(f"{bird.ws}/lists/{vip.id}"), schemas.ListOut)
    shaped(bird.patch(f"{bird.ws}/lists/{vip.id}", json={"description": "the few"}), schemas.ListOut)
    added = shaped(bird.post(f"{bird.ws}/lists/{vip.id}/contacts", json={"contacts": [ada]}), schemas.ItemsProcessedOut)
    assert added.itemsProcessed == 1
    shaped(bird.get(f"{bird.ws}/contacts/{ada}/lists"), schemas.ListPageOut)
    shaped(bird.get(f"{bird.ws}/contacts/{ada}/identifiers"), schemas.IdentifierPageOut)
    found = shaped(bird.post(bird.ws + "/contacts/search",
                             json={"identifier": {"key": "emailaddress", "value": "ada@example.com"}}), schemas.SearchOut)
    assert [str(c.id) for c in found.results] == [ada]
    shaped(bird.request("DELETE", f"{bird.ws}/lists/{vip.id}/contacts", json={"contacts": [ada]}),
           schemas.ItemsProcessedOut)
    shaped(bird.post(bird.ws + "/attribute-definitions", json={"key": "tier", "type": "string"}),
           schemas.DefinitionOut, 201)
    shaped(bird.get(bird.ws + "/attribute-definitions"), schemas.DefinitionListOut)
    shaped(bird.get(bird.ws + "/attribute-definitions/tier"), schemas.DefinitionOut)
