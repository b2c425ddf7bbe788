"""PackageX contacts on the wire: envelope, auth, single create, groups, list, update, delete."""

import pytest

ENVELOPE = {"message", "data", "status", "errors", "code", "pagination", "endpoint"}


def create(px, **body):
    response = px.post("/packagex/v1/contacts", json=body)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def test_create_and_get_a_contact_in_the_envelope(px, api):
    body = px.post("/packagex/v1/contacts", json={
        "name": "Tony Stark", "email": "tony@stark.com", "phone": "+1 212 555 0100",
        "address": "10880 Malibu Point", "address_line2": "Suite 1", "metadata": {"tier": "gold"}, "notes": "Iron",
    }).json()
    assert set(body) == ENVELOPE
    assert body["status"] == 200 and body["errors"] == [] and body["endpoint"] == "/v1/contacts"
    contact = body["data"]
    assert contact["id"].startswith("contact_") and contact["object"] == "contact"
    assert (contact["name"], contact["email"], contact["phone"]) == ("Tony Stark", "tony@stark.com", "+12125550100")
    assert contact["address"]["line1"] == "10880 Malibu Point" and contact["address"]["line2"] == "Suite 1"
    assert contact["address"]["id"].startswith("address_")
    assert contact["type"] == "person" and contact["metadata"] == {"tier": "gold"}
    assert isinstance(contact["created_at"], int)
    assert contact["group_contacts"] == {"children": [], "primary": []} and contact["referenced_contacts"] == []

    got = px.get(f"/packagex/v1/contacts/{contact['id']}").json()
    assert got["data"] == contact and got["endpoint"] == f"/v1/contacts/{contact['id']}"
    bare = contact["id"].removeprefix("contact_")
    assert px.get(f"/packagex/v1/contacts/{bare}").json()["data"]["id"] == contact["id"]
    # the same contact through the native door
    native = api.get(f"/v1/contacts/{bare}").json()
    assert native["display_name"] == "Tony Stark" and native["attributes"] == {"tier": "gold"}


def test_auth_headers(client, workspace):
    assert client.get("/packagex/v1/contacts").status_code == 401
    body = client.get("/packagex/v1/contacts", headers={"PX-API-KEY": "nope"}).json()
    assert body["status"] == 401 and body["data"] is None and body["errors"]
    assert client.get("/packagex/v1/contacts", headers={"X-API-KEY": workspace.api_key}).status_code == 200


@pytest.mark.parametrize("body,fault", [
    ({"email": "a@example.com"}, "name"),
    ({"name": "A", "email": "not-an-email"}, "email"),
    ({"name": "A", "phone": "12"}, "phone"),
    ({"name": "A", "type": "robot"}, "type"),
    ({"name": ["A"]}, "name"),
    ({"name": "A", "metadata": "x"}, "metadata"),
])
def test_bad_creates_answer_400_and_store_nothing(px, body, fault):
    response = px.post("/packagex/v1/contacts", json=body)
    assert response.status_code == 400
    out = response.json()
    assert out["status"] == 400 and out["data"] is None
    assert any(e.startswith(fault) or fault in e for e in out["errors"]), out
    assert px.get("/packagex/v1/contacts").json()["pagination"]["total_count"] == 0


