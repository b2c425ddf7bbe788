"""POST /v1/contacts/{id}/undelete: a deleted contact back under its id, as its history kept it."""

import uuid

RICH = {
    "first_name": "Ada", "last_name": "Lovelace", "birth_date": "1815-12-10", "title": "Countess",
    "emails": [{"address": "ada@example.com", "type": "home", "primary": True, "properties": {"verified": True}},
               {"address": "ada@work.example", "type": "work"}],
    "phones": ["+44 20 7946 0958"],
    "identifiers": [{"key": "crm", "value": "c-1", "properties": {"source": "sync"}}],
    "addresses": [{"line1": "12 St James's Sq", "city": "London", "country": "GB", "type": "home"}],
    "attributes": {"tier": "gold"}, "social": {"linkedin": "https://linkedin.com/in/ada"},
}


def test_a_deleted_contact_comes_back_whole_under_its_id(api):
    vip = api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    press = api.post("/v1/lists", json={"name": "Press"}).json()["id"]
    ada = api.post("/v1/contacts", json={**RICH, "lists": [vip, press]}).json()
    twin = api.post("/v1/contacts", params={"on_duplicate": "create"},
                    json={"first_name": "Augusta", "emails": ["augusta@example.com"]}).json()["id"]
    before = api.post(f"/v1/contacts/{ada['id']}/merge", json={"from": twin}).json()
    assert api.delete(f"/v1/contacts/{ada['id']}").status_code == 204
    assert api.delete(f"/v1/lists/{press}").status_code == 204  # gone meanwhile
    assert api.get(f"/v1/contacts/{twin}").status_code == 404

    response = api.post(f"/v1/contacts/{ada['id']}/undelete")
    assert response.status_code == 201, response.text
    back = response.json()
    assert back["lists"] == [vip]
    expected = {**before, "lists": [vip]}
    ignored = ("updated_at",)
    assert {k: v for k, v in back.items() if k not in ignored} == {k: v for k, v in expected.items() if k not in ignored}
    # what merged into it resolves to it again, and the history tells the story
    assert api.get(f"/v1/contacts/{twin}").json()["id"] == ada["id"]
    actions = [e["action"] for e in api.get(f"/v1/contacts/{ada['id']}/events").json()["data"]]
    assert actions[-2:] == ["deleted", "created"]
    # found by its email and identifier again
    assert [c["id"] for c in api.get("/v1/contacts", params={"email": "ada@example.com"}).json()["data"]] == [ada["id"]]


def test_what_cannot_be_undeleted(api):
    ada = api.post("/v1/contacts", json=RICH).json()["id"]
    live = api.post(f"/v1/contacts/{ada}/undelete")
    assert live.status_code == 409 and live.json()["error"]["details"][0]["field"] == "id"
    assert api.post(f"/v1/contacts/{uuid.uuid4()}/undelete").status_code == 404
    assert api.post("/v1/contacts/nope/undelete").status_code == 404

    # its email taken meanwhile: a conflict, unless asked to restore anyway
    api.delete(f"/v1/contacts/{ada}")
    taker = api.post("/v1/contacts", json={"first_name": "A. L.", "emails": ["ada@example.com"]}).json()["id"]
    taken = api.post(f"/v1/contacts/{ada}/undelete", params={"on_duplicate": "reject"})
    assert taken.status_code == 409 and taken.json()["error"]["existing_id"] == taker
    assert api.get(f"/v1/contacts/{ada}").status_code == 404  # nothing was written
    assert api.post(f"/v1/contacts/{ada}/undelete", params={"on_duplicate": "create"}).status_code == 201

    # an erased contact has no history left to come back from
    api.post(f"/v1/contacts/{ada}/erase")
    assert api.post(f"/v1/contacts/{ada}/undelete").status_code == 404


def test_an_undeleted_contact_rejoins_its_groups_and_organizations(api, make):
    team = make(kind="group", display_name="Engine team")
    acme = make(kind="organization", organization_name="Acme")
    ada, grace, alan = make(first_name="Ada"), make(first_name="Grace"), make(first_name="Alan")
    api.put(f"/v1/groups/{team}/members", json={"children": [ada, grace], "primary": [ada]})
    api.put(f"/v1/organizations/{acme}/members", json={"members": [ada, alan]})

    api.delete(f"/v1/contacts/{ada}")
    assert api.get(f"/v1/groups/{team}/members").json()["children"] == [grace]
    assert api.post(f"/v1/contacts/{ada}/undelete").status_code == 201
    assert set(api.get(f"/v1/groups/{team}/members").json()["children"]) == {ada, grace}
    assert api.get(f"/v1/groups/{team}/members").json()["primary"] == [ada]
    assert set(api.get(f"/v1/organizations/{acme}/members").json()["members"]) == {ada, alan}
    # and the feed says so, as when members are set: it said nothing of them coming back
    said = api.get("/v1/changes", params={"limit": 200}).json()["data"][-3:]
    assert [(c["subject_id"], c["action"]) for c in said] == [(ada, "created"), (team, "updated"), (acme, "updated")]
    assert said[1]["changes"]["group_contacts"][1] == {"children": [grace, ada], "primary": [ada]}
    assert said[2]["changes"]["members"] == [[alan], [alan, ada]]

    # a group brought back gets back the members still there
    api.delete(f"/v1/contacts/{team}")
    api.delete(f"/v1/contacts/{grace}")
    assert api.post(f"/v1/contacts/{team}/undelete").status_code == 201
    assert api.get(f"/v1/groups/{team}/members").json() == {"group_id": team, "children": [ada], "primary": [ada]}
    last = api.get("/v1/changes", params={"limit": 200}).json()["data"][-1]
    assert (last["subject_id"], last["changes"]["group_contacts"]) == (
        team, [{"children": [], "primary": []}, {"children": [ada], "primary": [ada]}])


def test_undeleting_a_contact_an_overwrite_import_replaced_says_why_it_cannot(api, db, settings):
    """An `overwrite` import records each contact it replaces as `deleted` with no copy of it
    (keeping one doubles the overwrite's time, measured): undelete answered a bare "not found",
    as for an id never deleted, where the README promised 404 only for those and erased ones."""
    from contacthub.core import import_jobs
    from tests.importfiles import data_url

    ada = api.post("/v1/contacts", json=RICH).json()["id"]
    job = api.post("/v1/imports", json={"data_url": data_url("Name,Email\nNew Person,new@example.com\n"),
                                        "overwrite": True})
    assert job.status_code == 202, job.text
    while import_jobs.work_once(db, "test", settings) is not None:
        pass
    job_id = job.json()["id"]
    assert api.get(f"/v1/imports/{job_id}").json()["status"] == "succeeded"
    deleted, = [e for e in api.get(f"/v1/contacts/{ada}/events").json()["data"] if e["action"] == "deleted"]
    assert deleted["changes"] == {"reason": "import overwrite", "import_id": job_id} and deleted["before"] is None

    response = api.post(f"/v1/contacts/{ada}/undelete")
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert f"replaced by the overwrite import {job_id}" in message and "export made before" in message, message
    # an erased one says so; an id never deleted keeps the bare answer
    gone = api.post("/v1/contacts", json={"first_name": "Gone"}).json()["id"]
    api.delete(f"/v1/contacts/{gone}")
    api.post(f"/v1/contacts/{gone}/erase")
    assert "erased" in api.post(f"/v1/contacts/{gone}/undelete").json()["error"]["message"]
    never = str(uuid.uuid4())
    assert api.post(f"/v1/contacts/{never}/undelete").json()["error"]["message"] == f"deleted contact {never} not found"
