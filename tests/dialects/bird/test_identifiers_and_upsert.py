"""Contact identifiers (add, list, delete) and create-or-update by identifier with the three
strategies."""

import uuid


def _contact(bird, *identifiers, name="A"):
    response = bird.post(bird.ws + "/contacts", json={
        "displayName": name, "identifiers": [{"key": k, "value": v} for k, v in identifiers]})
    assert response.status_code == 201, response.text
    return response.json()


def test_add_list_and_delete_identifiers(bird):
    made = _contact(bird, ("emailaddress", "a@x.com"))
    url = f"{bird.ws}/contacts/{made['id']}/identifiers"
    added = bird.post(url, json={"key": "emailaddress", "value": "B@x.com", "properties": {"isGmail": True}})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["contactId"] == made["id"] and body["key"] == "emailaddress" and body["value"] == "b@x.com"
    assert body["properties"] == {"isGmail": True} and body["createdAt"].endswith("Z")
    assert bird.post(url, json={"key": "visitorid", "value": "v1"}).status_code == 201
    listed = bird.get(url).json()
    assert [(i["key"], i["value"]) for i in listed["results"]] == [
        ("emailaddress", "a@x.com"), ("emailaddress", "b@x.com"), ("visitorid", "v1")]
    page = bird.get(url + "?limit=2").json()
    assert len(page["results"]) == 2
    rest = bird.get(url, params={"pageToken": page["nextPageToken"]}).json()
    assert [i["value"] for i in rest["results"]] == ["v1"] and "nextPageToken" not in rest
    assert [i["value"] for i in bird.get(url + "?reverse=true").json()["results"]] == ["v1", "b@x.com", "a@x.com"]
    gone = bird.request("DELETE", url, json={"key": "emailaddress", "value": "A@X.COM"})
    assert gone.status_code == 204
    assert [i["value"] for i in bird.get(url).json()["results"]] == ["b@x.com", "v1"]
    missing = bird.request("DELETE", url, json={"key": "emailaddress", "value": "a@x.com"})
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
    contact = bird.get(f"{bird.ws}/contacts/{made['id']}").json()
    assert contact["identifierCount"] == 2
    assert contact["featuredIdentifiers"][0] == {"key": "emailaddress", "value": "b@x.com"}


def test_adding_an_identifier_twice_keeps_its_creation_time(bird):
    made = _contact(bird)
    url = f"{bird.ws}/contacts/{made['id']}/identifiers"
    first = bird.post(url, json={"key": "visitorid", "value": "v"}).json()
    second = bird.post(url, json={"key": "visitorid", "value": "v"})
    assert second.status_code == 201 and second.json()["createdAt"] == first["createdAt"]
    assert len(bird.get(url).json()["results"]) == 1


def test_identifier_of_another_contact_is_409(bird):
    _contact(bird, ("phonenumber", "+31612345678"))
    other = _contact(bird, name="B")
    response = bird.post(f"{bird.ws}/contacts/{other['id']}/identifiers",
                         json={"key": "phonenumber", "value": "0031612345678"})
    assert response.status_code in (409, 422)
    response = bird.post(f"{bird.ws}/contacts/{other['id']}/identifiers",
                         json={"key": "phonenumber", "value": "+31 6 12345678"})
    assert response.status_code == 409 and response.json()["code"] == "ResourceAlreadyExists"


def test_identifier_validation(bird):
    made = _contact(bird)
    url = f"{bird.ws}/contacts/{made['id']}/identifiers"
    for body, path in (
        ({"key": "", "value": "x"}, ".key"),
        ({"key": "k" * 65, "value": "x"}, ".key"),
        ({"key": "visitorid", "value": ""}, ".value"),
        ({"key": "visitorid", "value": "v" * 501}, ".value"),
        ({"key": "emailaddress", "value": "not-an-email"}, ".value"),
        ({"key": "phonenumber", "value": "12"}, ".value"),
        ({"key": "phonenumber", "value": "0612345672"}, ".value"),  # a Dutch mobile without +31: no US number
    ):
        response = bird.post(url, json=body)
        assert response.status_code == 422, body
        assert path in response.json()["details"], (body, response.json())
    assert bird.get(url).json()["results"] == []
    unknown = bird.post(f"{bird.ws}/contacts/{uuid.uuid4()}/identifiers", json={"key": "visitorid", "value": "v"})
    assert unknown.status_code == 404


