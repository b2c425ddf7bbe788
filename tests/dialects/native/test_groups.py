"""Groups through the native API: contacts of kind group, their members (`children`) and the
members called out as `primary`; the same membership PackageX's `group_contacts` shows."""

import uuid


def test_members_are_set_read_and_seen_from_the_member(api, make):
    team = make(kind="group", display_name="Engine team")
    ada, grace = make(first_name="Ada"), make(first_name="Grace")
    assert api.get(f"/v1/groups/{team}/members").json() == {"group_id": team, "children": [], "primary": []}

    response = api.put(f"/v1/groups/{team}/members", json={"children": [ada], "primary": [grace]})
    assert response.status_code == 200, response.text
    assert response.json() == {"group_id": team, "children": [ada, grace], "primary": [grace]}  # a primary is a child
    assert api.get(f"/v1/groups/{team}/members").json()["children"] == [ada, grace]
    assert [g["id"] for g in api.get(f"/v1/contacts/{ada}/groups").json()["data"]] == [team]
    # the members whole, in one list
    listed = api.get("/v1/contacts", params={"group": team}).json()["data"]
    assert sorted(c["id"] for c in listed) == sorted([ada, grace])
    # PackageX shows the same members
    px = api.get(f"/packagex/v1/contacts/contact_{team}",
                 headers={"PX-API-KEY": api.headers["Authorization"].removeprefix("Bearer ")}).json()["data"]
    assert set(px["group_contacts"]["children"]) == {f"contact_{ada}", f"contact_{grace}"}

    # children alone: the primary that is still a child stays
    assert api.put(f"/v1/groups/{team}/members", json={"children": [grace]}).json()["primary"] == [grace]
    assert api.put(f"/v1/groups/{team}/members", json={"children": [ada]}).json() == {
        "group_id": team, "children": [ada], "primary": []}
    assert api.get(f"/v1/contacts/{grace}/groups").json()["data"] == []
    # the change is in the group's history
    changes = [e["changes"] for e in api.get(f"/v1/contacts/{team}/events").json()["data"] if e["action"] == "updated"]
    assert changes and "group_contacts" in changes[0]


def test_bad_members_and_non_groups(api, make):
    team = make(kind="group", display_name="Engine team")
    ada = make(first_name="Ada")
    unknown = str(uuid.uuid4())
    response = api.put(f"/v1/groups/{team}/members", json={"children": [ada, unknown, team]})
    assert response.status_code == 422
    assert [d["field"] for d in response.json()["error"]["details"]] == ["children[1]", "children[2]"]
    assert api.put(f"/v1/groups/{team}/members", json={"children": ["nope"]}).status_code == 422
    assert api.put(f"/v1/groups/{team}/members", json={"children": [ada] * 1001}).status_code == 422
    assert api.get(f"/v1/groups/{team}/members").json()["children"] == []  # nothing was kept
    # a person is not a group, and an unknown id is no one
    assert api.get(f"/v1/groups/{ada}/members").status_code == 404
    assert api.put(f"/v1/groups/{ada}/members", json={"children": []}).status_code == 404
    assert api.get(f"/v1/groups/{unknown}/members").status_code == 404
    assert api.get(f"/v1/contacts/{unknown}/groups").status_code == 404
