"""Merge keeps the survivor's id and leaves a tombstone; unmerge restores both."""


def _make(api, **body):
    response = api.post("/v1/contacts", params={"on_duplicate": "create"}, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_merge_moves_data_and_the_old_id_resolves_to_the_survivor(api):
    lst = api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    keep = _make(api, first_name="Ada", emails=["ada@example.com"], attributes={"tier": "gold"})
    lose = _make(api, first_name="Ada", last_name="Lovelace", title="Countess", emails=["ada@example.com", "al@example.com"],
                 phones=["+442079460958"], addresses=[{"city": "London"}], lists=[lst], attributes={"tier": "x", "k": 1})

    merged = api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]})
    assert merged.status_code == 200
    body = merged.json()
    assert body["id"] == keep["id"]
    assert body["last_name"] == "Lovelace" and body["title"] == "Countess"  # filled
    assert [e["address"] for e in body["emails"]] == ["ada@example.com", "al@example.com"]
    assert body["phones"][0]["number"] == "+442079460958"
    assert body["addresses"][0]["id"] == lose["addresses"][0]["id"]
    assert body["lists"] == [lst]
    assert body["attributes"] == {"tier": "gold", "k": 1}  # the survivor's own value wins

    assert api.get(f"/v1/contacts/{lose['id']}").json()["id"] == keep["id"]
    assert [c["id"] for c in api.get("/v1/contacts").json()["data"]] == [keep["id"]]
    assert [c["id"] for c in api.get("/v1/contacts", params={"email": "al@example.com"}).json()["data"]] == [keep["id"]]
    actions = [e["action"] for e in api.get(f"/v1/contacts/{keep['id']}/events").json()["data"]]
    assert actions == ["created", "merged"]


def test_unmerge_restores_both_contacts(api):
    lst = api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    keep = _make(api, first_name="Ada", emails=["ada@example.com"])
    lose = _make(api, first_name="Ada", last_name="Lovelace", emails=["ada@example.com", "al@example.com"],
                 phones=["+442079460958"], addresses=[{"city": "London"}], lists=[lst])
    api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]})

    response = api.post(f"/v1/contacts/{keep['id']}/unmerge", json={"from": lose["id"]})
    assert response.status_code == 200
    restored = api.get(f"/v1/contacts/{lose['id']}").json()
    survivor = api.get(f"/v1/contacts/{keep['id']}").json()
    for field in ("id", "first_name", "last_name", "emails", "phones", "addresses", "lists"):
        assert restored[field] == lose[field], field
    for field in ("first_name", "last_name", "emails", "phones", "addresses", "lists"):
        assert survivor[field] == keep[field], field
    assert len(api.get("/v1/contacts").json()["data"]) == 2


def test_merge_errors(api):
    a = _make(api, first_name="A")
    assert api.post(f"/v1/contacts/{a['id']}/merge", json={"from": a["id"]}).status_code == 422
    assert api.post(f"/v1/contacts/{a['id']}/merge", json={"from": "nope"}).status_code == 404
    assert api.post(f"/v1/contacts/{a['id']}/merge", json={}).status_code == 422
    b = _make(api, first_name="B")
    assert api.post(f"/v1/contacts/{a['id']}/unmerge", json={"from": b["id"]}).status_code == 409
