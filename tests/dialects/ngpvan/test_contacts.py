"""The NGP VAN door on the wire: the seed's example body, dedupe, findOrCreate, update, list,
auth schemes, redirects and the error envelope."""

import base64
import json

import pytest

from tests.dialects.ngpvan.wire import post

# The seed's example POST, verbatim but for the address its page obfuscated (and its trailing comma).
SEED_BODY = """{
"type": "INDIVIDUAL",
"firstName": "Lefty",
"lastName": "McDonkey",
"emails": [
{
"address": "lefty@example.com",
"type": "MAIN",
"doNotEmail": false,
"appliedEmailLists": [{
"emailListId": 12,
},
{
"emailListId": 14
}]
}
],
"addresses" : [
{
"line1": "1203 12th St",
"line2": "Suite 525",
"city": "Washington",
"stateProvince": "DC",
"postalCode": "20005",
"type": "WORK"
}
],
"phones" : [
{
"number": "2025557979",
"type": "MOBILE"
},
{
"number": "3014884002",
"type": "HOME"
}
],
"externalLinks" : [
{
"externalSourceTypeId": "13",
"externalId": "12345"
},
{
"externalSourceTypeId": "15",
"externalId": "6789"
}
],
"contactCodes": [
{
"contactCodeId": 37653
},
{
"contactCodeId": 1022
},
{
"contactCodeId": 27
}
],
"employer": "NGP VAN",
"occupation": "Mascot",
"facebookProfileUrl": "http://facebook.com/shia_labeouf",
"disclosureFields": [
{
"disclosureFieldId": 1,
"designationId": 8,
"value": 702
},
{
"disclosureFieldId": 2114,
"designationId": 8,
"value": 2013
}
]
}"""


def subset(given, got):
    """Every value given is in what came back (extra fields may be there too)."""
    if isinstance(given, dict):
        return all(k in got and subset(v, got[k]) for k, v in given.items())
    if isinstance(given, list):
        return len(given) == len(got) and all(subset(a, b) for a, b in zip(given, got))
    return given == got