def test_malformed_json_unknown_ids_and_routes(px, client):
    response = px.post("/packagex/v1/contacts", content=b"{nope", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["errors"]
    assert px.get("/packagex/v1/contacts/contact_nope").status_code == 404
    missing = px.get("/packagex/v1/contacts/contact_00000000-0000-7000-8000-000000000000").json()
    assert missing["status"] == 404 and missing["code"] == "not_found"
    assert px.post("/packagex/v1/contacts/contact_00000000-0000-7000-8000-000000000000", json={"name": "x"}).status_code == 404
    assert px.get("/packagex/v1/nothing").json()["status"] == 404


def test_another_workspaces_contact_is_not_found(px, client, db):
    from contacthub.core import workspaces

    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    theirs = client.post("/packagex/v1/contacts", json={"name": "Theirs"}, headers={"PX-API-KEY": other.api_key})
    their_id = theirs.json()["data"]["id"]
    assert px.get(f"/packagex/v1/contacts/{their_id}").status_code == 404
    assert px.delete(f"/packagex/v1/contacts/{their_id}").status_code == 404
    group = create(px, name="Mine", type="group")
    bad = px.post(f"/packagex/v1/contacts/{group['id']}", json={"group_contacts": {"children": [their_id]}})
    assert bad.status_code == 400


def test_groups_children_primary_and_referenced_contacts(px, api):
    group = create(px, name="Avengers", type="group")
    tony = create(px, name="Tony", email="tony@stark.com")
    steve = create(px, name="Steve")
    updated = px.post(f"/packagex/v1/contacts/{group['id']}", json={
        "group_contacts": {"children": [tony["id"], steve["id"].removeprefix("contact_")], "primary": [tony["id"]]},
    }).json()["data"]
    assert updated["group_contacts"] == {"children": [tony["id"], steve["id"]], "primary": [tony["id"]]}
    tony_now = px.get(f"/packagex/v1/contacts/{tony['id']}").json()["data"]
    assert tony_now["referenced_contacts"] == [{"id": group["id"], "name": "Avengers", "email": None}]
    # the seed: once children are added to group_contacts, "they will also show up in referenced_contacts"
    assert updated["referenced_contacts"] == [{"id": tony["id"], "name": "Tony", "email": "tony@stark.com"},
                                              {"id": steve["id"], "name": "Steve", "email": None}]
    # a group inside a group shows its own children, then the group holding it
    outer = create(px, name="Outer", type="group")
    px.post(f"/packagex/v1/contacts/{outer['id']}", json={"group_contacts": {"children": [group["id"]]}})
    inner = px.get(f"/packagex/v1/contacts/{group['id']}").json()["data"]
    assert [r["name"] for r in inner["referenced_contacts"]] == ["Tony", "Steve", "Outer"]

    # a member named by its first email, and shown by its primary one (written through the native door)
    unnamed = api.post("/v1/contacts", json={"emails": ["first@x.io", {"address": "main@x.io", "primary": True}],
                                              "phones": ["+14155550100"]}).json()["id"]
    px.post(f"/packagex/v1/contacts/{group['id']}", json={"group_contacts": {"children": [
        tony["id"], steve["id"], unnamed]}})
    named = px.get(f"/packagex/v1/contacts/{group['id']}").json()["data"]["referenced_contacts"]
    assert named[2] == {"id": "contact_" + unnamed, "name": "first@x.io", "email": "main@x.io"}

    groups_of_steve = px.get("/packagex/v1/contacts", params={"child": steve["id"]}).json()
    assert [c["id"] for c in groups_of_steve["data"]] == [group["id"]]
    # a person cannot hold contacts
    assert px.post(f"/packagex/v1/contacts/{tony['id']}", json={"group_contacts": {"children": [steve["id"]]}}).status_code == 400
    # unknown member ids are refused, nothing changes
    assert px.post(f"/packagex/v1/contacts/{group['id']}", json={"group_contacts": {"children": ["contact_x"]}}).status_code == 400
    again = px.post(f"/packagex/v1/contacts/{group['id']}", json={"group_contacts": {"children": [steve["id"]]}}).json()
    assert again["data"]["group_contacts"] == {"children": [steve["id"]], "primary": []}


def test_a_group_takes_its_group_contacts_on_create_too(px):
    tony = create(px, name="Tony")
    steve = create(px, name="Steve")
    made = px.post("/packagex/v1/contacts", json={
        "name": "Avengers", "type": "group",
        "group_contacts": {"children": [tony["id"]], "primary": [steve["id"]]}}).json()
    assert made["status"] == 200
    assert made["data"]["group_contacts"] == {"children": [tony["id"], steve["id"]], "primary": [steve["id"]]}
    stored = px.get(f"/packagex/v1/contacts/{made['data']['id']}").json()["data"]
    assert stored["group_contacts"] == made["data"]["group_contacts"]
    # a person holds no contacts; an unknown child: 400, and nothing is created
    before = px.get("/packagex/v1/contacts").json()["pagination"]["total_count"]
    person = px.post("/packagex/v1/contacts", json={"name": "Solo", "group_contacts": {"children": [tony["id"]]}})
    unknown = px.post("/packagex/v1/contacts", json={"name": "Team", "type": "group",
                                                     "group_contacts": {"children": ["contact_nope"]}})
    assert (person.status_code, unknown.status_code) == (400, 400)
    assert person.json()["errors"] == ["group_contacts: only a contact of type group can hold other contacts"]
    # none, as every person reads back, is no fault: a person created, or posted back, with it
    solo = px.post("/packagex/v1/contacts", json={"name": "Solo", "group_contacts": {"children": [], "primary": []}})
    assert solo.status_code == 200, solo.text
    read = px.get(f"/packagex/v1/contacts/{solo.json()['data']['id']}").json()["data"]
    back = px.post(f"/packagex/v1/contacts/{read['id']}", json={k: read[k] for k in ("name", "group_contacts", "metadata")})
    assert back.status_code == 200 and back.json()["data"]["group_contacts"] == {"children": [], "primary": []}
    before += 1
    assert unknown.json()["errors"][0].startswith("group_contacts.children[0]")
    assert px.get("/packagex/v1/contacts").json()["pagination"]["total_count"] == before


def test_list_pages_filters_and_name_order(px):
    for name in ["Charlie", "alice", "Bob"]:
        create(px, name=name, email=f"{name.lower()}@example.com")
    create(px, name="Team", type="group")
    first = px.get("/packagex/v1/contacts", params={"limit": 2}).json()
    assert [c["name"] for c in first["data"]] == ["Charlie", "alice"]
    assert first["pagination"] == {"limit": 2, "page": 1, "has_more": True, "total_count": 4}
    second = px.get("/packagex/v1/contacts", params={"limit": 2, "page": 2}).json()
    assert [c["name"] for c in second["data"]] == ["Bob", "Team"] and second["pagination"]["has_more"] is False
    by_name = px.get("/packagex/v1/contacts", params={"order_by": "name", "type": "person"}).json()
    assert [c["name"] for c in by_name["data"]] == ["alice", "Bob", "Charlie"]
    desc = px.get("/packagex/v1/contacts", params={"order_by": "name", "direction": "desc"}).json()
    assert [c["name"] for c in desc["data"]][0] == "Team"
    found = px.get("/packagex/v1/contacts", params={"search": "BOB@"}).json()
    assert [c["name"] for c in found["data"]] == ["Bob"]
    assert px.get("/packagex/v1/contacts").json()["pagination"]["limit"] == 25
    # refused in the words every door's page size is (pydantic's own were "Input should be greater than…")
    for name, value, says in (("limit", 0, "must be between 1 and 100"), ("limit", 101, "must be between 1 and 100"),
                              ("page", 0, "must be between 1 and 1000000")):
        refused = px.get("/packagex/v1/contacts", params={name: value})
        assert refused.status_code == 400 and says in refused.text, refused.text
    assert px.get("/packagex/v1/contacts", params={"type": "robot"}).status_code == 400


def test_names_are_ordered_as_their_readers_order_them(px, api):
    """order_by=name sorted the raw text: Émile (and Łukasz) after Zoë, and Émile typed decomposed
    apart from Émile typed composed."""
    import unicodedata

    for name in ("Zoë", "Émile", unicodedata.normalize("NFD", "Émile"), "Ana", "Łukasz", "emma"):
        assert create(px, name=name)
    page = px.get("/packagex/v1/contacts", params={"order_by": "name"}).json()["data"]
    assert [unicodedata.normalize("NFC", c["name"]) for c in page] == ["Ana", "Émile", "Émile", "emma", "Łukasz", "Zoë"]


def test_type_person_lists_every_contact_shown_as_a_person_and_search_takes_wildcards_as_letters(px, api):
    acme = api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme Corp"}).json()
    ada = create(px, name="Ada 100%")
    create(px, name="Team_A", type="group")

    def names(**params):
        return [c["name"] for c in px.get("/packagex/v1/contacts", params=params).json()["data"]]

    assert names() == ["Acme Corp", "Ada 100%", "Team_A"]
    assert names(type="person") == ["Acme Corp", "Ada 100%"]  # an organization reads as a person here
    assert names(type="group") == ["Team_A"]
    assert px.get(f"/packagex/v1/contacts/contact_{acme['id']}").json()["data"]["type"] == "person"
    assert names(search="%") == [ada["name"]]
    assert names(search="_") == ["Team_A"]
    create(px, name="Zoë Ångström")
    assert names(search="zoe angstrom") == names(search="ÅNGSTRÖM") == ["Zoë Ångström"]  # accents folded


def test_update_fields_address_by_id_and_delete(px, api):
    tony = create(px, name="Tony", email="tony@stark.com", address="1 Old Road")
    pepper = create(px, name="Pepper", address={"line1": "10880 Malibu Point", "city": "Malibu", "state": "CA",
                                                 "postal_code": "90265", "country": "US"})
    updated = px.post(f"/packagex/v1/contacts/{tony['id']}", json={
        "name": "Tony Stark", "phone": "+1 212 555 0100", "address": pepper["address"]["id"], "metadata": {"a": 1},
    }).json()["data"]
    assert updated["name"] == "Tony Stark" and updated["phone"] == "+12125550100" and updated["email"] == "tony@stark.com"
    assert updated["address"]["line1"] == "10880 Malibu Point" and updated["address"]["city"] == "Malibu"
    assert updated["metadata"] == {"a": 1}
    unit = px.post(f"/packagex/v1/contacts/{tony['id']}", json={"address_line2": "Floor 2"}).json()["data"]
    assert unit["address"]["line2"] == "Floor 2" and unit["address"]["id"] == updated["address"]["id"]
    assert px.post(f"/packagex/v1/contacts/{tony['id']}", json={"email": "bad"}).status_code == 400
    assert px.post(f"/packagex/v1/contacts/{tony['id']}", json={"address": "address_00000000-0000-7000-8000-000000000000"}).status_code == 400

    deleted = px.delete(f"/packagex/v1/contacts/{tony['id']}").json()
    assert deleted["status"] == 200 and deleted["data"]["deleted"] is True
    assert px.get(f"/packagex/v1/contacts/{tony['id']}").status_code == 404
    assert api.get(f"/v1/contacts/{tony['id'].removeprefix('contact_')}").status_code == 404


def test_an_address_posted_back_as_read_without_its_id_is_the_same_address(px, api):
    """A client writing back the address object it read, without `id`: the address was made
    anew (a new id, its type and properties gone, an update recorded)."""
    made = api.post("/v1/contacts", json={"first_name": "Pepper", "addresses": [
        {"line1": "10880 Malibu Point", "city": "Malibu", "region": "CA", "postal_code": "90265", "country": "US",
         "type": "home", "properties": {"gate": "4"}}]}).json()
    read = px.get(f"/packagex/v1/contacts/contact_{made['id']}").json()["data"]["address"]
    posted = {k: v for k, v in read.items() if k not in ("id", "formatted_address")}
    again = px.post(f"/packagex/v1/contacts/contact_{made['id']}", json={"address": posted})
    assert again.status_code == 200 and again.json()["data"]["address"]["id"] == read["id"]
    [address] = api.get(f"/v1/contacts/{made['id']}").json()["addresses"]
    assert (address["type"], address["properties"]) == ("home", {"gate": "4"})
    assert [e["action"] for e in api.get(f"/v1/contacts/{made['id']}/events").json()["data"]] == ["created"]
    moved = px.post(f"/packagex/v1/contacts/contact_{made['id']}", json={"address": {**posted, "city": "Los Angeles"}})
    assert moved.json()["data"]["address"]["city"] == "Los Angeles" and moved.json()["data"]["address"]["id"] != read["id"]


def test_match_contacts_answers_the_existing_contact(px):
    first = create(px, name="Ada", email="ada@example.com")
    again = create(px, name="Ada L", email="ADA@example.com", options={"match_contacts": True})
    assert again["id"] == first["id"]
    other = create(px, name="Ada L", email="ada@example.com")
    assert other["id"] != first["id"]


def test_match_contacts_matches_as_an_import_would_merge(px, api):
    """Only the contact an import with match_contacts would merge the row into is answered: a
    shared office email (an organization) or a household's (another first name) is no match;
    the new contact is made, and the household's pair waits for review (a person and an
    organization are never one)."""
    acme = api.post("/v1/contacts", json={"kind": "organization", "organization_name": "Acme",
                                          "emails": ["office@acme.example.com"]}).json()
    peter = create(px, name="Peter Quill", email="quills@example.com")
    for name, email, other in (("Ada Lovelace", "office@acme.example.com", f"contact_{acme['id']}"),
                               ("Gamora Quill", "quills@example.com", peter["id"])):
        made = px.post("/packagex/v1/contacts", json={"name": name, "email": email,
                                                      "options": {"match_contacts": True}}).json()
        assert made["message"] == "Contact created." and made["data"]["id"] != other
        assert made["data"]["name"] == name
    queued = api.get("/v1/duplicates").json()["data"]
    assert [(q["contact_id"], q["candidate_id"]) for q in queued] == [(made["data"]["id"].removeprefix("contact_"),
                                                                         peter["id"].removeprefix("contact_"))]
    assert px.get("/packagex/v1/contacts").json()["pagination"]["total_count"] == 4


def test_a_group_made_a_person_holds_no_one_in_any_door(px, api):
    team = create(px, name="Team", type="group")
    ada = create(px, name="Ada")
    px.post(f"/packagex/v1/contacts/{team['id']}", json={"group_contacts": {"children": [ada["id"]], "primary": [ada["id"]]}})
    assert px.get(f"/packagex/v1/contacts/{ada['id']}").json()["data"]["referenced_contacts"] != []
    person = px.post(f"/packagex/v1/contacts/{team['id']}", json={"type": "person"}).json()["data"]
    assert person["type"] == "person" and person["group_contacts"] == {"children": [], "primary": []}
    assert px.get(f"/packagex/v1/contacts/{ada['id']}").json()["data"]["referenced_contacts"] == []
    assert px.get("/packagex/v1/contacts", params={"child": ada["id"]}).json()["data"] == []
    assert api.get(f"/v1/contacts/{ada['id'].removeprefix('contact_')}/groups").json()["data"] == []
    again = px.post(f"/packagex/v1/contacts/{team['id']}", json={"type": "group"}).json()["data"]
    assert again["group_contacts"] == {"children": [], "primary": []}  # what it held is not brought back


def test_every_answer_has_the_shape_the_openapi_document_shows(px):
    """The answers' models in the OpenAPI document, checked against real answers (a document
    that showed {} could not be wrong; these can)."""
    from contacthub.dialects.packagex import schemas
    from tests.importfiles import SEED_CSV, data_url

    doc = px.get("/packagex/openapi.json").json()["paths"]
    assert doc["/v1/contacts/{contact_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ContactEnvelope"}
    team = px.post("/packagex/v1/contacts", json={"name": "Team", "type": "group"}).json()
    tony = px.post("/packagex/v1/contacts", json={"name": "Tony", "email": "tony@stark.com",
                                                  "address": {"line1": "10880 Malibu Point"}}).json()
    schemas.CreatedEnvelope.model_validate(tony)
    joined = px.post(f"/packagex/v1/contacts/{team['data']['id']}",
                     json={"group_contacts": {"children": [tony["data"]["id"]]}}).json()
    schemas.ContactEnvelope.model_validate(joined)
    schemas.ContactEnvelope.model_validate(px.get(f"/packagex/v1/contacts/{tony['data']['id']}").json())
    schemas.ContactsEnvelope.model_validate(px.get("/packagex/v1/contacts").json())
    imported = px.post("/packagex/v1/contacts", json={"csv_url": data_url(SEED_CSV)}).json()
    assert isinstance(schemas.CreatedEnvelope.model_validate(imported).data, schemas.ImportOut)
    schemas.DeletedEnvelope.model_validate(px.delete(f"/packagex/v1/contacts/{tony['data']['id']}").json())
