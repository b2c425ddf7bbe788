"""What the audit of the NGP VAN door against the seed and the vendor notes found, each pinned on
the wire: Location headers, redirects, the merge keeping one item per VAN type, posting the
seed twice, and the property names of query faults."""


import pytest

from tests.dialects.ngpvan.test_contacts import SEED_BODY
from tests.dialects.ngpvan.wire import CONTACTS, basic, post



def without_dates(contact: dict) -> dict:
    return {k: v for k, v in contact.items() if k not in ("dateCreated", "dateModified")}


def test_behind_a_proxy_prefix_the_next_page_link_names_it_once(app, workspace):
    """Served under /crm (serve --root-path /crm), nextPageLink read
    https://host/crm/crm/ngpvan/...: the base URL and the path each held the prefix."""
    from fastapi.testclient import TestClient

    # as uvicorn hands a request on with root_path set: the path under the prefix
    proxied = TestClient(app, root_path="/crm", base_url="https://contacts.example.com")
    proxied.headers["Authorization"] = basic(workspace.api_key)
    for n in range(3):
        created = post(proxied, {"type": "INDIVIDUAL", "firstName": f"P{n}", "lastName": "Prefixed"}, "/crm" + CONTACTS)
        assert created.headers["Location"] == f"/crm{CONTACTS}/{created.json()['contactId']}"
    page = proxied.get("/crm" + CONTACTS, params={"lastName": "Prefixed", "$top": 2}).json()
    link = page["nextPageLink"]
    assert link.startswith(f"https://contacts.example.com/crm{CONTACTS}?lastName=Prefixed&%24top=2&%24cursor="), link
    rest = proxied.get(link).json()
    assert len(rest["items"]) == 1 and rest["nextPageLink"] is None


def test_a_201_carries_the_location_of_the_new_contact(van):
    for path in (CONTACTS, f"{CONTACTS}/findOrCreate"):
        created = post(van, {"type": "INDIVIDUAL", "firstName": "Ann", "lastName": f"Lee{len(path)}"}, path)
        assert created.status_code == 201
        contact_id = created.json()["contactId"]
        assert created.headers["Location"] == f"{CONTACTS}/{contact_id}"
        assert van.get(created.headers["Location"]).json()["contactId"] == contact_id
        again = post(van, {"type": "INDIVIDUAL", "firstName": "Ann", "lastName": f"Lee{len(path)}"}, path)
        assert again.status_code in (200, 201)
    merged = post(van, SEED_BODY)
    merged_again = post(van, SEED_BODY)
    assert merged.status_code == 201 and merged_again.status_code == 200
    assert "location" not in merged_again.headers and merged_again.json() == merged.json()


