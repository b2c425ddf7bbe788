"""Bird contacts: the seed's create examples, get, list, PATCH, delete, search, and what the
native API sees of them."""

import uuid

CONTACT_FIELDS = {
    "id", "computedDisplayName", "createdAt", "updatedAt", "workspaceId", "featuredIdentifiers", "attributes",
    "identifierCount", "accountIds", "listIds", "companyRefs", "isAnonymous",
}


def _list(bird, name="Newsletter"):
    response = bird.post(bird.ws + "/lists", json={"name": name})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_create_with_identifiers(bird, workspace):
    response = bird.post(bird.ws + "/contacts", json={
        "identifiers": [{"key": "emailaddress", "value": "contacts@bird.com"}],
        "displayName": "John Doe",
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == CONTACT_FIELDS
    uuid.UUID(body["id"])
    assert body["workspaceId"] == str(workspace.workspace_id)
    assert body["computedDisplayName"] == "John Doe"
    assert body["featuredIdentifiers"] == [{"key": "emailaddress", "value": "contacts@bird.com"}]
    assert body["identifierCount"] == 1
    assert body["attributes"]["displayName"] == "John Doe"
    assert body["attributes"]["emailaddress"] == ["contacts@bird.com"]
    assert body["isAnonymous"] is False
    assert body["createdAt"].endswith("Z") and body["createdAt"] == body["updatedAt"]
    assert body["listIds"] == [] and body["accountIds"] == [] and body["companyRefs"] == []


def test_create_with_attributes(bird):
    response = bird.post(bird.ws + "/contacts", json={
        "displayName": "John Doe", "attributes": {"firstName": "John", "lastName": "Doe"},
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["attributes"] == {"displayName": "John Doe", "firstName": "John", "lastName": "Doe"}
    assert body["identifierCount"] == 0
    assert body["isAnonymous"] is True
    assert body["featuredIdentifiers"] == []


def test_create_with_lists(bird):
    list_id = _list(bird)
    response = bird.post(bird.ws + "/contacts", json={"displayName": "John Doe", "listIds": [list_id]})
    assert response.status_code == 201, response.text
    assert response.json()["listIds"] == [list_id]
    members = bird.get(f"{bird.ws}/lists/{list_id}/contacts").json()["results"]
    assert [m["id"] for m in members] == [response.json()["id"]]


def test_create_with_everything(bird, make_account):
    list_id = _list(bird)
    account_id = make_account()
    response = bird.post(bird.ws + "/contacts", json={
        "displayName": "John Doe",
        "listIds": [list_id],
        "accountIds": [account_id],
        "identifiers": [
            {"key": "emailaddress", "value": "contacts+2@bird.com"},
            {"key": "secondaryEmailAddress", "value": "contacts-secondary@bird.com",
             "properties": {"countryCode": "US", "isGmail": True}},
        ],
        "attributes": {"firstName": "John", "lastName": "Smith", "rating": 9.6, "cookiesAccepted": False,
                       "labels": ["A", "B", "C"]},
        "companyRefs": ["acme"],
        "ANY_ADDITIONAL_PROPERTY": "anything",
    })
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["computedDisplayName"] == "John Doe"
    assert body["identifierCount"] == 2
    assert body["listIds"] == [list_id] and body["accountIds"] == [account_id]
    assert body["companyRefs"] == ["acme"]
    assert body["attributes"] == {
        "displayName": "John Doe", "firstName": "John", "lastName": "Smith", "rating": 9.6,
        "cookiesAccepted": False, "labels": ["A", "B", "C"],
        "emailaddress": ["contacts+2@bird.com"], "secondaryEmailAddress": ["contacts-secondary@bird.com"],
    }
    assert body["featuredIdentifiers"] == [{"key": "emailaddress", "value": "contacts+2@bird.com"}]
    again = bird.get(f"{bird.ws}/contacts/{body['id']}").json()
    assert again == body


def test_computed_display_name_order(bird):
    first = bird.post(bird.ws + "/contacts", json={"displayName": "D", "attributes": {"displayName": None,
                                                                                    "firstName": "Fi"}}).json()
    assert first["computedDisplayName"] == "Fi"
    email = bird.post(bird.ws + "/contacts", json={"displayName": "D", "attributes": {"displayName": None},
                                                   "identifiers": [{"key": "phonenumber", "value": "+31612345678"},
                                                                   {"key": "emailaddress", "value": "E@x.com"}]}).json()
    assert email["computedDisplayName"] == "e@x.com"
    phone = bird.post(bird.ws + "/contacts", json={"displayName": "D", "attributes": {"displayName": None},
                                                   "identifiers": [{"key": "phonenumber", "value": "+31612345679"}]})
    assert phone.json()["computedDisplayName"] == "+31612345679"


def test_is_anonymous_with_only_visitor_ids(bird):
    visitor = bird.post(bird.ws + "/contacts", json={
        "displayName": "V", "identifiers": [{"key": "visitorid", "value": "v-1"}]}).json()
    assert visitor["isAnonymous"] is True and visitor["identifierCount"] == 1
    assert visitor["attributes"]["visitorid"] == ["v-1"]
    known = bird.patch(f"{bird.ws}/contacts/{visitor['id']}",
                       json={"addIdentifiers": [{"key": "emailaddress", "value": "v@x.com"}]}).json()
    assert known["isAnonymous"] is False


def test_email_and_phone_are_normalized_and_are_the_native_identity(bird, workspace):
    created = bird.post(bird.ws + "/contacts", json={"displayName": "Ada", "identifiers": [
        {"key": "emailaddress", "value": "  Ada@Example.COM "}, {"key": "phonenumber", "value": "+44 20 7946 0958"}]})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["attributes"]["emailaddress"] == ["ada@example.com"]
    assert body["attributes"]["phonenumber"] == ["+442079460958"]
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    seen = bird.get(f"/v1/contacts/{body['id']}", headers=native)
    assert seen.status_code == 200
    assert [e["address"].lower() for e in seen.json()["emails"]] == ["ada@example.com"]
    assert [p["number"] for p in seen.json()["phones"]] == ["+442079460958"]
    assert seen.json()["display_name"] == "Ada"
    # The same email written through the native door is the same identity: taken.
    clash = bird.post("/v1/contacts", headers=native, json={"emails": ["ADA@example.com"]})
    assert clash.status_code == 409


def test_native_contact_is_visible_and_taken_through_bird(bird, workspace):
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    made = bird.post("/v1/contacts", headers=native, json={"first_name": "Grace", "last_name": "Hopper",
                                                          "emails": ["grace@navy.mil"]}).json()
    seen = bird.get(f"{bird.ws}/contacts/{made['id']}").json()
    assert seen["attributes"]["firstName"] == "Grace" and seen["attributes"]["lastName"] == "Hopper"
    assert seen["computedDisplayName"] == "Grace"
    assert seen["attributes"]["emailaddress"] == ["grace@navy.mil"]
    clash = bird.post(bird.ws + "/contacts", json={"displayName": "G", "identifiers": [
        {"key": "emailaddress", "value": "Grace@Navy.mil"}]})
    assert clash.status_code == 409
    assert clash.json()["code"] == "ResourceAlreadyExists"
    assert ".identifiers[0].value" in clash.json()["details"]
    found = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "emailaddress",
                                                                         "value": "grace@navy.mil"}}).json()
    assert [c["id"] for c in found["results"]] == [made["id"]]


def test_second_create_with_taken_identifier_is_409_and_stores_nothing(bird):
    first = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "visitorid", "value": "abc"}]})
    assert first.status_code == 201
    second = bird.post(bird.ws + "/contacts", json={"displayName": "B", "identifiers": [
        {"key": "visitorid", "value": "abc"}]})
    assert second.status_code == 409
    assert second.json()["code"] == "ResourceAlreadyExists"
    assert set(second.json()) == {"code", "message", "details"}
    # Same value under another key is another identifier.
    other_key = bird.post(bird.ws + "/contacts", json={"displayName": "C", "identifiers": [
        {"key": "customerid", "value": "abc"}]})
    assert other_key.status_code == 201
    assert len(bird.get(bird.ws + "/contacts").json()["results"]) == 2