def test_the_seed_body_round_trips(van, workspace):
    created = post(van, SEED_BODY)
    assert created.status_code == 201, created.text
    contact_id = created.json()["contactId"]
    assert set(created.json()) == {"contactId"}
    got = van.get(f"/ngpvan/v2/contacts/{contact_id}")
    assert got.status_code == 200
    body = got.json()
    given = json.loads(SEED_BODY.replace("12,\n}", "12\n}"))
    assert subset(given, body), body
    assert body["contactId"] == contact_id
    # the same contact through the native door
    native = van.get(f"/v1/contacts/{contact_id}", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()
    assert native["first_name"] == "Lefty" and native["employer"] == "NGP VAN"
    assert native["phones"][0]["number"] == "+12025557979"
    assert {i["key"] for i in native["identifiers"]} == {"ngpvan.13", "ngpvan.15"}


def test_a_close_match_is_merged_with_200(van):
    first = post(van, SEED_BODY).json()["contactId"]
    again = post(van, {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey", "occupation": "Chief Mascot",
                       "emails": [{"address": "lefty@example.com", "type": "MAIN"}],
                       "phones": [{"number": "2025550100", "type": "WORK"}]})
    assert again.status_code == 200, again.text
    assert again.json() == {"contactId": first}
    body = van.get(f"/ngpvan/v2/contacts/{first}").json()
    assert body["occupation"] == "Chief Mascot"  # given scalars replace
    assert [p["number"] for p in body["phones"]] == ["2025557979", "3014884002", "2025550100"]  # new ones added
    other = post(van, {"type": "INDIVIDUAL", "firstName": "Righty", "lastName": "O'Donkey"})
    assert other.status_code == 201
    listed = van.get("/ngpvan/v2/contacts").json()
    assert len(listed["items"]) == 2


def test_find_or_create(van):
    created = post(van, {"type": "INDIVIDUAL", "firstName": "Ann", "lastName": "Lee", "emails": [{"address": "ann@lee.org"}]},
                   "/ngpvan/v2/contacts/findOrCreate")
    assert created.status_code == 201
    found = post(van, {"type": "INDIVIDUAL", "firstName": "Ann", "lastName": "Lee", "emails": [{"address": "ann@lee.org"}],
                       "occupation": "ignored"}, "/ngpvan/v2/contacts/findOrCreate")
    assert found.status_code == 200 and found.json() == created.json()
    assert van.get(f"/ngpvan/v2/contacts/{created.json()['contactId']}").json()["occupation"] is None


def test_update_by_posting_to_the_item(van):
    contact_id = post(van, SEED_BODY).json()["contactId"]
    response = post(van, {"occupation": "Retired", "phones": [{"number": "2025550199", "type": "HOME"}]},
                    f"/ngpvan/v2/contacts/{contact_id}")
    assert response.status_code == 200 and response.json() == {"contactId": contact_id}
    body = van.get(f"/ngpvan/v2/contacts/{contact_id}").json()
    assert body["occupation"] == "Retired" and body["firstName"] == "Lefty"
    assert [p["number"] for p in body["phones"]] == ["2025550199"]
    bad = post(van, {"commonName": "Acme"}, f"/ngpvan/v2/contacts/{contact_id}")
    assert bad.status_code == 400 and bad.json()["errors"][0]["properties"] == ["commonName"]


def test_a_body_with_contact_id_is_redirected(van):
    contact_id = post(van, SEED_BODY).json()["contactId"]
    response = van.post("/ngpvan/v2/contacts", json={"contactId": contact_id, "type": "INDIVIDUAL", "firstName": "X"},
                        follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/ngpvan/v2/contacts/{contact_id}"


def test_organizations(van):
    org = post(van, {"type": "ORGANIZATION", "commonName": "Acme Corp", "officialName": "Acme Corporation Inc"})
    assert org.status_code == 201
    body = van.get(f"/ngpvan/v2/contacts/{org.json()['contactId']}").json()
    assert body["type"] == "ORGANIZATION" and body["commonName"] == "Acme Corp" and "firstName" not in body
    listed = van.get("/ngpvan/v2/contacts", params={"commonName": "acme corp"}).json()["items"]
    assert [c["contactId"] for c in listed] == [org.json()["contactId"]]


def test_filtered_list_and_pages(van):
    for i in range(3):
        post(van, {"type": "INDIVIDUAL", "firstName": f"Person{i}", "lastName": "Same",
                   "emails": [{"address": f"p{i}@example.com"}], "phones": [{"number": f"202555010{i}"}]})
    assert [c["firstName"] for c in van.get("/ngpvan/v2/contacts", params={"lastName": "same"}).json()["items"]] == \
        ["Person0", "Person1", "Person2"]
    assert [c["firstName"] for c in van.get("/ngpvan/v2/contacts", params={"email": "P1@example.com"}).json()["items"]] == ["Person1"]
    assert [c["firstName"] for c in van.get("/ngpvan/v2/contacts", params={"phone": "(202) 555-0102"}).json()["items"]] == ["Person2"]
    assert [c["firstName"] for c in van.get("/ngpvan/v2/contacts", params={"firstName": "person0", "lastName": "Same"}).json()["items"]] == ["Person0"]
    page = van.get("/ngpvan/v2/contacts", params={"$top": 2}).json()
    assert len(page["items"]) == 2 and page["nextPageLink"]
    assert page["count"] == 3  # every match, not this page's
    rest = van.get(page["nextPageLink"]).json()
    assert len(rest["items"]) == 1 and rest["nextPageLink"] is None and rest["count"] == 3
    assert van.get("/ngpvan/v2/contacts", params={"lastName": "same", "firstName": "person1"}).json()["count"] == 1


def test_name_filters_match_whole_names_in_any_case_and_any_letter(van):
    post(van, {"type": "INDIVIDUAL", "firstName": "Émile", "lastName": "Zola", "emails": [{"address": "ez@example.com"}]})
    for name in ("Acme", "Big Acme Widgets", "100%"):
        post(van, {"type": "ORGANIZATION", "commonName": name})

    def found(**params):
        return [c.get("commonName") or c["firstName"] for c in van.get("/ngpvan/v2/contacts", params=params).json()["items"]]

    assert found(firstName="émile") == found(firstName="ÉMILE") == found(lastName="ZOLA") == ["Émile"]
    assert found(commonName="acme") == ["Acme"]
    assert found(commonName="big acme widgets") == ["Big Acme Widgets"]
    assert found(commonName="Widg") == found(commonName="%") == found(commonName="_cme") == []
    assert found(commonName="100%") == ["100%"]
    everyone = found()
    for name in ("firstName", "lastName", "email", "phone", "commonName"):  # given empty: no filter
        response = van.get("/ngpvan/v2/contacts", params={name: ""})
        assert response.status_code == 200 and len(response.json()["items"]) == len(everyone), name


def test_api_key_header_and_bad_auth(client, workspace):
    ok = client.get("/ngpvan/v2/contacts", headers={"apiKey": workspace.api_key})
    assert ok.status_code == 200
    token = base64.b64encode(f"apiuser:{workspace.api_key}|1".encode()).decode()
    assert client.get("/ngpvan/v2/contacts", headers={"Authorization": f"Basic {token}"}).status_code == 200
    # the key as VAN writes it, with its database mode, in the apiKey header too (it was 401 there)
    assert client.get("/ngpvan/v2/contacts", headers={"apiKey": f"{workspace.api_key}|0"}).status_code == 200
    for headers in ({}, {"apiKey": "nope"}, {"Authorization": "Basic !!!"},
                    {"Authorization": "Bearer " + workspace.api_key}):
        response = client.get("/ngpvan/v2/contacts", headers=headers)
        assert response.status_code == 401
        assert response.json()["errors"][0]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("body, properties", [
    ({"firstName": "A", "lastName": "B"}, ["type"]),
    ({"type": "PERSON", "firstName": "A", "lastName": "B"}, ["type"]),
    ({"type": "INDIVIDUAL", "firstName": "A"}, ["type"]),
    ({"type": "INDIVIDUAL", "firstName": "A", "lastName": "B", "commonName": "C"}, ["commonName"]),
    ({"type": "ORGANIZATION", "commonName": "C", "firstName": "A"}, ["firstName"]),
    ({"type": "INDIVIDUAL", "phones": [{"number": "2025550100", "type": "HOME"}, {"number": "nope", "type": "WORK"}]},
     ["phones[1].number"]),
    ({"type": "INDIVIDUAL", "phones": [{"number": "2025550100", "type": "HOME"}, {"number": "2025550101", "type": "HOME"}]},
     ["phones[1].type"]),
    ({"type": "INDIVIDUAL", "emails": [{"address": "a@b.org", "type": "FAX"}]}, ["emails[0].type"]),
    ({"type": "INDIVIDUAL", "emails": [{"address": "not an email"}]}, ["emails[0].address"]),
    ({"type": "INDIVIDUAL", "firstName": "A", "lastName": "B", "addresses": [{"city": "X", "type": "HOME"}, {"city": "Y", "type": "HOME"}]},
     ["addresses[1].type"]),
    ({"type": "INDIVIDUAL", "firstName": "A", "lastName": "B", "shoeSize": 9}, ["shoeSize"]),
    ({"type": "INDIVIDUAL", "firstName": "A", "lastName": "B", "contactCodes": [{"contactCodeId": "x"}]},
     ["contactCodes[0].contactCodeId"]),
    ({"type": "INDIVIDUAL", "firstName": "A", "lastName": "B", "addresses": [{"type": "HOME"}]}, ["addresses[0]"]),
])
def test_invalid_bodies_answer_400_with_dot_paths_and_store_nothing(van, body, properties):
    response = post(van, body)
    assert response.status_code == 400, response.text
    errors = response.json()["errors"]
    assert [p for e in errors for p in e.get("properties", [])] == properties
    assert all(e["code"] == "INVALID_PARAMETER" and e["text"] for e in errors)
    assert van.get("/ngpvan/v2/contacts").json()["items"] == []


def test_malformed_unknown_and_oversized(van, workspace):
    for content in ("{nope", "[1, 2]", "", "\xff"):
        response = van.post("/ngpvan/v2/contacts", content=content, headers={"Content-Type": "application/json"})
        assert response.status_code == 400 and response.json()["errors"][0]["code"] == "INVALID_REQUEST_BODY"
    assert van.get("/ngpvan/v2/contacts/00000000-0000-0000-0000-000000000000").status_code == 404
    missing = van.get("/ngpvan/v2/contacts/VN93A9H7CW7")
    assert missing.status_code == 404 and missing.json()["errors"][0]["code"] == "NOT_FOUND"
    assert van.get("/ngpvan/v2/nothing").status_code == 404
    big = van.post("/ngpvan/v2/contacts", content=b"{" + b" " * 2_000_000 + b"}",
                   headers={"Content-Type": "application/json"})
    assert big.status_code == 413 and big.json()["errors"][0]["code"] == "REQUEST_TOO_LARGE"


def test_another_workspaces_contact_is_not_found(van, client, db):
    from contacthub.core import workspaces

    contact_id = post(van, SEED_BODY).json()["contactId"]
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    response = client.get(f"/ngpvan/v2/contacts/{contact_id}", headers={"apiKey": other.api_key, "Authorization": ""})
    assert response.status_code == 404


def test_the_seed_text_as_published_names_the_bad_email(van):
    published = SEED_BODY.replace("lefty@example.com", "[email protected]")
    response = post(van, published)
    assert response.status_code == 400
    assert response.json()["errors"][0]["properties"] == ["emails[0].address"]


def test_concurrent_posts_of_one_new_person_end_as_one_contact(live_server, workspace):
    import threading

    import httpx

    body = {"type": "INDIVIDUAL", "firstName": "Rosa", "lastName": "Parks", "emails": [{"address": "rosa@example.org"}]}
    barrier = threading.Barrier(3)
    answers = []

    def create():
        with httpx.Client(base_url=live_server, headers={"apiKey": workspace.api_key}, timeout=30) as c:
            barrier.wait()
            answers.append(c.post("/ngpvan/v2/contacts", json=body))

    threads = [threading.Thread(target=create) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(a.status_code for a in answers) == [200, 200, 201]
    assert len({a.json()["contactId"] for a in answers}) == 1
    listed = httpx.get(f"{live_server}/ngpvan/v2/contacts", headers={"apiKey": workspace.api_key}).json()
    assert len(listed["items"]) == 1