def test_posting_the_seed_twice_changes_nothing_visible(van, workspace):
    first = post(van, SEED_BODY).json()["contactId"]
    before = van.get(f"{CONTACTS}/{first}").json()
    for path in (CONTACTS, f"{CONTACTS}/findOrCreate"):
        again = post(van, SEED_BODY, path)
        assert again.status_code == 200 and again.json() == {"contactId": first}
    after = van.get(f"{CONTACTS}/{first}").json()
    assert after == before  # the address is not doubled, nothing is: not even dateModified moves
    assert len(after["addresses"]) == 1 and len(after["phones"]) == 2 and len(after["externalLinks"]) == 2
    native = van.get("/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()["data"]
    assert [c["id"] for c in native] == [first]
    history = van.get(f"/v1/contacts/{first}/events", headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert [e["action"] for e in history.json()["data"]] == ["created"]  # no merge, no update on the feed


def test_a_merge_keeps_one_item_per_type_and_the_posted_one_wins(van, workspace):
    first = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                       "emails": [{"address": "lefty@example.com", "type": "MAIN", "appliedEmailLists": [{"emailListId": 12}]}],
                       "phones": [{"number": "2025557979", "type": "HOME"}, {"number": "2025550111", "type": "WORK"}],
                       "addresses": [{"line1": "1 A St", "city": "Washington", "type": "HOME"}]}).json()["contactId"]
    again = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                       "emails": [{"address": "LEFTY@example.com", "type": "MAIN", "doNotEmail": True},
                                  {"address": "lefty@work.example.com", "type": "WORK"}],
                       "phones": [{"number": "2025550100", "type": "HOME", "isPrimary": True}],
                       "addresses": [{"line1": " 1 a st", "city": "WASHINGTON", "type": "HOME"},
                                     {"line1": "9 Office Rd", "city": "Washington", "type": "WORK"}]})
    assert again.status_code == 200 and again.json() == {"contactId": first}
    body = van.get(f"{CONTACTS}/{first}").json()
    # the stored MAIN email is updated in place: its lists kept, doNotEmail now set
    assert [(e["address"], e["type"], e["isPrimary"], e["doNotEmail"], e["appliedEmailLists"]) for e in body["emails"]] == [
        ("lefty@example.com", "MAIN", True, True, [{"emailListId": 12}]),
        ("lefty@work.example.com", "WORK", False, False, []),
    ]
    # the posted HOME phone takes the HOME place (and the primary flag it asked for); WORK stays
    assert [(p["number"], p["type"], p["isPrimary"]) for p in body["phones"]] == [
        ("2025550111", "WORK", False), ("2025550100", "HOME", True)]
    # the same address in other case and spacing is the stored one, not a second HOME address
    assert [(a["line1"], a["type"]) for a in body["addresses"]] == [(" 1 a st", "HOME"), ("9 Office Rd", "WORK")]
    for group in ("emails", "phones", "addresses"):
        types = [item["type"] for item in body[group]]
        assert len(types) == len(set(types)), group
        assert sum(item["isPrimary"] for item in body[group]) == 1, group
    native = van.get(f"/v1/contacts/{first}", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()
    assert [p["number"] for p in native["phones"]] == ["+12025550111", "+12025550100"]


def test_the_redirect_names_the_contact_under_the_mount_and_can_be_followed(van):
    contact_id = post(van, SEED_BODY).json()["contactId"]
    for path in (CONTACTS, f"{CONTACTS}/findOrCreate"):
        response = post(van, {"contactId": contact_id.upper(), "type": "INDIVIDUAL", "firstName": "X", "lastName": "Y"},
                        path, follow_redirects=False)
        assert response.status_code == 301
        assert response.headers["Location"] == f"{CONTACTS}/{contact_id}"
    followed = post(van, {"contactId": contact_id, "type": "INDIVIDUAL", "firstName": "X", "lastName": "Y"})
    assert followed.status_code == 200 and followed.json()["firstName"] == "Lefty"  # a client lands on the contact
    assert van.get(CONTACTS).json()["count"] == 1  # and nothing was written


def test_an_update_naming_its_own_contact_id_is_an_update(van):
    contact_id = post(van, SEED_BODY).json()["contactId"]
    other = post(van, {"type": "INDIVIDUAL", "firstName": "Other", "lastName": "Person"}).json()["contactId"]
    same = post(van, {"contactId": contact_id.upper(), "occupation": "Chief"}, f"{CONTACTS}/{contact_id}")
    assert same.status_code == 200 and same.json() == {"contactId": contact_id}
    assert van.get(f"{CONTACTS}/{contact_id}").json()["occupation"] == "Chief"
    moved = post(van, {"contactId": other, "occupation": "Nope"}, f"{CONTACTS}/{contact_id}", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == f"{CONTACTS}/{other}"
    assert van.get(f"{CONTACTS}/{other}").json()["occupation"] is None


def test_query_faults_name_the_parameter_as_sent(van):
    for params, name in (({"$top": 0}, "$top"), ({"$top": 500}, "$top"), ({"$cursor": "nope!"}, "$cursor"),
                         ({"$skip": 50}, "$skip")):
        response = van.get(CONTACTS, params=params)
        assert response.status_code == 400
        assert response.json()["errors"][0]["properties"] == [name]
    skip = van.get(CONTACTS, params={"$skip": 50}).json()["errors"][0]["text"]
    assert "nextPageLink" in skip
    assert van.get(CONTACTS, params={"$expand": "emails,phones", "$top": 5}).status_code == 200


def test_wrong_methods_are_405_with_allow(van):
    contact_id = post(van, SEED_BODY).json()["contactId"]
    response = van.delete(f"{CONTACTS}/{contact_id}")
    assert response.status_code == 405
    assert response.json()["errors"][0]["code"] == "METHOD_NOT_ALLOWED"
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert van.get(f"{CONTACTS}/{contact_id}").status_code == 200


def test_a_key_in_a_blank_apikey_header_falls_back_to_basic(van):
    assert van.get(CONTACTS, headers={"apiKey": "  "}).status_code == 200


def test_a_utf8_bom_before_the_json_is_accepted(van):
    response = van.post(CONTACTS, content="\ufeff".encode() + SEED_BODY.encode(),
                        headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201, response.text
    assert van.get(f"{CONTACTS}/{response.json()['contactId']}").json()["firstName"] == "Lefty"


def test_every_field_of_the_type_is_in_the_answer(van):
    common = {"contactId", "type", "emails", "phones", "addresses", "externalLinks", "contactCodes", "employer",
              "occupation", "facebookProfileUrl", "disclosureFields", "communicationPreferences", "dateCreated",
              "dateModified"}
    person = post(van, {"type": "INDIVIDUAL", "firstName": "Ann", "lastName": "Lee"}).json()["contactId"]
    org = post(van, {"type": "ORGANIZATION", "commonName": "Acme"}).json()["contactId"]
    body = van.get(f"{CONTACTS}/{person}").json()
    assert set(body) == common | {"prefix", "firstName", "middleName", "lastName", "suffix", "nickName", "salutation",
                                  "mailName", "spouseName"}
    assert body["mailName"] is None and body["spouseName"] is None
    assert set(van.get(f"{CONTACTS}/{org}").json()) == common | {"commonName", "officialName",
                                                                 "primaryContactFirstName", "primaryContactLastName"}
    listed = van.get(CONTACTS).json()["items"]
    assert [set(c) for c in listed] == [set(body), set(van.get(f"{CONTACTS}/{org}").json())]


def test_a_merge_keeps_what_another_door_stored_unchecked(van, db, workspace):
    """ChartMogul keeps contact emails as given; a VAN post merged into such a contact is not
    refused for an email it never sent."""
    from contacthub.core import contacts
    from contacthub.core.actor import Actor
    from contacthub.core.inputs import ContactInput, WriteOptions

    with db.write() as session:
        stored = contacts.create(session, Actor(workspace.workspace_id, workspace.key_id, "chartmogul"),
                                 ContactInput(first_name="Lefty", last_name="McDonkey", emails=[{"address": "lefty at home"}],
                                              phones=[{"number": "2025557979"}]), WriteOptions(strict_emails=False))
    merged = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                        "phones": [{"number": "2025557979", "type": "MOBILE"}],
                        "emails": [{"address": "lefty@example.com", "type": "MAIN"}]})
    assert merged.status_code == 200, merged.text
    assert merged.json() == {"contactId": str(stored.id)}
    body = van.get(f"{CONTACTS}/{stored.id}").json()
    assert [e["address"] for e in body["emails"]] == ["lefty at home", "lefty@example.com"]


def test_a_plain_merge_can_still_be_undone_through_the_native_api(van, workspace):
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    first = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                       "emails": [{"address": "lefty@example.com", "type": "MAIN"}],
                       "phones": [{"number": "2025557979", "type": "MOBILE"}]}).json()["contactId"]
    merged = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
                        "emails": [{"address": "lefty@example.com", "type": "MAIN"},
                                   {"address": "lefty@work.example.com", "type": "WORK"}]})
    assert merged.status_code == 200
    events = van.get(f"/v1/contacts/{first}/events", headers=native).json()["data"]
    loser = next(e["changes"]["from"] for e in events if e["action"] == "merged")
    undone = van.post(f"/v1/contacts/{first}/unmerge", json={"from": loser}, headers=native)
    assert undone.status_code == 200, undone.text
    # the posted record comes back as it was posted; the first contact as it was before
    assert [e["address"] for e in van.get(f"{CONTACTS}/{loser}").json()["emails"]] == \
        ["lefty@example.com", "lefty@work.example.com"]
    assert [e["address"] for e in van.get(f"{CONTACTS}/{first}").json()["emails"]] == ["lefty@example.com"]