def test_get_unknown_and_malformed_ids_are_404(bird):
    for contact_id in (str(uuid.uuid4()), "not-a-uuid"):
        response = bird.get(f"{bird.ws}/contacts/{contact_id}")
        assert response.status_code == 404
        assert response.json()["code"] == "NotFound"


def test_get_accepts_attribute_extras(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "attributes": {"tier": "gold"}}).json()
    response = bird.get(f"{bird.ws}/contacts/{made['id']}?attribute=tier&attribute=nothing")
    assert response.status_code == 200
    assert response.json()["attributes"]["tier"] == "gold"


def test_list_pages_with_both_token_names_and_reverse(bird):
    ids = [bird.post(bird.ws + "/contacts", json={"displayName": f"C{i}"}).json()["id"] for i in range(5)]
    first = bird.get(bird.ws + "/contacts?limit=2").json()
    assert [c["id"] for c in first["results"]] == ids[:2]
    second = bird.get(bird.ws + "/contacts", params={"limit": 2, "pageToken": first["nextPageToken"]}).json()
    assert [c["id"] for c in second["results"]] == ids[2:4]
    third = bird.get(bird.ws + "/contacts", params={"limit": 2, "nextPageToken": second["nextPageToken"]}).json()
    assert [c["id"] for c in third["results"]] == ids[4:]
    assert "nextPageToken" not in third
    default = bird.get(bird.ws + "/contacts").json()
    assert len(default["results"]) == 5
    backwards = bird.get(bird.ws + "/contacts?reverse=true&limit=3").json()
    assert [c["id"] for c in backwards["results"]] == ids[::-1][:3]
    rest = bird.get(bird.ws + "/contacts", params={"reverse": "true", "pageToken": backwards["nextPageToken"]})
    assert [c["id"] for c in rest.json()["results"]] == ids[::-1][3:]


