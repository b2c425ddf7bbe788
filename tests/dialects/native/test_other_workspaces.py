"""Another workspace's ids, through the routes that take them: each answers 404 as for an id
that does not exist, and the other workspace's data stays as it was."""

from fastapi.testclient import TestClient

from contacthub.core import workspaces


def test_another_workspace_s_ids_are_no_one_s_here(api, app, db):
    with db.write() as session:
        theirs = workspaces.create_workspace(session, "elsewhere")
    other = TestClient(app, headers={"Authorization": f"Bearer {theirs.api_key}"})
    group = other.post("/v1/contacts", json={"kind": "group", "display_name": "Their team"}).json()["id"]
    acme = other.post("/v1/contacts", json={"kind": "organization", "organization_name": "Their Acme"}).json()["id"]
    ada = other.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"],
                                           "identifiers": [{"key": "crm", "value": "c-1"}]}).json()["id"]
    gone = other.post("/v1/contacts", json={"first_name": "Gone"}).json()["id"]
    other.delete(f"/v1/contacts/{gone}")
    source = other.post("/v1/data-sources", json={"name": "Billing"}).json()["id"]
    account = other.post("/v1/accounts", json={"data_source_id": source, "external_id": "a-1"}).json()["id"]
    before = other.get("/v1/contacts").json()["data"]

    mine = api.post("/v1/contacts", json={"first_name": "Grace"}).json()["id"]
    for response in (
        api.get(f"/v1/groups/{group}/members"),
        api.put(f"/v1/groups/{group}/members", json={"children": [mine]}),
        api.get(f"/v1/organizations/{acme}/members"),
        api.put(f"/v1/organizations/{acme}/members", json={"members": [mine]}),
        api.get(f"/v1/contacts/{ada}/groups"),
        api.get(f"/v1/contacts/{ada}/organizations"),
        api.post(f"/v1/contacts/{ada}/erase"),
        api.post(f"/v1/contacts/{gone}/undelete"),
        api.get(f"/v1/accounts/{account}"),
        api.patch(f"/v1/accounts/{account}", json={"name": "Mine now"}),
        api.delete(f"/v1/accounts/{account}"),
        api.get(f"/v1/data-sources/{source}"),
        api.delete(f"/v1/data-sources/{source}"),
        api.delete(f"/v1/keys/{theirs.key_id}"),
    ):
        assert response.status_code == 404, (response.request.method, response.request.url.path, response.text)
    # their contact is no member candidate here either
    assert api.put(f"/v1/groups/{mine}/members", json={"children": []}).status_code == 404  # Grace is no group
    made = api.post("/v1/contacts", json={"kind": "group", "display_name": "My team"}).json()["id"]
    refused = api.put(f"/v1/groups/{made}/members", json={"children": [ada]})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "children[0]"
    # their identifier is not found by a batch upsert here: a contact of this workspace is made
    upserted = api.post("/v1/contacts/batch/upsert", json={"identifier_key": "crm", "contacts": [
        {"first_name": "Augusta", "identifiers": [{"key": "crm", "value": "c-1"}]}]}).json()
    assert upserted["data"][0]["status"] == "created" and upserted["data"][0]["contact"]["id"] != ada
    listed = api.get("/v1/contacts", params={"account": account})  # their account is none of ours
    assert listed.status_code == 404 and "Mine now" not in listed.text

    # and theirs is as it was
    assert other.get("/v1/contacts").json()["data"] == before
    assert other.get(f"/v1/accounts/{account}").json()["name"] is None
    assert other.get(f"/v1/data-sources/{source}").status_code == 200
    assert other.get("/v1/workspace").json()["id"] == str(theirs.workspace_id)
