"""Auth schemes, workspace isolation, and bad input answered in Bird's envelope with nothing
stored."""

import uuid

from contacthub.core import workspaces


def _other_workspace(db):
    with db.write() as session:
        return workspaces.create_workspace(session, f"other-{uuid.uuid4().hex[:6]}")


def _envelope(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == code and body["message"]
    return body


def test_access_key_and_bearer_both_work(client, workspace):
    base = f"/bird/workspaces/{workspace.workspace_id}/contacts"
    for scheme in ("AccessKey", "accesskey", "Bearer"):
        response = client.get(base, headers={"Authorization": f"{scheme} {workspace.api_key}"})
        assert response.status_code == 200, scheme


def test_missing_or_wrong_key_is_401(client, workspace):
    base = f"/bird/workspaces/{workspace.workspace_id}/contacts"
    _envelope(client.get(base), 401, "Unauthorized")
    _envelope(client.get(base, headers={"Authorization": "AccessKey nope"}), 401, "Unauthorized")
    _envelope(client.get(base, headers={"Authorization": f"Basic {workspace.api_key}"}), 401, "Unauthorized")
    _envelope(client.post(base, json={"displayName": "A"}), 401, "Unauthorized")


def test_a_key_only_reaches_its_own_workspace(bird, db, workspace):
    other = _other_workspace(db)
    theirs = bird.post(f"/bird/workspaces/{other.workspace_id}/contacts", json={"displayName": "Theirs"},
                       headers={"Authorization": f"AccessKey {other.api_key}"})
    assert theirs.status_code == 201
    their_id = theirs.json()["id"]
    foreign = f"/bird/workspaces/{other.workspace_id}"
    _envelope(bird.get(foreign + "/contacts"), 403, "Forbidden")
    _envelope(bird.get(f"{foreign}/contacts/{their_id}"), 403, "Forbidden")
    _envelope(bird.post(foreign + "/contacts", json={"displayName": "Intruder"}), 403, "Forbidden")
    _envelope(bird.patch(f"{foreign}/contacts/identifiers/visitorid/x", json={}), 403, "Forbidden")
    _envelope(bird.post(foreign + "/lists", json={"name": "Intruders"}), 403, "Forbidden")
    # Their contact id under our own workspace path is simply not found.
    _envelope(bird.get(f"{bird.ws}/contacts/{their_id}"), 404, "NotFound")
    _envelope(bird.delete(f"{bird.ws}/contacts/{their_id}"), 404, "NotFound")
    _envelope(bird.patch(f"{bird.ws}/contacts/{their_id}", json={"attributes": {"x": 1}}), 404, "NotFound")
    _envelope(bird.get("/bird/workspaces/not-a-uuid/contacts"), 404, "NotFound")
    # Their identifiers are not ours: the same email is free here, and search does not see theirs.
    bird.patch(f"{foreign}/contacts/{their_id}", json={"addIdentifiers": [{"key": "emailaddress", "value": "t@x.com"}]},
               headers={"Authorization": f"AccessKey {other.api_key}"})
    assert bird.post(bird.ws + "/contacts/search", json={
        "identifier": {"key": "emailaddress", "value": "t@x.com"}}).json() == {"results": []}
    mine = bird.post(bird.ws + "/contacts", json={"displayName": "Mine", "identifiers": [
        {"key": "emailaddress", "value": "t@x.com"}]})
    assert mine.status_code == 201
    theirs_after = bird.get(f"{foreign}/contacts/{their_id}", headers={"Authorization": f"AccessKey {other.api_key}"})
    assert theirs_after.json()["attributes"]["displayName"] == "Theirs"
    assert [c["id"] for c in bird.get(bird.ws + "/contacts").json()["results"]] == [mine.json()["id"]]


def test_their_lists_and_accounts_are_unknown_here(bird, db):
    other = _other_workspace(db)
    their_list = bird.post(f"/bird/workspaces/{other.workspace_id}/lists", json={"name": "Theirs"},
                           headers={"Authorization": f"AccessKey {other.api_key}"}).json()["id"]
    response = bird.post(bird.ws + "/contacts", json={"displayName": "A", "listIds": [their_list]})
    body = _envelope(response, 422, "InvalidPayload")
    assert ".listIds[0]" in body["details"]
    _envelope(bird.get(f"{bird.ws}/lists/{their_list}"), 404, "NotFound")
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_malformed_json_is_400_in_birds_envelope(bird):
    response = bird.post(bird.ws + "/contacts", content=b'{"displayName": ',
                         headers={"Content-Type": "application/json"})
    _envelope(response, 400, "InvalidPayload")
    not_object = bird.post(bird.ws + "/contacts", json=["displayName"])
    _envelope(not_object, 422, "InvalidPayload")
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_create_validation_details(bird):
    cases = (
        ({}, ".displayName"),
        ({"displayName": ""}, ".displayName"),
        ({"displayName": "   "}, ".displayName"),  # blanks alone made a nameless contact
        ({"displayName": "\t"}, ".displayName"),
        ({"displayName": "x" * 151}, ".displayName"),
        ({"displayName": 5}, ".displayName"),
        ({"displayName": "A", "listIds": [str(uuid.uuid4()) for _ in range(11)]}, ".listIds"),
        ({"displayName": "A", "accountIds": [str(uuid.uuid4()) for _ in range(11)]}, ".accountIds"),
        ({"displayName": "A", "listIds": ["not-a-uuid"]}, ".listIds[0]"),
        ({"displayName": "A", "accountIds": [str(uuid.uuid4())]}, ".accountIds[0]"),
        ({"displayName": "A", "identifiers": [{"key": "", "value": "x"}]}, ".identifiers[0].key"),
        ({"displayName": "A", "identifiers": [{"key": "k" * 65, "value": "x"}]}, ".identifiers[0].key"),
        ({"displayName": "A", "identifiers": [{"key": "visitorid", "value": "x" * 501}]}, ".identifiers[0].value"),
        ({"displayName": "A", "identifiers": [{"key": "visitorid"}]}, ".identifiers[0].value"),
        ({"displayName": "A", "identifiers": [{"key": "emailaddress", "value": "nope"}]}, ".identifiers[0].value"),
        ({"displayName": "A", "identifiers": [{"key": "phonenumber", "value": "abc"}]}, ".identifiers[0].value"),
        ({"displayName": "A", "attributes": {"x": {"a": 1}}}, ".attributes.x"),
        ({"displayName": "A", "attributes": {"x": []}}, ".attributes.x"),
        ({"displayName": "A", "attributes": {"x": [1, [2]]}}, ".attributes.x"),
        ({"displayName": "A", "attributes": {"k" * 65: 1}}, ".attributes." + "k" * 65),
        ({"displayName": "A", "attributes": "flat"}, ".attributes"),
    )
    for body, path in cases:
        response = bird.post(bird.ws + "/contacts", json=body)
        details = _envelope(response, 422, "InvalidPayload")["details"]
        assert path in details, (body, details)
        assert all(isinstance(m, list) and m for m in details.values())
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_patch_validation(bird):
    made = bird.post(bird.ws + "/contacts", json={"displayName": "A"}).json()
    url = f"{bird.ws}/contacts/{made['id']}"
    for body, path in (
        ({"displayName": None}, ".displayName"),
        ({"attributes": None}, ".attributes"),
        ({"addToLists": ["x"]}, ".addToLists[0]"),
        ({"addIdentifiers": [{"key": "emailaddress", "value": "bad"}]}, ".addIdentifiers[0].value"),
        ({"removeIdentifiers": [{"key": "", "value": "x"}]}, ".removeIdentifiers[0].key"),
    ):
        response = bird.patch(url, json=body)
        assert path in _envelope(response, 422, "InvalidPayload")["details"], body
    assert bird.get(url).json() == made


def test_oversized_body_is_413_in_birds_envelope(bird, settings):
    big = {"displayName": "A", "attributes": {"blob": "x" * (settings.max_body_bytes + 10)}}
    _envelope(bird.post(bird.ws + "/contacts", json=big), 413, "PayloadTooLarge")
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_unknown_route_and_method(bird):
    assert bird.get(bird.ws + "/nothing-here").status_code == 404
    response = bird.put(bird.ws + "/contacts", json={})
    _envelope(response, 405, "MethodNotAllowed")


def test_error_message_names_the_faults(bird):
    response = bird.post(bird.ws + "/contacts", json={"displayName": "", "attributes": {"x": {}}})
    assert ".displayName" in response.json()["message"]
    response = bird.post(bird.ws + "/contacts", json={"displayName": "A", "attributes": {"x": {}}})
    assert ".attributes.x" in response.json()["message"]


def test_openapi_document_and_docs_page(client):
    document = client.get("/bird/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "/workspaces/{workspaceId}/contacts" in paths
    assert "/workspaces/{workspaceId}/contacts/identifiers/{identifierKey}/{identifierValue}" in paths
    assert client.get("/bird/docs").status_code == 200


def test_all_faults_are_reported_together(bird, make_account):
    bird.post(bird.ws + "/attribute-definitions", json={"key": "age", "type": "number"})
    response = bird.post(bird.ws + "/contacts", json={
        "displayName": "A", "identifiers": [{"key": "emailaddress", "value": "nope"}],
        "attributes": {"age": "old"}, "listIds": [str(uuid.uuid4())]})
    details = _envelope(response, 422, "InvalidPayload")["details"]
    assert {".identifiers[0].value", ".attributes.age", ".listIds[0]"} <= set(details)
    made = bird.post(bird.ws + "/contacts", json={"displayName": "B"}).json()
    response = bird.patch(f"{bird.ws}/contacts/{made['id']}", json={
        "addIdentifiers": [{"key": "phonenumber", "value": "xyz"}], "attributes": {"age": "old"}})
    details = _envelope(response, 422, "InvalidPayload")["details"]
    assert {".addIdentifiers[0].value", ".attributes.age"} <= set(details)
    assert [c["id"] for c in bird.get(bird.ws + "/contacts").json()["results"]] == [made["id"]]
