"""An organization's members through the native API: people linked to the organization's
contact, carried through merges and gone with a deleted member."""

import uuid


def test_members_are_set_read_and_seen_from_the_member(api, make):
    acme = make(kind="organization", organization_name="Acme")
    ada, grace = make(first_name="Ada"), make(first_name="Grace")
    labs = make(kind="organization", organization_name="Acme Labs")
    assert api.get(f"/v1/organizations/{acme}/members").json() == {"organization_id": acme, "members": []}
    response = api.put(f"/v1/organizations/{acme}/members", json={"members": [ada, grace, labs, ada]})
    assert response.status_code == 200, response.text
    assert response.json()["members"] == [ada, grace, labs]
    assert [o["id"] for o in api.get(f"/v1/contacts/{ada}/organizations").json()["data"]] == [acme]
    listed = api.get("/v1/contacts", params={"organization": acme, "kind": "person"}).json()["data"]
    assert sorted(c["id"] for c in listed) == sorted([ada, grace])  # the members whole; Acme Labs is no person
    changes = [e["changes"] for e in api.get(f"/v1/contacts/{acme}/events").json()["data"] if e["action"] == "updated"]
    assert changes == [{"members": [[], [ada, grace, labs]]}]

    # a member merged into another: the survivor is the member; a deleted one is no more
    ada2 = make(first_name="Ada", last_name="Lovelace")
    api.post(f"/v1/contacts/{ada2}/merge", json={"from": ada})
    assert set(api.get(f"/v1/organizations/{acme}/members").json()["members"]) == {ada2, grace, labs}
    api.delete(f"/v1/contacts/{grace}")
    assert set(api.get(f"/v1/organizations/{acme}/members").json()["members"]) == {ada2, labs}
    assert {c["id"] for c in api.get("/v1/contacts", params={"organization": acme}).json()["data"]} == {ada2, labs}
    assert api.put(f"/v1/organizations/{acme}/members", json={"members": []}).json()["members"] == []
    assert api.get(f"/v1/contacts/{ada2}/organizations").json()["data"] == []


def test_bad_members_and_non_organizations(api, make):
    acme = make(kind="organization", organization_name="Acme")
    ada = make(first_name="Ada")
    team = make(kind="group", display_name="Team")
    response = api.put(f"/v1/organizations/{acme}/members", json={"members": [ada, str(uuid.uuid4()), acme]})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["members[1]", "members[2]"]
    grouped = api.put(f"/v1/organizations/{acme}/members", json={"members": [team]})
    assert grouped.status_code == 422 and team in grouped.json()["error"]["details"][0]["message"]
    assert api.get(f"/v1/organizations/{acme}/members").json()["members"] == []  # nothing was kept
    assert api.get(f"/v1/organizations/{ada}/members").status_code == 404  # a person is no organization
    assert api.put(f"/v1/organizations/{team}/members", json={"members": []}).status_code == 404
    assert api.get(f"/v1/contacts/{uuid.uuid4()}/organizations").status_code == 404


def test_a_kind_change_leaves_no_membership_the_rules_refuse(api, make):
    org, person = make(kind="organization", organization_name="Org"), make(first_name="Pat")
    assert api.put(f"/v1/organizations/{org}/members", json={"members": [person]}).status_code == 200
    assert api.patch(f"/v1/contacts/{person}", json={"kind": "group"}).status_code == 200
    members = api.get(f"/v1/organizations/{org}/members").json()["members"]
    assert members == []  # a group is no organization's member
    # the list read can always be written back
    assert api.put(f"/v1/organizations/{org}/members", json={"members": members}).status_code == 200
    other = make(first_name="Quin")
    api.put(f"/v1/organizations/{org}/members", json={"members": [other]})
    assert api.patch(f"/v1/contacts/{org}", json={"kind": "person"}).status_code == 200
    assert api.get(f"/v1/contacts/{other}/organizations").json()["data"] == []
