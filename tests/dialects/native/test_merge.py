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


def test_unmerge_gives_back_what_was_brought_even_after_the_survivor_was_rewritten(api):
    keep = _make(api, first_name="Uma", last_name="Keep", emails=["uma.keep@example.com"])
    lose = _make(api, first_name="Uma", last_name="Keep", emails=["uma@example.com"], phones=["+442079460958"])
    api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]})
    # a client adds an email the way PATCH works: the whole list, which writes every row anew
    current = api.get(f"/v1/contacts/{keep['id']}").json()
    api.patch(f"/v1/contacts/{keep['id']}", json={"emails": [*[e["address"] for e in current["emails"]], "new@example.com"]})
    unmerged = api.post(f"/v1/contacts/{keep['id']}/unmerge", json={"from": lose["id"]})
    assert unmerged.status_code == 200
    back = api.get(f"/v1/contacts/{lose['id']}").json()
    assert back["id"] == lose["id"] and [e["address"] for e in back["emails"]] == ["uma@example.com"]
    assert back["emails"][0]["primary"] and [p["number"] for p in back["phones"]] == ["+442079460958"]
    survivor = api.get(f"/v1/contacts/{keep['id']}").json()
    assert [e["address"] for e in survivor["emails"]] == ["uma.keep@example.com", "new@example.com"]
    assert survivor["emails"][0]["primary"] and survivor["phones"] == []


def test_a_chain_of_merges_undone_halfway_leaves_the_first_id_with_its_own_survivor(api):
    c = _make(api, first_name="Cee", emails=["c@example.com"])
    d = _make(api, first_name="Dee", emails=["d@example.com"])
    e = _make(api, first_name="Eee", emails=["e@example.com"])
    api.post(f"/v1/contacts/{d['id']}/merge", json={"from": c["id"]})
    api.post(f"/v1/contacts/{e['id']}/merge", json={"from": d["id"]})
    assert api.get(f"/v1/contacts/{c['id']}").json()["id"] == e["id"]
    assert api.post(f"/v1/contacts/{e['id']}/unmerge", json={"from": d["id"]}).status_code == 200
    assert api.get(f"/v1/contacts/{c['id']}").json()["id"] == d["id"]  # C is D's again
    assert api.post(f"/v1/contacts/{d['id']}/unmerge", json={"from": c["id"]}).status_code == 200
    assert [x["address"] for x in api.get(f"/v1/contacts/{c['id']}").json()["emails"]] == ["c@example.com"]


def test_a_person_is_never_merged_with_an_organization_or_a_group(api):
    person = _make(api, first_name="Pat")
    group = _make(api, kind="group", display_name="Grp")
    org = _make(api, kind="organization", organization_name="Org")
    for into, source in ((person, group), (org, person), (person, org)):
        response = api.post(f"/v1/contacts/{into['id']}/merge", json={"from": source["id"]})
        assert response.status_code == 409 and response.json()["error"]["details"][0]["field"] == "from"
    assert api.get(f"/v1/contacts/{person['id']}").json()["display_name"] == "Pat"


def test_a_merge_keeps_the_name_the_survivor_shows(api):
    keep = _make(api, first_name="Ann", last_name="Page")
    lose = _make(api, first_name="Annie", last_name="Page", display_name="Dr. Annie P")
    merged = api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]}).json()
    assert merged["display_name"] == "Ann Page" and merged["first_name"] == "Ann"
    nameless = _make(api, emails=["only@example.com"])
    other = _make(api, display_name="Shown Name")
    filled = api.post(f"/v1/contacts/{nameless['id']}/merge", json={"from": other["id"]}).json()
    assert filled["display_name"] == "Shown Name"  # a survivor with no name of its own takes one


def test_unmerge_after_the_survivor_was_deleted_and_undeleted(api):
    keep = _make(api, first_name="Una", emails=["una@example.com"])
    lose = _make(api, first_name="Una", last_name="B", emails=["unab@example.com"],
                 identifiers=[{"key": "crm", "value": "u-1"}], addresses=[{"city": "Paris"}])
    api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]})
    assert api.delete(f"/v1/contacts/{keep['id']}").status_code == 204
    assert api.post(f"/v1/contacts/{keep['id']}/undelete").status_code == 201
    assert api.post(f"/v1/contacts/{keep['id']}/unmerge", json={"from": lose["id"]}).status_code == 200
    back = api.get(f"/v1/contacts/{lose['id']}").json()
    assert ([e["address"] for e in back["emails"]], back["identifiers"]) == (["unab@example.com"], [{"key": "crm", "value": "u-1"}])
    survivor = api.get(f"/v1/contacts/{keep['id']}").json()
    assert ([e["address"] for e in survivor["emails"]], survivor["identifiers"]) == (["una@example.com"], [])


def test_merging_a_contact_merged_already_says_so(api):
    keep, lose = _make(api, first_name="Ann"), _make(api, first_name="Ann", last_name="B")
    assert api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]}).status_code == 200
    again = api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": lose["id"]})
    assert again.status_code == 409 and "already" in again.json()["error"]["message"]
    itself = api.post(f"/v1/contacts/{keep['id']}/merge", json={"from": keep["id"]})
    assert itself.status_code == 422
