"""Data sources and accounts through the native API (ChartMogul's customers are the same
accounts), and contacts filtered by account or identifier."""

import base64

from contacthub.core import import_jobs, workspaces


def test_data_sources_and_accounts_and_their_contacts(api):
    source = api.post("/v1/data-sources", json={"name": "Billing"})
    assert source.status_code == 201, source.text
    source = source.json()
    assert (source["name"], source["system"], source["status"]) == ("Billing", "Import API", "idle")
    assert api.post("/v1/data-sources", json={"name": "Billing"}).status_code == 422  # a name is unique
    assert [d["id"] for d in api.get("/v1/data-sources").json()["data"]] == [source["id"]]

    made = api.post("/v1/accounts", json={"data_source_id": source["id"], "external_id": "cus_1", "name": "Acme",
                                          "country": "US", "attributes": {"tags": ["vip"]}})
    assert made.status_code == 201, made.text
    acme = made.json()
    assert (acme["external_id"], acme["name"], acme["attributes"]) == ("cus_1", "Acme", {"tags": ["vip"]})
    dup = api.post("/v1/accounts", json={"data_source_id": source["id"], "external_id": "cus_1"})
    assert dup.status_code == 422 and dup.json()["error"]["details"][0]["field"] == "external_id"

    ada = api.post("/v1/contacts", json={"first_name": "Ada", "accounts": [{"id": acme["id"]}],
                                         "identifiers": [{"key": "crm", "value": "c-1"}]}).json()
    api.post("/v1/contacts", json={"first_name": "Grace"})
    assert [c["id"] for c in api.get("/v1/contacts", params={"account": acme["id"]}).json()["data"]] == [ada["id"]]
    assert [c["id"] for c in api.get("/v1/contacts", params={"identifier": "crm=c-1"}).json()["data"]] == [ada["id"]]
    assert api.get("/v1/contacts", params={"identifier": "crm=nobody"}).json()["data"] == []
    bad = api.get("/v1/contacts", params={"identifier": "crm"})
    assert bad.status_code == 422 and bad.json()["error"]["details"][0]["field"] == "identifier"

    # filtered and paged lists
    listed = api.get("/v1/accounts", params={"data_source_id": source["id"], "external_id": "cus_1"}).json()
    assert [a["id"] for a in listed["data"]] == [acme["id"]] and listed["has_more"] is False
    # the same account is ChartMogul's customer
    token = api.headers["Authorization"].removeprefix("Bearer ")
    auth = {"Authorization": "Basic " + base64.b64encode(f"{token}:".encode()).decode()}
    customer = api.get(f"/chartmogul/v1/customers/cus_{acme['id']}", headers=auth)
    assert customer.status_code == 200 and customer.json()["name"] == "Acme"

    patched = api.patch(f"/v1/accounts/{acme['id']}", json={"name": "Acme Inc", "country": None})
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["country"], patched.json()["external_id"]) == ("Acme Inc", None, "cus_1")
    assert api.patch(f"/v1/accounts/{acme['id']}", json={"external_id": None}).status_code == 422
    assert api.patch(f"/v1/accounts/{acme['id']}", json={"data_source_id": source["id"]}).status_code == 422
    events = api.get("/v1/events").json()["data"]
    assert any(e["subject_type"] == "account" and e["action"] == "updated" for e in events)

    assert api.delete(f"/v1/accounts/{acme['id']}").status_code == 204
    assert api.get(f"/v1/accounts/{acme['id']}").status_code == 404
    assert api.get(f"/v1/contacts/{ada['id']}").json()["accounts"] == []  # the contact stays
    assert api.delete(f"/v1/data-sources/{source['id']}").status_code == 204
    assert api.get(f"/v1/data-sources/{source['id']}").status_code == 404


def test_a_deleted_account_or_data_source_leaves_its_contacts_with_the_change_recorded(api):
    source = api.post("/v1/data-sources", json={"name": "Billing"}).json()
    other = api.post("/v1/data-sources", json={"name": "Support"}).json()
    acme, globex, initech = (api.post("/v1/accounts", json={"data_source_id": s["id"], "external_id": e}).json()
                             for s, e in ((source, "acme"), (source, "globex"), (other, "initech")))
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "accounts": [{"id": acme["id"]}, {"id": initech["id"]}]}
                   ).json()["id"]
    bob = api.post("/v1/contacts", json={"first_name": "Bob", "accounts": [{"id": globex["id"]}]}).json()["id"]

    def actions(cid):
        return [(e["action"], sorted(e["changes"])) for e in api.get(f"/v1/contacts/{cid}/events").json()["data"]]

    updated_before = api.get(f"/v1/contacts/{ada}").json()["updated_at"]
    assert api.delete(f"/v1/accounts/{initech['id']}").status_code == 204
    assert actions(ada)[-1] == ("updated", ["accounts"])
    was, now = api.get(f"/v1/contacts/{ada}/events").json()["data"][-1]["changes"]["accounts"]
    assert [a["id"] for a in was] == [acme["id"], initech["id"]] and [a["id"] for a in now] == [acme["id"]]
    assert api.get(f"/v1/contacts/{ada}").json()["updated_at"] > updated_before
    assert [a["id"] for a in api.get(f"/v1/contacts/{ada}").json()["accounts"]] == [acme["id"]]

    since = api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["next_since"]
    assert api.delete(f"/v1/data-sources/{source['id']}").status_code == 204
    feed = api.get("/v1/changes", params={"since": since, "limit": 200}).json()["data"]
    assert sorted((e["subject_type"], e["subject_id"], e["action"]) for e in feed) == sorted([
        ("contact", ada, "updated"), ("contact", bob, "updated"), ("account", acme["id"], "deleted"),
        ("account", globex["id"], "deleted"), ("data_source", source["id"], "deleted")])
    assert api.get(f"/v1/contacts/{ada}").json()["accounts"] == api.get(f"/v1/contacts/{bob}").json()["accounts"] == []