def test_list_limit_bounds(bird):
    for bad in (0, 101, "x"):
        response = bird.get(bird.ws + f"/contacts?limit={bad}")
        assert response.status_code == 422, bad
        assert response.json()["code"] == "InvalidPayload"
    assert bird.get(bird.ws + "/contacts?limit=100").status_code == 200
    bad_token = bird.get(bird.ws + "/contacts?pageToken=%%%")
    assert bad_token.status_code == 422 and ".pageToken" in bad_token.json()["details"]


def test_default_page_is_ten(bird):
    for i in range(12):
        bird.post(bird.ws + "/contacts", json={"displayName": f"C{i}"})
    page = bird.get(bird.ws + "/contacts").json()
    assert len(page["results"]) == 10 and page["nextPageToken"]


def test_patch_attributes_merge_and_null_removes(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "attributes": {"a": 1, "b": "x"}}).json()
    response = bird.patch(f"{bird.ws}/contacts/{made['id']}", json={"attributes": {"b": None, "c": [1, 2]}})
    assert response.status_code == 200, response.text
    attrs = response.json()["attributes"]
    assert attrs["a"] == 1 and "b" not in attrs and attrs["c"] == [1, 2]
    assert response.json()["updatedAt"] >= made["updatedAt"]


def test_patch_names_round_trip_exactly(bird, workspace):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A"}).json()
    url = f"{bird.ws}/contacts/{made['id']}"
    odd = bird.patch(url, json={"attributes": {"firstName": 42, "lastName": ["x", "y"]}}).json()
    assert odd["attributes"]["firstName"] == 42 and odd["attributes"]["lastName"] == ["x", "y"]
    plain = bird.patch(url, json={"attributes": {"firstName": "Ada"}}).json()
    assert plain["attributes"]["firstName"] == "Ada" and plain["attributes"]["lastName"] == ["x", "y"]
    native = bird.get(f"/v1/contacts/{made['id']}", headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert native.json()["first_name"] == "Ada"
    cleared = bird.patch(url, json={"attributes": {"firstName": None, "displayName": "New"}}).json()
    assert "firstName" not in cleared["attributes"]
    assert cleared["computedDisplayName"] == "New"


def test_patch_identifiers_add_remove_and_own_repeat(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "emailaddress", "value": "a@x.com"}]}).json()
    url = f"{bird.ws}/contacts/{made['id']}"
    again = bird.patch(url, json={"addIdentifiers": [{"key": "emailaddress", "value": "A@X.com"}]})
    assert again.status_code == 200 and again.json()["identifierCount"] == 1
    added = bird.patch(url, json={"addIdentifiers": [{"key": "phonenumber", "value": "+31612345678"},
                                                     {"key": "emailaddress", "value": "b@x.com"}]}).json()
    assert added["identifierCount"] == 3
    assert added["attributes"]["emailaddress"] == ["a@x.com", "b@x.com"]
    removed = bird.patch(url, json={"removeIdentifiers": [{"key": "emailaddress", "value": "a@x.com"}]}).json()
    assert removed["attributes"]["emailaddress"] == ["b@x.com"]
    assert removed["featuredIdentifiers"][0] == {"key": "emailaddress", "value": "b@x.com"}


