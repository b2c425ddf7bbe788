def test_list_lifecycle_and_membership(api):
    lst = api.post("/v1/lists", json={"name": "Newsletter"}).json()
    assert lst["member_count"] == 0
    a = api.post("/v1/contacts", json={"first_name": "A"}).json()["id"]
    b = api.post("/v1/contacts", json={"first_name": "B", "lists": [lst["id"]]}).json()["id"]

    assert api.post(f"/v1/lists/{lst['id']}/contacts", json={"contact_ids": [a, b]}).json() == {"processed": 2}
    members = api.get(f"/v1/lists/{lst['id']}/contacts").json()["data"]
    assert sorted(m["id"] for m in members) == sorted([a, b])
    assert api.get(f"/v1/contacts/{a}").json()["lists"] == [lst["id"]]
    assert api.get(f"/v1/lists/{lst['id']}").json()["member_count"] == 2
    assert [c["id"] for c in api.get("/v1/contacts", params={"list": lst["id"]}).json()["data"]] == [a, b]

    assert api.delete(f"/v1/lists/{lst['id']}/contacts/{a}").status_code == 204
    assert api.get(f"/v1/contacts/{a}").json()["lists"] == []

    renamed = api.patch(f"/v1/lists/{lst['id']}", json={"name": "Weekly"}).json()
    assert renamed["name"] == "Weekly" and renamed["member_count"] == 1  # every list answer has the count
    empty = api.post("/v1/lists", json={"name": "Empty"}).json()
    listed = {item["id"]: item["member_count"] for item in api.get("/v1/lists").json()["data"]}
    assert listed == {lst["id"]: 1, empty["id"]: 0}
    since = api.get("/v1/changes", params={"since": 0, "limit": 200}).json()["next_since"]
    assert api.delete(f"/v1/lists/{lst['id']}").status_code == 204
    assert api.get(f"/v1/lists/{lst['id']}").status_code == 404
    assert api.get(f"/v1/contacts/{b}").json()["lists"] == []
    # the feed says who left it, as a removal one by one does, then that it went
    feed = api.get("/v1/changes", params={"since": since}).json()["data"]
    assert [(e["subject_id"], e["action"], e["changes"].get("list_id")) for e in feed] == [
        (b, "list_removed", lst["id"]), (lst["id"], "deleted", None)]


def test_adding_unknown_contacts_to_a_list_adds_none(api):
    lst = api.post("/v1/lists", json={"name": "L"}).json()
    a = api.post("/v1/contacts", json={"first_name": "A"}).json()["id"]
    response = api.post(f"/v1/lists/{lst['id']}/contacts",
                        json={"contact_ids": [a, "00000000-0000-7000-8000-000000000000"]})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "contact_ids[1]"
    assert api.get(f"/v1/lists/{lst['id']}").json()["member_count"] == 0


def test_list_names_are_validated(api):
    assert api.post("/v1/lists", json={"name": ""}).status_code == 422
    assert api.post("/v1/lists", json={"name": "x" * 257}).status_code == 422


def test_attribute_definitions_crud(api):
    created = api.post("/v1/attribute-definitions",
                       json={"key": "date_of_birth", "type": "datetime", "display_name": "Birthday"})
    assert created.status_code == 201
    assert created.json()["type"] == "datetime"
    assert api.post("/v1/attribute-definitions", json={"key": "date_of_birth"}).status_code == 409
    assert api.post("/v1/attribute-definitions", json={"key": "bad key!"}).status_code == 422
    assert api.post("/v1/attribute-definitions", json={"key": "k", "type": "color"}).status_code == 422
    assert [d["key"] for d in api.get("/v1/attribute-definitions").json()["data"]] == ["date_of_birth"]
    assert api.patch("/v1/attribute-definitions/date_of_birth", json={"pii": True}).json()["pii"] is True
    assert api.delete("/v1/attribute-definitions/date_of_birth").status_code == 204
    assert api.get("/v1/attribute-definitions/date_of_birth").status_code == 404


def test_many_cardinality_takes_lists(api):
    api.post("/v1/attribute-definitions", json={"key": "tags", "type": "string", "cardinality": "many"})
    body = api.post("/v1/contacts", json={"attributes": {"tags": ["a", "b"]}}).json()
    assert body["attributes"]["tags"] == ["a", "b"]
    found = api.get("/v1/contacts", params={"attributes.tags": "b"}).json()["data"]
    assert [c["id"] for c in found] == [body["id"]]


def test_integers_beyond_64_bits_round_trip_exactly(api):
    """The fast JSON paths (orjson) stop at 64 bits; such values still answer, digit for digit."""
    api.post("/v1/attribute-definitions", json={"key": "big", "type": "integer"})
    big = 2**70 + 1
    created = api.post("/v1/contacts", json={"first_name": "Big", "attributes": {"big": big}})
    assert created.status_code == 201 and created.json()["attributes"]["big"] == big
    assert api.get(f"/v1/contacts/{created.json()['id']}").json()["attributes"]["big"] == big
