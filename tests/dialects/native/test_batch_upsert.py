"""POST /v1/contacts/batch/upsert: many contacts, each known by an identifier, updated where a
contact holds it and created where none does; the whole batch or nothing."""

import pytest

URL = "/v1/contacts/batch/upsert"


def crm(value: str, **contact) -> dict:
    return {"identifiers": [{"key": "crm", "value": value}], **contact}


def everyone(api) -> dict[str, dict]:
    """The workspace's contacts by their crm identifier."""
    found = {}
    for c in api.get("/v1/contacts", params={"limit": 200}).json()["data"]:
        for i in c["identifiers"]:
            if i["key"] == "crm":
                found[i["value"]] = c
    return found


@pytest.fixture
def ada(api) -> dict:
    response = api.post("/v1/contacts", json={
        "first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"],
        "identifiers": [{"key": "crm", "value": "c-1"}, {"key": "hubspot", "value": "h-7"}]})
    assert response.status_code == 201
    return response.json()


def test_creates_what_no_contact_holds_and_updates_what_one_does(api, ada):
    response = api.post(URL, json={"identifier_key": "crm", "contacts": [
        crm("c-1", title="Countess", phones=["+44 20 7946 0958"]),
        crm("c-2", first_name="Grace", emails=["grace@example.com"]),
    ]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["created"], body["updated"]) == (1, 1)
    assert [d["status"] for d in body["data"]] == ["updated", "created"]
    updated, created = (d["contact"] for d in body["data"])
    # an update is a PATCH that keeps the contact's other identifiers
    assert updated["id"] == ada["id"] and updated["title"] == "Countess" and updated["first_name"] == "Ada"
    assert [e["address"] for e in updated["emails"]] == ["ada@example.com"]
    assert [p["number"] for p in updated["phones"]] == ["+442079460958"]
    assert {(i["key"], i["value"]) for i in updated["identifiers"]} == {("crm", "c-1"), ("hubspot", "h-7")}
    assert created["first_name"] == "Grace"
    stored = everyone(api)
    assert set(stored) == {"c-1", "c-2"} and stored["c-2"]["id"] == created["id"]

    # the same batch again finds both: nothing new
    again = api.post(URL, json={"identifier_key": "crm", "contacts": [
        crm("c-1", title="Countess"), crm("c-2", first_name="Grace")]}).json()
    assert [d["status"] for d in again["data"]] == ["updated", "updated"]
    assert len(everyone(api)) == 2
    # each write that changed something is in the history; the same batch again changed nothing
    actions = [e["action"] for e in api.get(f"/v1/contacts/{created['id']}/events").json()["data"]]
    assert actions == ["created"]
    assert again["data"][1]["contact"] == created


@pytest.mark.parametrize("contacts, field", [
    ([crm("c-1", title="Countess"), {"first_name": "No id"}], "contacts[1].identifiers"),
    ([crm("c-1", title="Countess"), {"identifiers": [{"key": "crm", "value": "a"}, {"key": "crm", "value": "b"}]}],
     "contacts[1].identifiers"),
    ([crm("c-1", title="Countess"), crm("c-9", first_name="A"), crm("c-9", first_name="B")], "contacts[2].identifiers"),
    ([crm("c-1", title="Countess"), crm("c-9", emails=["not an email"])], "contacts[1].emails[0].address"),
    ([crm("c-1", title="Countess"), crm("c-9", lists=["00000000-0000-0000-0000-000000000000"])], "contacts[1].lists[0]"),
    ([crm("c-1", title="Countess"), crm("c-9", nope=1)], "contacts[1].nope"),
])
def test_an_item_refused_leaves_the_whole_batch_unwritten(api, ada, contacts, field):
    response = api.post(URL, json={"identifier_key": "crm", "contacts": contacts})
    assert response.status_code == 422, response.text
    assert field in [d["field"] for d in response.json()["error"]["details"]]
    stored = everyone(api)
    assert set(stored) == {"c-1"} and stored["c-1"]["title"] is None  # the first item's update was not kept


def test_another_contact_s_email_is_a_conflict_unless_asked_to_create(api, ada):
    items = {"identifier_key": "crm", "contacts": [crm("c-3", first_name="Augusta", emails=["ADA@example.com"])]}
    response = api.post(URL, json=items, params={"on_duplicate": "reject"})
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["details"][0]["field"] == "contacts[0].emails[0].address" and ada["id"] in error["message"]
    assert set(everyone(api)) == {"c-1"}
    response = api.post(URL, json=items, params={"on_duplicate": "create"})
    assert response.status_code == 200 and response.json()["created"] == 1


def test_limits_and_keys(api, read_only_key, client):
    too_many = [crm(f"c-{n}", first_name="A") for n in range(101)]
    response = api.post(URL, json={"identifier_key": "crm", "contacts": too_many})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "contacts"
    assert api.post(URL, json={"identifier_key": "crm", "contacts": []}).status_code == 422
    response = api.post(URL, json={"identifier_key": "data_source", "contacts": [
        {"identifiers": [{"key": "data_source", "value": "x"}], "first_name": "A"}]})
    assert response.status_code == 422 and response.json()["error"]["details"][0]["field"] == "identifier_key"
    assert api.post(URL, json={"identifier_key": "not a key!", "contacts": [crm("c-1")]}).status_code == 422
    assert everyone(api) == {}
    reader = client.post(URL, json={"identifier_key": "crm", "contacts": [crm("c-1", first_name="A")]},
                         headers={"Authorization": f"Bearer {read_only_key}"})
    assert reader.status_code == 403


def test_an_idempotency_key_answers_a_repeat_with_the_first_answer(api):
    items = {"identifier_key": "crm", "contacts": [crm("c-5", first_name="Alan")]}
    first = api.post(URL, json=items, headers={"Idempotency-Key": "sync-42"})
    repeat = api.post(URL, json=items, headers={"Idempotency-Key": "sync-42"})
    assert first.status_code == repeat.status_code == 200
    assert repeat.headers["idempotent-replayed"] == "true" and repeat.json() == first.json()
    assert first.json()["data"][0]["status"] == "created" and len(everyone(api)) == 1


def test_concurrent_batches_naming_one_new_identifier_end_as_one_contact(live_server, workspace):
    import threading

    import httpx

    barrier = threading.Barrier(3)
    answers = []

    def upsert(n: int):
        with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {workspace.api_key}"},
                          timeout=30) as c:
            barrier.wait()
            answers.append(c.post(URL, json={"identifier_key": "crm", "contacts": [crm("c-7", nickname=f"n{n}")]}))

    threads = [threading.Thread(target=upsert, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers if a.status_code != 200]
    assert sorted(a.json()["data"][0]["status"] for a in answers) == ["created", "updated", "updated"]
    assert len({a.json()["data"][0]["contact"]["id"] for a in answers}) == 1
    listed = httpx.get(f"{live_server}/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert len(listed.json()["data"]) == 1