def test_patch_identifier_of_another_contact_is_409_and_changes_nothing(bird):
    one = bird.post(bird.ws + "/contacts", json={"displayName": "One", "identifiers": [
        {"key": "emailaddress", "value": "one@x.com"}]}).json()
    two = bird.post(bird.ws + "/contacts", json={"displayName": "Two"}).json()
    response = bird.patch(f"{bird.ws}/contacts/{two['id']}", json={
        "attributes": {"tier": "gold"}, "addIdentifiers": [{"key": "emailaddress", "value": "one@x.com"}]})
    assert response.status_code == 409
    assert response.json()["code"] == "ResourceAlreadyExists"
    after = bird.get(f"{bird.ws}/contacts/{two['id']}").json()
    assert "tier" not in after["attributes"] and after["identifierCount"] == 0
    assert bird.get(f"{bird.ws}/contacts/{one['id']}").json()["identifierCount"] == 1


def test_patch_lists_and_accounts(bird, make_account):
    l1, l2, l3 = _list(bird, "one"), _list(bird, "two"), _list(bird, "three")
    a1, a2 = make_account("A"), make_account("B")
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "listIds": [l1]}).json()
    url = f"{bird.ws}/contacts/{made['id']}"
    body = bird.patch(url, json={"addToLists": [l2, l3], "removeFromLists": [l1]}).json()
    assert body["listIds"] == [l2, l3]
    body = bird.patch(url, json={"listIds": [l1]}).json()
    assert body["listIds"] == [l1]
    body = bird.patch(url, json={"addToAccounts": [a1, a2]}).json()
    assert sorted(body["accountIds"]) == sorted([a1, a2])
    body = bird.patch(url, json={"removeFromAccounts": [a1]}).json()
    assert body["accountIds"] == [a2]
    body = bird.patch(url, json={"accountIds": [a1]}).json()
    assert body["accountIds"] == [a1]
    unknown = bird.patch(url, json={"accountIds": [str(uuid.uuid4())]})
    assert unknown.status_code == 422 and ".accountIds[0]" in unknown.json()["details"]
    unknown_list = bird.patch(url, json={"addToLists": [str(uuid.uuid4())]})
    assert unknown_list.status_code == 422
    assert bird.get(url).json()["accountIds"] == [a1]


def test_delete(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "emailaddress", "value": "gone@x.com"}]}).json()
    assert bird.delete(f"{bird.ws}/contacts/{made['id']}").status_code == 204
    assert bird.get(f"{bird.ws}/contacts/{made['id']}").status_code == 404
    assert bird.delete(f"{bird.ws}/contacts/{made['id']}").status_code == 404
    # Its identifier is free again.
    again = bird.post(bird.ws + "/contacts", json={"displayName": "B", "identifiers": [
        {"key": "emailaddress", "value": "gone@x.com"}]})
    assert again.status_code == 201