def test_a_close_match_of_the_other_type_is_not_merged(van, workspace):
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    shared = {"emails": [{"address": "info@acme.com"}], "phones": [{"number": "2025550100"}],
              "addresses": [{"line1": "1 Main St", "city": "Washington", "postalCode": "20005"}]}
    org = post(van, {"type": "ORGANIZATION", "commonName": "Acme", **shared}).json()["contactId"]
    before = van.get(f"{CONTACTS}/{org}").json()
    found = post(van, {"type": "INDIVIDUAL", "firstName": "Pat", "lastName": "Smith", **shared},
                 f"{CONTACTS}/findOrCreate")
    assert found.status_code == 201, found.text
    person = found.json()["contactId"]
    assert person != org and van.get(f"{CONTACTS}/{person}").json()["type"] == "INDIVIDUAL"
    # a second post of the person merges into the person, never into the organization
    again = post(van, {"type": "INDIVIDUAL", "firstName": "Pat", "lastName": "Smith", "occupation": "CEO", **shared})
    assert again.status_code == 200 and again.json() == {"contactId": person}
    assert van.get(f"{CONTACTS}/{person}").json()["occupation"] == "CEO"
    by_email_only = post(van, {"type": "INDIVIDUAL", "emails": [{"address": "info@acme.com"}]})
    assert by_email_only.json()["contactId"] != org
    assert van.get(f"{CONTACTS}/{org}").json() == before  # the organization got no first and last name
    assert van.get(f"/v1/contacts/{org}", headers=native).json()["first_name"] is None
    # the same type still merges
    same = post(van, {"type": "ORGANIZATION", "commonName": "Acme", **shared})
    assert same.status_code == 200 and same.json() == {"contactId": org}


