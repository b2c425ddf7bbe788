"""on_duplicate policies, /v1/contacts/match, and two clients creating the same person at once."""

import threading

import httpx

ADA = {"first_name": "Ada", "last_name": "Lovelace", "birth_date": "1815-12-10", "emails": ["ada@example.com"]}


def test_merge_policy_answers_200_with_merged_into_and_keeps_one_contact(api):
    first = api.post("/v1/contacts", params={"on_duplicate": "merge"}, json=ADA)
    assert first.status_code == 201
    again = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                     json={"first_name": "Ada", "last_name": "Lovelace", "birth_date": "1815-12-10",
                           "phones": ["+44 20 7946 0958"], "title": "Countess"})
    assert again.status_code == 200, again.text
    body = again.json()
    assert body["id"] == body["merged_into"] == first.json()["id"]
    assert body["title"] == "Countess" and body["phones"][0]["number"] == "+442079460958"
    assert {r["field"] for r in body["match"]["reasons"]} >= {"first_name", "last_name", "birth_date"}
    # the merged-in record's own id resolves to the survivor
    assert api.get(f"/v1/contacts/{body['merged_from']}").json()["id"] == body["id"]
    assert [c["id"] for c in api.get("/v1/contacts").json()["data"]] == [body["id"]]
    # and the merge can be undone
    undone = api.post(f"/v1/contacts/{body['id']}/unmerge", json={"from": body["merged_from"]})
    assert undone.status_code == 200
    assert len(api.get("/v1/contacts").json()["data"]) == 2


def test_a_person_is_never_merged_into_an_organization(api):
    """A person sharing an organization's email, phone and address (its front desk) is another
    contact; a second record of the organization still merges into it."""
    desk = {"emails": ["info@acme.example"], "phones": ["+1 415 555 0100"],
            "addresses": [{"line1": "1 Canyon Road", "city": "Mesa", "postal_code": "85201"}]}
    acme = api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme", **desk}).json()
    person = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                      json={"first_name": "Wile", "last_name": "Coyote", **desk})
    assert person.status_code == 201 and person.json()["id"] != acme["id"]
    assert api.get(f"/v1/contacts/{acme['id']}").json()["first_name"] is None
    again = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                     json={"kind": "organization", "organization_name": "Acme", "emails": ["info@acme.example"]})
    assert again.status_code == 200 and again.json()["id"] == acme["id"]
    matches = api.post("/v1/contacts/match", json={"first_name": "Wile", "emails": ["info@acme.example"]}).json()
    assert acme["id"] not in [m["contact"]["id"] for m in matches["data"]]


def test_merge_policy_matches_nicknames_and_email_alone(api):
    bob = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                   json={"first_name": "Robert", "last_name": "Smith", "birth_date": "1970-01-02",
                         "addresses": [{"line1": "12 High St", "city": "Springfield", "postal_code": "62701"}]})
    assert bob.status_code == 201
    same = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                    json={"first_name": "Bob", "last_name": "Smith", "birth_date": "1970-01-02"})
    assert same.status_code == 200 and same.json()["id"] == bob.json()["id"]
    api.post("/v1/contacts", params={"on_duplicate": "merge"}, json={"emails": ["ada@example.com"]})
    by_email = api.post("/v1/contacts", params={"on_duplicate": "merge"}, json={"first_name": "Ada", "emails": ["ADA@example.com"]})
    assert by_email.status_code == 200


def test_different_people_are_created(api):
    api.post("/v1/contacts", params={"on_duplicate": "merge"}, json=ADA)
    other = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                     json={"first_name": "Charles", "last_name": "Babbage", "birth_date": "1791-12-26"})
    assert other.status_code == 201
    assert len(api.get("/v1/contacts").json()["data"]) == 2


def test_review_policy_creates_and_queues(api):
    ada = api.post("/v1/contacts", json=ADA).json()
    response = api.post("/v1/contacts", params={"on_duplicate": "review"},
                        json={"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"]})
    assert response.status_code == 201
    body = response.json()
    assert body["id"] != ada["id"]
    assert [d["id"] for d in body["possible_duplicates"]] == [ada["id"]]


def test_reject_and_create_policies_are_unchanged(api):
    api.post("/v1/contacts", json=ADA)
    assert api.post("/v1/contacts", json=ADA).status_code == 409
    assert api.post("/v1/contacts", params={"on_duplicate": "create"}, json=ADA).status_code == 201
    assert api.post("/v1/contacts", params={"on_duplicate": "bogus"}, json=ADA).status_code == 422