def test_search_by_identifier(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "phonenumber", "value": "+31612345678"}, {"key": "visitorid", "value": "v9"}]}).json()
    for key, value in (("phonenumber", "+31 6 1234 5678"), ("visitorid", "v9")):
        found = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": key, "value": value}})
        assert found.status_code == 200
        assert [c["id"] for c in found.json()["results"]] == [made["id"]]
    nothing = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "visitorid", "value": "v10"}})
    assert nothing.json() == {"results": []}
    bad = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "emailaddress", "value": "nope"}})
    assert bad.status_code == 422 and bad.json()["code"] == "InvalidPayload"


def test_history_records_bird_writes(bird, workspace):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "emailaddress", "value": "h@x.com"}]}).json()
    bird.patch(f"{bird.ws}/contacts/{made['id']}", json={
        "attributes": {"tier": "gold"}, "addIdentifiers": [{"key": "visitorid", "value": "v"}],
        "removeIdentifiers": [{"key": "emailaddress", "value": "h@x.com"}]})
    events = bird.get(f"/v1/contacts/{made['id']}/events",
                      headers={"Authorization": f"Bearer {workspace.api_key}"}).json()["data"]
    assert [e["action"] for e in events][0] == "created"
    assert {e["door"] for e in events} == {"bird"}
    changed = {key for e in events[1:] for key in e["changes"]}
    assert {"attributes", "emails", "identifiers"} <= changed


def test_removing_the_primary_email_promotes_the_next(bird, workspace):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A", "identifiers": [
        {"key": "emailaddress", "value": "first@x.com"}, {"key": "emailaddress", "value": "second@x.com"}]}).json()
    bird.request("DELETE", f"{bird.ws}/contacts/{made['id']}/identifiers",
                 json={"key": "emailaddress", "value": "first@x.com"})
    native = bird.get(f"/v1/contacts/{made['id']}", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()
    assert native["emails"] == [{"address": "second@x.com", "type": None, "primary": True}]
    bird.post(f"{bird.ws}/contacts/{made['id']}/identifiers", json={"key": "emailaddress", "value": "third@x.com"})
    native = bird.get(f"/v1/contacts/{made['id']}", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()
    assert [(e["address"], e["primary"]) for e in native["emails"]] == [("second@x.com", True), ("third@x.com", False)]


def test_an_attribute_bird_has_no_type_for_reads_as_json_text_and_survives_a_write_back(bird, workspace):
    """Bird's attribute values are booleans, numbers, strings or arrays of those: a native
    contact's object value reads as its JSON text, and writing back what was read keeps it."""
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    made = bird.post("/v1/contacts", headers=native, json={
        "first_name": "Ada", "attributes": {"prefs": {"tea": "earl grey", "sugar": 0}, "tier": "gold",
                                           "rows": [{"a": 1}]}}).json()
    read = bird.get(f"{bird.ws}/contacts/{made['id']}").json()
    assert read["attributes"]["prefs"] == '{"sugar":0,"tea":"earl grey"}'
    assert read["attributes"]["rows"] == '[{"a":1}]' and read["attributes"]["tier"] == "gold"
    # every value a Bird client reads is one Bird has a type for
    assert all(isinstance(v, (str, int, float, bool)) or isinstance(v, list) for v in read["attributes"].values())

    echoed = bird.patch(f"{bird.ws}/contacts/{made['id']}", json={"attributes": {**read["attributes"], "tier": "platinum"}})
    assert echoed.status_code == 200, echoed.text
    stored = bird.get(f"/v1/contacts/{made['id']}", headers=native).json()["attributes"]
    assert stored == {"prefs": {"tea": "earl grey", "sugar": 0}, "tier": "platinum", "rows": [{"a": 1}]}
    # another text is a new value, as Bird would store it
    bird.patch(f"{bird.ws}/contacts/{made['id']}", json={"attributes": {"prefs": "none"}})
    assert bird.get(f"/v1/contacts/{made['id']}", headers=native).json()["attributes"]["prefs"] == "none"