def test_upsert_creates_then_updates(bird):
    url = bird.ws + "/contacts/identifiers/emailaddress/contacts@example.com"
    created = bird.patch(url, json={"attributes": {"firstName": "John", "lastName": "Doe", "countryCode": "US"},
                                    "addIdentifiers": [{"key": "phonenumber", "value": "+31412345678"}]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["computedDisplayName"] == "John"
    assert body["attributes"]["emailaddress"] == ["contacts@example.com"]
    assert body["attributes"]["phonenumber"] == ["+31412345678"]
    updated = bird.patch(url, json={"attributes": {"countryCode": "NL"}})
    assert updated.status_code == 200
    assert updated.json()["id"] == body["id"] and updated.json()["attributes"]["countryCode"] == "NL"
    by_phone = bird.patch(bird.ws + "/contacts/identifiers/phonenumber/+31412345678",
                          json={"addIdentifiers": [{"key": "visitorid", "value": "v-7"}]})
    assert by_phone.status_code == 200 and by_phone.json()["id"] == body["id"]
    assert by_phone.json()["identifierCount"] == 3
    assert len(bird.get(bird.ws + "/contacts").json()["results"]) == 1


def test_upsert_path_value_arrives_raw_and_is_normalized(bird):
    made = _contact(bird, ("emailaddress", "raw@example.com"))
    response = bird.patch(bird.ws + "/contacts/identifiers/emailaddress/RAW@Example.com", json={})
    assert response.status_code == 200 and response.json()["id"] == made["id"]
    slashed = bird.patch(bird.ws + "/contacts/identifiers/externalid/a/b", json={})
    assert slashed.status_code == 201
    assert slashed.json()["attributes"]["externalid"] == ["a/b"]


def test_upsert_strict_alias_conflict(bird):
    one = _contact(bird, ("emailaddress", "one@x.com"), name="One")
    two = _contact(bird, ("emailaddress", "two@x.com"), name="Two")
    response = bird.patch(bird.ws + "/contacts/identifiers/emailaddress/one@x.com", json={
        "attributes": {"tier": "gold"}, "addIdentifiers": [{"key": "emailaddress", "value": "two@x.com"}]})
    assert response.status_code == 409 and response.json()["code"] == "ResourceAlreadyExists"
    for made in (one, two):
        after = bird.get(f"{bird.ws}/contacts/{made['id']}").json()
        assert "tier" not in after["attributes"] and after["identifierCount"] == 1
    explicit = bird.patch(bird.ws + "/contacts/identifiers/emailaddress/one@x.com?strategy=strict_alias", json={
        "addIdentifiers": [{"key": "emailaddress", "value": "two@x.com"}]})
    assert explicit.status_code == 409


def test_upsert_strict_alias_adds_the_unmatched(bird):
    one = _contact(bird, ("emailaddress", "one@x.com"))
    response = bird.patch(bird.ws + "/contacts/identifiers/emailaddress/one@x.com", json={
        "addIdentifiers": [{"key": "visitorid", "value": "v1"}, {"key": "emailaddress", "value": "one@x.com"}]})
    assert response.status_code == 200
    assert response.json()["id"] == one["id"] and response.json()["identifierCount"] == 2


def test_upsert_first_alias_adds_what_it_can(bird):
    one = _contact(bird, ("emailaddress", "one@x.com"), name="One")
    two = _contact(bird, ("emailaddress", "two@x.com"), name="Two")
    response = bird.patch(bird.ws + "/contacts/identifiers/emailaddress/one@x.com", json={
        "strategy": "first_alias",
        "addIdentifiers": [{"key": "emailaddress", "value": "two@x.com"}, {"key": "visitorid", "value": "v1"}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == one["id"]
    assert body["attributes"]["emailaddress"] == ["one@x.com"] and body["attributes"]["visitorid"] == ["v1"]
    assert bird.get(f"{bird.ws}/contacts/{two['id']}").json()["attributes"]["emailaddress"] == ["two@x.com"]


def test_upsert_first_adds_nothing_and_creates_with_the_first_only(bird):
    one = _contact(bird, ("emailaddress", "one@x.com"))
    response = bird.patch(bird.ws + "/contacts/identifiers/visitorid/unknown-visitor", json={
        "strategy": "first", "attributes": {"seen": True},
        "addIdentifiers": [{"key": "emailaddress", "value": "one@x.com"}]})
    assert response.status_code == 200 and response.json()["id"] == one["id"]
    assert response.json()["identifierCount"] == 1 and response.json()["attributes"]["seen"] is True
    created = bird.patch(bird.ws + "/contacts/identifiers/visitorid/new-visitor", json={
        "strategy": "first", "addIdentifiers": [{"key": "emailaddress", "value": "fresh@x.com"}]})
    assert created.status_code == 201
    assert created.json()["attributes"]["visitorid"] == ["new-visitor"]
    assert "emailaddress" not in created.json()["attributes"]
    assert created.json()["isAnonymous"] is True


def test_upsert_bad_input(bird):
    base = bird.ws + "/contacts/identifiers"
    assert bird.patch(base + "/emailaddress/not-an-email", json={}).status_code == 422
    assert bird.patch(base + "/emailaddress/a@x.com", json={"strategy": "best"}).status_code == 422
    assert bird.patch(base + "/emailaddress/a@x.com?strategy=best", json={}).status_code == 422
    bad_key = bird.patch(base + "/" + "k" * 65 + "/v", json={})
    assert bad_key.status_code == 422 and bad_key.json()["code"] == "InvalidPayload"
    bad_attr = bird.patch(base + "/emailaddress/a@x.com", json={"attributes": {"x": {"nested": 1}}})
    assert bad_attr.status_code == 422 and ".attributes.x" in bad_attr.json()["details"]
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_patching_identifiers_keeps_the_others_creation_times(bird):
    made = _contact(bird, ("emailaddress", "keep@x.com"), ("visitorid", "v-keep"))
    url = f"{bird.ws}/contacts/{made['id']}/identifiers"
    before = {i["value"]: i["createdAt"] for i in bird.get(url).json()["results"]}
    bird.patch(f"{bird.ws}/contacts/{made['id']}", json={
        "addIdentifiers": [{"key": "phonenumber", "value": "+31612345678"}],
        "removeIdentifiers": [{"key": "visitorid", "value": "v-keep"}], "attributes": {"x": 1}})
    after = {i["value"]: i["createdAt"] for i in bird.get(url).json()["results"]}
    assert set(after) == {"keep@x.com", "+31612345678"}
    assert after["keep@x.com"] == before["keep@x.com"]


def test_too_many_identifiers_of_one_kind(bird):
    made = _contact(bird)
    many = [{"key": "visitorid", "value": f"v{i}"} for i in range(50)]
    assert bird.patch(f"{bird.ws}/contacts/{made['id']}", json={"addIdentifiers": many}).status_code == 200
    more = bird.post(f"{bird.ws}/contacts/{made['id']}/identifiers", json={"key": "visitorid", "value": "v50"})
    assert more.status_code == 422 and more.json()["code"] == "InvalidPayload"
    too_many = bird.post(bird.ws + "/contacts", json={"displayName": "B", "identifiers": [
        {"key": "emailaddress", "value": f"e{i}@x.com"} for i in range(51)]})
    assert too_many.status_code == 422 and ".identifiers" in too_many.json()["details"]


def test_identifier_values_match_exactly_as_stored(bird):
    made = _contact(bird, ("externalid", " padded "))
    same = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "externalid", "value": " padded "}})
    assert [c["id"] for c in same.json()["results"]] == [made["id"]]
    clash = bird.post(bird.ws + "/contacts", json={"displayName": "B", "identifiers": [
        {"key": "externalid", "value": " padded "}]})
    assert clash.status_code == 409
    other_key_case = bird.post(bird.ws + "/contacts", json={"displayName": "C", "identifiers": [
        {"key": "ExternalId", "value": " padded "}]})
    assert other_key_case.status_code == 201


def test_email_and_phone_keys_are_identifiers_not_attributes_nor_other_doors_identifiers(bird, client, workspace):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "Fake",
                                                  "attributes": {"emailaddress": ["fake@x.com"], "PhoneNumber": "+31600000009"}})
    assert made.status_code == 422
    assert {".attributes.emailaddress", ".attributes.PhoneNumber"} <= set(made.json()["details"])
    real = _contact(bird, ("emailaddress", "real@x.com"))
    patched = bird.patch(f"{bird.ws}/contacts/{real['id']}", json={"attributes": {"emailaddress": ["shadow@x.com"]}})
    assert patched.status_code == 422 and ".attributes.emailaddress" in patched.json()["details"]
    # a native identifier under Bird's email key would read as an email there that Bird cannot find
    native = client.post("/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"},
                         json={"first_name": "K", "identifiers": [{"key": "emailaddress", "value": "keyed@x.com"},
                                                                   {"key": "PhoneNumber", "value": "+31600000001"}]})
    assert native.status_code == 422
    assert [d["field"] for d in native.json()["error"]["details"]] == ["identifiers[0].key", "identifiers[1].key"]


def test_search_answers_every_contact_holding_the_identifier(bird, api):
    """Bird keeps an identifier unique, but another door may let two contacts share an email (a
    household's, written with on_duplicate=create): search answered the oldest alone."""
    homer = api.post("/v1/contacts", json={"first_name": "Homer", "emails": ["family@simpsons.example"]}).json()
    marge = api.post("/v1/contacts", params={"on_duplicate": "create"},
                     json={"first_name": "Marge", "emails": ["family@simpsons.example"]}).json()
    found = bird.post(bird.ws + "/contacts/search", json={"identifier": {
        "key": "emailaddress", "value": "Family@Simpsons.example"}})
    assert found.status_code == 200, found.text
    assert [c["id"] for c in found.json()["results"]] == [homer["id"], marge["id"]]
    nobody = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "emailaddress", "value": "no@x.com"}})
    assert nobody.json() == {"results": []}