def test_unknown_ids_and_bad_input(api):
    missing = "00000000-0000-0000-0000-000000000000"
    assert api.get(f"/v1/accounts/{missing}").status_code == 404
    assert api.get("/v1/accounts/nope").status_code == 404
    assert api.patch(f"/v1/accounts/{missing}", json={"name": "x"}).status_code == 404
    assert api.delete(f"/v1/data-sources/{missing}").status_code == 404
    response = api.post("/v1/accounts", json={"data_source_id": missing, "external_id": "x"})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "data_source_id"
    assert api.post("/v1/accounts", json={"external_id": "x"}).status_code == 422
    assert api.post("/v1/data-sources", json={"name": ""}).status_code == 422
    # a NUL reaching SQL through a filter is refused before it gets there
    assert api.get("/v1/accounts", params={"external_id": "a\x00b"}).status_code == 422
    assert api.get("/v1/data-sources", params={"name": "a\x00b"}).status_code == 422


def test_an_accounts_tags_custom_and_lead_dates_are_checked_as_every_door_reads_them(api):
    """`tags` a list of texts, `custom` an object, lead dates ISO-8601 date-times: an account is
    a ChartMogul customer too, and one written otherwise broke that door's customer list (500)."""
    source = api.post("/v1/data-sources", json={"name": "Billing"}).json()

    def create(**fields):
        return api.post("/v1/accounts", json={"data_source_id": source["id"], "external_id": "cus_x", **fields})

    for fields, fault in [({"attributes": {"custom": [1]}}, "custom"), ({"attributes": {"tags": "vip"}}, "tags"),
                          ({"attributes": {"tags": [1, 2]}}, "tags"), ({"extra": {"lead_created_at": "garbage"}}, "lead_created_at"),
                          ({"extra": {"free_trial_started_at": 5}}, "free_trial_started_at")]:
        refused = create(**fields)
        assert refused.status_code == 422, (fields, refused.text)
        assert fault in refused.json()["error"]["details"][0]["message"]
    assert api.get("/v1/accounts").json()["data"] == []
    made = create(attributes={"tags": ["vip"], "custom": {"seats": 3}, "note": "kept"},
                  extra={"lead_created_at": "2024-05-01T12:00:00+02:00", "source": "web"})
    assert made.status_code == 201, made.text
    assert made.json()["attributes"] == {"tags": ["vip"], "custom": {"seats": 3}, "note": "kept"}
    assert made.json()["extra"] == {"lead_created_at": "2024-05-01T10:00:00.000Z", "source": "web"}
    patched = api.patch(f"/v1/accounts/{made.json()['id']}", json={"attributes": {"custom": "x"}})
    assert patched.status_code == 422
    assert api.get(f"/v1/accounts/{made.json()['id']}").json()["attributes"]["custom"] == {"seats": 3}


def test_lists_data_sources_and_accounts_take_an_id_so_a_backup_restores_into_a_new_workspace(api, client, db, settings):
    """A JSONL export names lists and accounts by id; a restore into another workspace keeps the
    memberships once they are made there first, under the same ids (409 for an id taken)."""
    source = api.post("/v1/data-sources", json={"name": "Billing"}).json()
    account = api.post("/v1/accounts", json={"data_source_id": source["id"], "external_id": "cus_1", "name": "Acme"}).json()
    team = api.post("/v1/lists", json={"name": "Team"}).json()
    api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"], "lists": [team["id"]],
                                   "accounts": [{"id": account["id"]}]})
    backup = api.get("/v1/export").content

    with db.write() as session:
        other = workspaces.create_workspace(session, "restored")
    restored = {"Authorization": f"Bearer {other.api_key}"}
    assert client.post("/v1/data-sources", headers=restored, json={"id": source["id"], "name": "Billing"}).status_code == 201
    made = client.post("/v1/accounts", headers=restored, json={
        "id": account["id"], "data_source_id": source["id"], "external_id": "cus_1", "name": "Acme"})
    assert made.status_code == 201 and made.json()["id"] == account["id"]
    assert client.post("/v1/lists", headers=restored, json={"id": team["id"], "name": "Team"}).json()["id"] == team["id"]
    taken = client.post("/v1/lists", headers=restored, json={"id": team["id"], "name": "Again"})
    assert taken.status_code == 409 and taken.json()["error"]["existing_id"] == team["id"]
    assert client.post("/v1/accounts", headers=restored, json={
        "id": account["id"], "data_source_id": source["id"], "external_id": "cus_2"}).status_code == 409
    assert [x["name"] for x in client.get("/v1/lists", headers=restored).json()["data"]] == ["Team"]

    job = client.post("/v1/imports", headers=restored, files={"file": ("backup.jsonl", backup)}).json()
    while import_jobs.work_once(db, "test", settings) is not None:
        pass
    assert client.get(f"/v1/imports/{job['id']}", headers=restored).json()["status"] == "succeeded"
    [ada] = client.get("/v1/contacts", headers=restored).json()["data"]
    assert ada["lists"] == [team["id"]] and [a["id"] for a in ada["accounts"]] == [account["id"]]
