"""The duplicates review queue: listing, accepting (merges) and rejecting (dismisses)."""


def _pair(api, last="Lovelace"):
    a = api.post("/v1/contacts", json={"first_name": "Ada", "last_name": last, "emails": [f"{last}@a.org"]}).json()
    b = api.post("/v1/contacts", params={"on_duplicate": "review"},
                 json={"first_name": "Ada", "last_name": last, "phones": ["+442079460958"]}).json()
    return a, b


def test_review_queue_lists_and_accept_merges(api):
    a, b = _pair(api)
    assert [d["id"] for d in b["possible_duplicates"]] == [a["id"]]
    queue = api.get("/v1/duplicates").json()
    assert len(queue["data"]) == 1
    item = queue["data"][0]
    assert item["contact_id"] == b["id"] and item["candidate_id"] == a["id"] and item["status"] == "open"
    assert item["contact"]["id"] == b["id"] and item["candidate"]["id"] == a["id"] and item["reasons"]

    accepted = api.post(f"/v1/duplicates/{item['id']}/accept")
    assert accepted.status_code == 200
    assert accepted.json()["contact"]["id"] == a["id"] and accepted.json()["duplicate"]["status"] == "accepted"
    assert [c["id"] for c in api.get("/v1/contacts").json()["data"]] == [a["id"]]
    assert api.get(f"/v1/contacts/{b['id']}").json()["phones"][0]["number"] == "+442079460958"
    assert api.get("/v1/duplicates").json()["data"] == []
    assert [d["status"] for d in api.get("/v1/duplicates", params={"status": "accepted"}).json()["data"]] == ["accepted"]
    assert api.post(f"/v1/duplicates/{item['id']}/accept").status_code == 409


def test_reject_dismisses_and_errors(api):
    a, b = _pair(api, "Byron")
    item = api.get("/v1/duplicates").json()["data"][0]
    rejected = api.post(f"/v1/duplicates/{item['id']}/reject")
    assert rejected.status_code == 200 and rejected.json()["duplicate"]["status"] == "rejected"
    assert len(api.get("/v1/contacts").json()["data"]) == 2
    assert api.post(f"/v1/duplicates/{item['id']}/reject").status_code == 409
    assert api.post("/v1/duplicates/nope/accept").status_code == 404
    assert api.post("/v1/duplicates/00000000-0000-0000-0000-000000000000/reject").status_code == 404
    assert api.get("/v1/duplicates", params={"status": "bogus"}).status_code == 422


def test_a_pair_whose_contact_is_gone_or_merged_leaves_the_queue(api):
    a, b = _pair(api, "Gone")
    assert len(api.get("/v1/duplicates").json()["data"]) == 1
    assert api.delete(f"/v1/contacts/{a['id']}").status_code == 204
    assert api.get("/v1/duplicates").json()["data"] == []  # nothing left to decide

    assert api.delete(f"/v1/contacts/{b['id']}").status_code == 204  # (it shares the next pair's phone)
    c, d = _pair(api, "Merged")
    merged = api.post(f"/v1/contacts/{c['id']}/merge", json={"from": d["id"]})
    assert merged.status_code == 200
    assert api.get("/v1/duplicates").json()["data"] == []  # merged by hand: the pair is decided
    decided = api.get("/v1/duplicates", params={"status": "accepted"}).json()["data"]
    assert [(x["contact_id"], x["candidate_id"]) for x in decided] == [(d["id"], c["id"])]


def test_an_overwrite_import_empties_the_queue_with_the_contacts(api, db, settings):
    import base64

    from tests.dialects.native.test_imports import run_jobs

    _pair(api, "Old")
    csv = base64.b64encode(b"Name,Email\nNew,new@example.com\n").decode()
    job = api.post("/v1/imports", json={"data_url": f"data:text/csv;base64,{csv}", "overwrite": True})
    assert job.status_code == 202
    run_jobs(db, settings)
    assert api.get(job.headers["Location"]).json()["status"] == "succeeded"
    assert [c["display_name"] for c in api.get("/v1/contacts").json()["data"]] == ["New"]
    assert api.get("/v1/duplicates").json()["data"] == []


def test_a_queued_contact_merged_elsewhere_takes_its_pair_along_and_unmerge_reopens_it(api):
    a, b = _pair(api, "Third")
    c = api.post("/v1/contacts", params={"on_duplicate": "create"},
                 json={"first_name": "Ada", "last_name": "Third", "emails": ["c@third.example"]}).json()
    api.post(f"/v1/contacts/{c['id']}/merge", json={"from": b["id"]})
    queue = api.get("/v1/duplicates").json()["data"]
    assert [(q["contact_id"], q["candidate_id"]) for q in queue] == [(c["id"], a["id"])]
    assert queue[0]["contact"]["id"] == c["id"]  # what accepting would merge is what the reviewer sees
    accepted = api.post(f"/v1/duplicates/{queue[0]['id']}/accept").json()
    assert accepted["contact"]["id"] == a["id"]
    assert api.post(f"/v1/contacts/{a['id']}/unmerge", json={"from": c["id"]}).status_code == 200
    reopened = api.get("/v1/duplicates").json()["data"]
    assert [(q["id"], q["status"]) for q in reopened] == [(queue[0]["id"], "open")]