def test_match_ranks_candidates_without_writing(api):
    ada = api.post("/v1/contacts", json=ADA).json()
    api.post("/v1/contacts", json={"first_name": "Ada", "last_name": "Byron"})
    response = api.post("/v1/contacts/match", json={"first_name": "Ada", "last_name": "Lovelace", "birth_date": "1815-12-10"})
    assert response.status_code == 200
    data = response.json()["data"]
    assert data[0]["contact"]["id"] == ada["id"] and data[0]["decision"] == "merge"
    assert data[0]["score"] > 10 and {r["field"] for r in data[0]["reasons"]} == {"first_name", "last_name", "birth_date"}
    assert all(d["score"] <= data[0]["score"] for d in data)
    assert len(api.get("/v1/contacts").json()["data"]) == 2
    assert api.post("/v1/contacts/match", json={"first_name": 3}).status_code == 422
    # what a create would refuse, match refuses too, naming it
    for body, field in (({"emails": ["not-an-email"]}, "emails[0].address"), ({"phones": ["555-0177"]}, "phones[0].number")):
        refused = api.post("/v1/contacts/match", json=body)
        assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == field
    assert api.post("/v1/contacts/match", content=b"{nope", headers={"Content-Type": "application/json"}).status_code == 400


def test_the_merge_policy_with_idempotency_key_replays(api):
    api.post("/v1/contacts", json=ADA)
    headers = {"Idempotency-Key": "k-merge-1"}
    body = {"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"], "title": "Countess"}
    first = api.post("/v1/contacts", params={"on_duplicate": "merge"}, json=body, headers=headers)
    second = api.post("/v1/contacts", params={"on_duplicate": "merge"}, json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()


def test_concurrent_creates_of_the_same_person_end_as_one_contact(live_server, workspace):
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    for round_ in range(3):
        body = {"first_name": "Grace", "last_name": f"Hopper{round_}", "emails": [f"grace{round_}@navy.mil"]}
        barrier = threading.Barrier(4)
        statuses = []

        def post():
            with httpx.Client(base_url=live_server, headers=headers, timeout=30) as c:
                barrier.wait()
                statuses.append(c.post("/v1/contacts", params={"on_duplicate": "merge"}, json=body).status_code)

        threads = [threading.Thread(target=post) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(statuses) == [200, 200, 200, 201], statuses
        found = httpx.get(f"{live_server}/v1/contacts", params={"email": f"grace{round_}@navy.mil"}, headers=headers).json()
        assert len(found["data"]) == 1


def test_a_shared_email_with_nothing_else_in_common_is_created_and_queued(api):
    alice = api.post("/v1/contacts", json={"first_name": "Alice", "last_name": "Smith", "birth_date": "1950-01-01",
                                           "emails": ["family@example.com"]}).json()
    bob = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                   json={"first_name": "Bob", "last_name": "Jones", "birth_date": "1990-06-30",
                         "emails": ["family@example.com"]})
    assert bob.status_code == 201, bob.text
    assert [d["id"] for d in bob.json()["possible_duplicates"]] == [alice["id"]]
    assert len(api.get("/v1/contacts").json()["data"]) == 2


def test_a_key_many_contacts_share_costs_a_write_a_bounded_number_of_reviews(api, monkeypatch):
    """5,000 contacts kept apart with one office phone made each new holder rank all of them
    (0.3 s) and queue a review pair with each (5,000 a write): the newest holders are ranked and
    a write queues at most REVIEWS_PER_WRITE pairs."""
    from contacthub.core import identity

    monkeypatch.setattr(identity, "EXACT_HOLDERS_LIMIT", 6)
    monkeypatch.setattr(identity, "REVIEWS_PER_WRITE", 3)
    for i in range(10):
        made = api.post("/v1/contacts", params={"on_duplicate": "create"},
                        json={"first_name": "Office", "last_name": "Worker", "phones": ["+12025550150"]})
        assert made.status_code == 201
    again = api.post("/v1/contacts", params={"on_duplicate": "review"},
                     json={"first_name": "Office", "last_name": "Worker", "phones": ["+12025550150"]})
    assert again.status_code == 201 and len(again.json()["possible_duplicates"]) == 3
    queued = api.get("/v1/duplicates", params={"limit": 200}).json()["data"]
    assert sum(q["contact_id"] == again.json()["id"] for q in queued) == 3