def test_the_openapi_document_shows_the_bodies_and_errors(client):
    doc = client.get("/ngpvan/openapi.json").json()
    bodies = {"/v2/contacts": "NewContactBody", "/v2/contacts/findOrCreate": "NewContactBody",
              "/v2/contacts/{contact_id}": "ContactBody"}  # a create requires `type`, an update does not
    for path, body in bodies.items():
        operation = doc["paths"][path]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{body}"}
        assert operation["responses"]["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorsOut"}
    contact = doc["components"]["schemas"]["ContactBody"]
    assert {"type", "firstName", "emails", "phones", "addresses"} <= set(contact["properties"])
    assert doc["components"]["schemas"]["Email"]["properties"]["address"]
    # and what each answers: a read is the common model (it posts back), a list a page of them
    def answered(path, method, status="200"):
        return doc["paths"][path][method]["responses"][status]["content"]["application/json"]["schema"]

    assert answered("/v2/contacts/{contact_id}", "get") == {"$ref": "#/components/schemas/ContactBody"}
    assert answered("/v2/contacts", "get") == {"$ref": "#/components/schemas/ContactsPage"}
    assert answered("/v2/contacts", "post", "201") == {"$ref": "#/components/schemas/ContactIdOut"}


def test_a_read_posts_back_whole_dates_included(van):
    created = post(van, {"type": "INDIVIDUAL", "firstName": "Read", "lastName": "Back",
                         "emails": [{"address": "rb@example.com"}]}).json()["contactId"]
    read = van.get(f"{CONTACTS}/{created}").json()
    assert "dateCreated" in read and "dateModified" in read
    again = post(van, read, f"{CONTACTS}/{created}")
    assert again.status_code == 200
    assert without_dates(van.get(f"{CONTACTS}/{created}").json()) == without_dates(read)


def test_an_update_keeps_the_properties_other_doors_gave_emails_and_phones(van, workspace):
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    made = van.post("/v1/contacts", headers=native, json={
        "first_name": "Prop", "last_name": "Keep",
        "emails": [{"address": "pk@example.com", "type": "work", "properties": {"verified": True}}],
        "phones": [{"number": "+12025550188", "properties": {"carrier": "X"}}]}).json()
    read = van.get(f"{CONTACTS}/{made['id']}").json()
    assert post(van, without_dates(read), f"{CONTACTS}/{made['id']}").status_code == 200
    stored = van.get(f"/v1/contacts/{made['id']}", headers=native).json()
    assert stored["emails"][0]["properties"]["verified"] is True
    assert stored["phones"][0]["properties"]["carrier"] == "X"


@pytest.mark.parametrize("item, path", [
    ({"contactCodes": [{"contactCodeId": True}]}, "contactCodes[0].contactCodeId"),
    ({"disclosureFields": [{"disclosureFieldId": 1, "designationId": False}]}, "disclosureFields[0].designationId"),
    ({"emails": [{"address": "t@example.com", "appliedEmailLists": [{"emailListId": True}]}]},
     "emails[0].appliedEmailLists[0].emailListId"),
    ({"emails": [{"address": "t@example.com", "doNotEmail": "yes"}]}, "emails[0].doNotEmail"),
    ({"phones": [{"number": "2025550100", "isPrimary": 1}]}, "phones[0].isPrimary"),
])
def test_a_flag_is_no_id_and_an_id_no_flag(van, item, path):
    response = post(van, {"type": "INDIVIDUAL", "firstName": "T", "lastName": "Types", **item})
    assert response.status_code == 400
    assert response.json()["errors"][0]["properties"] == [path]
    assert van.get(CONTACTS).json()["count"] == 0


def test_a_merge_that_would_overflow_a_contact_is_refused_whole(van):
    many = [{"address": f"m{i}@many.example.com"} for i in range(50)]
    first = post(van, {"type": "INDIVIDUAL", "firstName": "Many", "lastName": "Mails", "emails": many})
    assert first.status_code == 201
    more = post(van, {"type": "INDIVIDUAL", "firstName": "Many", "lastName": "Mails",
                      "emails": [{"address": "m0@many.example.com"}, {"address": "new@many.example.com"}]})
    assert more.status_code == 400
    assert more.json()["errors"][0]["properties"] == ["emails"]
    listed = van.get(CONTACTS).json()
    assert listed["count"] == 1 and len(van.get(f"{CONTACTS}/{first.json()['contactId']}").json()["emails"]) == 50


def test_a_repeat_with_something_new_still_merges_it_in(van):
    body = {"type": "INDIVIDUAL", "firstName": "Rae", "lastName": "Peat", "emails": [{"address": "rp@example.com"}]}
    first = post(van, body).json()["contactId"]
    assert post(van, body).status_code == 200
    for extra in ({"occupation": "Pilot"}, {"externalLinks": [{"externalSourceTypeId": 1, "externalId": "x-1"}]},
                  {"phones": [{"number": "2025550111", "type": "HOME"}]}):
        again = post(van, {**body, **extra})
        assert again.status_code == 200 and again.json() == {"contactId": first}
    stored = van.get(f"{CONTACTS}/{first}").json()
    assert stored["occupation"] == "Pilot" and stored["externalLinks"][0]["externalId"] == "x-1"
    assert [p["number"] for p in stored["phones"]] == ["2025550111"]


def test_blank_names_and_profile_urls_are_none(van, workspace):
    made = post(van, {"type": "INDIVIDUAL", "firstName": "Blank", "lastName": "Names", "middleName": "  ",
                      "emails": [{"address": "bn@example.com"}]}).json()["contactId"]
    assert post(van, {"firstName": "   ", "facebookProfileUrl": ""}, f"{CONTACTS}/{made}").status_code == 200
    read = van.get(f"{CONTACTS}/{made}").json()
    assert (read["firstName"], read["middleName"], read["facebookProfileUrl"]) == (None, None, None)
    native = van.get(f"/v1/contacts/{made}", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()
    assert native["display_name"] == "Names" and native["social"] == {}
