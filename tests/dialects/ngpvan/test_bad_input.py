"""Bad input at the NGP VAN door: every fault is a clear 4xx in NGP's own envelope
({"errors": [{"code", "text", "properties"?}]}), never a 500, and the store is as it was
(checked through the door and through the native API, events included)."""

import base64
import json
import re

import pytest

from contacthub.core import workspaces
from tests.dialects.ngpvan.wire import CONTACTS, basic, post

GOOD = {"type": "INDIVIDUAL", "firstName": "Lefty", "lastName": "McDonkey",
        "emails": [{"address": "lefty@example.com", "type": "MAIN"}],
        "phones": [{"number": "2025557979", "type": "MOBILE"}],
        "addresses": [{"line1": "1203 12th St", "city": "Washington", "stateProvince": "DC", "type": "WORK"}]}


@pytest.fixture
def native(workspace):
    return {"Authorization": f"Bearer {workspace.api_key}"}


@pytest.fixture
def stored(van, native):
    """A contact already in the store, and a function giving the whole store as every door sees it."""
    response = post(van, GOOD)
    assert response.status_code == 201, response.text
    contact_id = response.json()["contactId"]

    def snapshot():
        return {
            "van": van.get(f"{CONTACTS}/{contact_id}").json(),
            "native": van.get("/v1/contacts", params={"limit": 200}, headers=native).json()["data"],
            "events": van.get("/v1/events", params={"limit": 200}, headers=native).json()["data"],
        }

    return contact_id, snapshot




def each(cases, check) -> None:
    """Runs `check` on every case and reports every case that failed, not only the first
    (one test per group keeps the suite fast: no workspace and contact per case)."""
    failures = []
    for case in cases:
        try:
            check(*case) if isinstance(case, tuple) else check(case)
        except AssertionError as exc:
            failures.append(f"{str(case)[:120]}: {str(exc)[:600]}")
    assert not failures, "\n".join(failures)


def assert_van_error(response, status: int, code: str, properties: list[str] | None = None) -> list[dict]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors and all(re.fullmatch(r"[A-Z]+(_[A-Z]+)*", e["code"]) and e["text"] for e in errors), errors
    assert {e["code"] for e in errors} == {code}, errors
    if properties is not None:
        assert [p for e in errors for p in e.get("properties", [])] == properties, errors
    return errors


# ---------------------------------------------------------------- keys

BAD_KEYS = [
    {},
    {"apiKey": "chk_nope"},
    {"Authorization": basic("chk_nope")},
    {"Authorization": "Basic !!!not-base64"},
    {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()},
    {"Authorization": "Basic " + base64.b64encode(b"apiuser:").decode()},
    {"Authorization": "Digest abc"},
]


def test_missing_or_wrong_keys_are_401_and_write_nothing(client, workspace, stored):
    contact_id, snapshot = stored
    before = snapshot()
    client.headers.pop("Authorization", None)

    def check(headers):
        for response in (client.get(CONTACTS, headers=headers),
                         client.get(f"{CONTACTS}/{contact_id}", headers=headers),
                         post(client, {**GOOD, "firstName": "Other"}, headers=headers),
                         post(client, GOOD, f"{CONTACTS}/findOrCreate", headers=headers),
                         post(client, {"occupation": "Changed"}, f"{CONTACTS}/{contact_id}", headers=headers),
                         post(client, "{not json", headers=headers),  # the key is checked before the body
                         post(client, {"shoeSize": 9}, f"{CONTACTS}/{contact_id}", headers=headers)):
            assert_van_error(response, 401, "UNAUTHORIZED")
            assert response.headers["WWW-Authenticate"].startswith("Basic")

    each(BAD_KEYS, check)
    client.headers["Authorization"] = basic(workspace.api_key)
    assert snapshot() == before


def test_a_bearer_key_is_not_an_ngp_scheme(client, workspace):
    response = client.get(CONTACTS, headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert_van_error(response, 401, "UNAUTHORIZED")


def test_a_revoked_key_is_401_at_once(client, db, workspace, stored):
    contact_id, snapshot = stored
    with db.write() as session:
        extra = workspaces.create_key(session, workspace.workspace_id, "to revoke")
    headers = {"Authorization": basic(extra.api_key)}
    assert client.get(f"{CONTACTS}/{contact_id}", headers=headers).status_code == 200  # cached now
    before = snapshot()
    with db.write() as session:
        workspaces.revoke_key(session, str(extra.key_id))
    for headers in ({"Authorization": basic(extra.api_key)}, {"apiKey": extra.api_key, "Authorization": ""}):
        assert_van_error(client.get(f"{CONTACTS}/{contact_id}", headers=headers), 401, "UNAUTHORIZED")
        assert_van_error(post(client, {"occupation": "X"}, f"{CONTACTS}/{contact_id}", headers=headers), 401,
                         "UNAUTHORIZED")
    assert snapshot() == before


# ---------------------------------------------------------------- malformed bodies

MALFORMED = [
    "{nope", "{\"type\": \"INDIVIDUAL\",", "[1, 2]", "", "   ", "null", "\"a string\"", "42", "true",
    b"\xff\xfe\x00", "{\"type\": \"INDIVIDUAL\"} trailing", "{'type': 'INDIVIDUAL'}",
    "{\"externalLinks\": [{\"externalId\": " + "9" * 5000 + "}]}",
    "[" * 5000 + "]" * 5000,
    "{\"communicationPreferences\": " + "{\"a\": " * 3000 + "1" + "}" * 3001,
]


def test_malformed_bodies_are_400_invalid_request_body(van, stored):
    contact_id, snapshot = stored
    before = snapshot()

    def check(content):
        for path in (CONTACTS, f"{CONTACTS}/findOrCreate", f"{CONTACTS}/{contact_id}"):
            errors = assert_van_error(post(van, content, path), 400, "INVALID_REQUEST_BODY")
            assert "properties" not in errors[0] and errors[0]["hint"]

    each(MALFORMED, check)
    assert snapshot() == before


# ---------------------------------------------------------------- content the model refuses

BAD_CONTENT = [
    # wrong types
    ({"firstName": 123}, ["firstName"]),
    ({"type": 1}, ["type"]),
    ({"type": "individual"}, ["type"]),
    ({"emails": "lefty@example.com"}, ["emails"]),
    ({"emails": [1]}, ["emails[0]"]),
    ({"emails": [{"address": "a@example.com", "isPrimary": "maybe"}]}, ["emails[0].isPrimary"]),
    ({"emails": [{"address": "a@example.com", "appliedEmailLists": [{"emailListId": "twelve"}]}]},
     ["emails[0].appliedEmailLists[0].emailListId"]),
    ({"phones": [{"number": 2025550100}]}, ["phones[0].number"]),
    ({"addresses": {"line1": "x"}}, ["addresses"]),
    ({"communicationPreferences": ["email"]}, ["communicationPreferences"]),
    ({"contactCodes": [{"contactCodeId": "abc"}]}, ["contactCodes[0].contactCodeId"]),
    ({"disclosureFields": [{"disclosureFieldId": 1.5}]}, ["disclosureFields[0].disclosureFieldId"]),
    ({"externalLinks": [{"externalSourceTypeId": True, "externalId": "1"}]}, ["externalLinks[0].externalSourceTypeId"]),
    ({"externalLinks": [{"externalSourceTypeId": "13", "externalId": ["x"]}]}, ["externalLinks[0].externalId"]),
    ({"externalLinks": [{"externalSourceTypeId": "not valid!", "externalId": "1"}]},
     ["externalLinks[0].externalSourceTypeId"]),
    ({"externalLinks": [{"externalSourceTypeId": 10 ** 45, "externalId": "1"}]}, ["externalLinks[0].externalSourceTypeId"]),
    ({"externalLinks": [{"externalSourceTypeId": "13"}]}, ["externalLinks[0].externalId"]),
    # unknown fields, at the top and inside items
    ({"shoeSize": 9}, ["shoeSize"]),
    ({"emails": [{"address": "a@example.com", "primary": True}]}, ["emails[0].primary"]),
    ({"addresses": [{"line1": "1 Main St", "zip": "20005"}]}, ["addresses[0].zip"]),
    # over-long strings and too many items
    ({"lastName": "x" * 301}, ["lastName"]),
    ({"prefix": "x" * 51}, ["prefix"]),
    ({"occupation": "x" * 301}, ["occupation"]),
    ({"emails": [{"address": "a" * 320 + "@example.com"}]}, ["emails[0].address"]),
    ({"phones": [{"number": "1" * 65}]}, ["phones[0].number"]),
    ({"phones": [{"number": "2025550100", "extension": "1" * 21}]}, ["phones[0].extension"]),
    ({"addresses": [{"line1": "x" * 301}]}, ["addresses[0].line1"]),
    ({"addresses": [{"postalCode": "1" * 51}]}, ["addresses[0].postalCode"]),
    ({"facebookProfileUrl": "http://facebook.com/" + "x" * 500}, ["facebookProfileUrl"]),
    ({"externalLinks": [{"externalSourceTypeId": "13", "externalId": "x" * 501}]}, ["externalLinks[0].externalId"]),
    ({"emails": [{"address": f"p{i}@example.com"} for i in range(51)]}, ["emails"]),
    ({"addresses": [{"city": f"C{i}"} for i in range(21)]}, ["addresses"]),
    # text no database can hold
    ({"firstName": "Le\u0000fty"}, ["firstName"]),
    ({"mailName": "x\u0000"}, ["mailName"]),
    ({"addresses": [{"city": "\u0000"}]}, ["addresses[0].city"]),
    # invalid emails and phones
    ({"emails": [{"address": "not an email"}]}, ["emails[0].address"]),
    ({"emails": [{"address": "[email protected]"}]}, ["emails[0].address"]),
    ({"emails": [{"address": "a@b"}]}, ["emails[0].address"]),
    ({"emails": [{"address": "@example.com"}]}, ["emails[0].address"]),
    ({"emails": [{"address": ""}]}, ["emails[0].address"]),
    ({"emails": [{"address": "ok@example.com", "type": "MAIN"}, {"address": "a@@example.com", "type": "HOME"}]},
     ["emails[1].address"]),
    ({"phones": [{"number": "nope"}]}, ["phones[0].number"]),
    ({"phones": [{"number": "123"}]}, ["phones[0].number"]),
    ({"phones": [{"number": ""}]}, ["phones[0].number"]),
    # the model's rules
    ({"emails": [{"address": "a@example.com", "type": "FAX"}]}, ["emails[0].type"]),
    ({"phones": [{"number": "2025550100", "type": "HOME"}, {"number": "2025550101", "type": "HOME"}]}, ["phones[1].type"]),
    ({"commonName": "Acme"}, ["commonName"]),
    # several faults: all listed
    ({"firstName": 1, "emails": [{"address": "bad"}], "phones": [{"number": "nope"}], "zzz": 1},
     ["firstName", "zzz"]),
]


def _create_body(patch: dict) -> dict:
    return {**GOOD, "firstName": "Someone", "lastName": "Else", "emails": [{"address": "else@example.com"}],
            "phones": [], "addresses": [], **patch}


def test_bad_content_is_400_invalid_parameter_on_create_and_update(van, stored):
    contact_id, snapshot = stored
    before = snapshot()

    def check(patch, properties):
        for path in (CONTACTS, f"{CONTACTS}/findOrCreate"):
            assert_van_error(post(van, _create_body(patch), path), 400, "INVALID_PARAMETER", properties)
        assert_van_error(post(van, patch, f"{CONTACTS}/{contact_id}"), 400, "INVALID_PARAMETER", properties)

    each(BAD_CONTENT, check)
    assert snapshot() == before


def test_the_identification_rules_on_create(van, stored):
    _, snapshot = stored
    before = snapshot()
    for body, properties in (
        ({"firstName": "A", "lastName": "B"}, ["type"]),
        ({"type": None, "firstName": "A", "lastName": "B"}, ["type"]),
        ({"type": "INDIVIDUAL", "firstName": "A"}, ["type"]),
        ({"type": "INDIVIDUAL", "emails": [], "phones": []}, ["type"]),
        ({"type": "INDIVIDUAL", "firstName": "", "lastName": ""}, ["type"]),
        ({"type": "INDIVIDUAL", "firstName": "  ", "lastName": "\t"}, ["type"]),
        ({"type": "ORGANIZATION", "commonName": " "}, ["type"]),
        ({"type": "ORGANIZATION", "officialName": "Acme Inc"}, ["type"]),
        ({"type": "ORGANIZATION", "commonName": "Acme", "lastName": "B"}, ["lastName"]),
    ):
        assert_van_error(post(van, body), 400, "INVALID_PARAMETER", properties)
    assert snapshot() == before


def test_an_update_cannot_take_away_the_last_identification(van, stored, native):
    contact_id, snapshot = stored
    only_names = post(van, {"type": "INDIVIDUAL", "firstName": "Only", "lastName": "Names"}).json()["contactId"]
    org = post(van, {"type": "ORGANIZATION", "commonName": "Acme"}).json()["contactId"]
    before = snapshot()
    for target, body, properties in (
        (only_names, {"lastName": None}, ["lastName"]),
        (only_names, {"firstName": " ", "occupation": "X"}, ["firstName"]),
        (org, {"commonName": ""}, ["commonName"]),
    ):
        assert_van_error(post(van, body, f"{CONTACTS}/{target}"), 400, "INVALID_PARAMETER", properties)
    assert snapshot() == before
    # one criterion left is enough: the stored contact keeps its email and phone
    assert post(van, {"firstName": None, "emails": []}, f"{CONTACTS}/{contact_id}").status_code == 200
    # a contact written elsewhere with nothing to identify it can still be updated
    bare = van.post("/v1/contacts", json={"notes": "no name"}, headers=native).json()["id"]
    assert post(van, {"occupation": "Poet"}, f"{CONTACTS}/{bare}").status_code == 200


def test_an_update_cannot_change_the_type(van, stored):
    contact_id, snapshot = stored
    before = snapshot()
    response = post(van, {"type": "ORGANIZATION", "commonName": "Now a company"}, f"{CONTACTS}/{contact_id}")
    errors = assert_van_error(response, 400, "INVALID_PARAMETER")
    assert [p for e in errors for p in e["properties"]] == ["type", "commonName"]
    assert snapshot() == before
    same = post(van, {"type": "INDIVIDUAL", "occupation": "Mascot"}, f"{CONTACTS}/{contact_id}")
    assert same.status_code == 200 and van.get(f"{CONTACTS}/{contact_id}").json()["type"] == "INDIVIDUAL"


def test_a_body_contact_id_that_is_no_id_is_400(van, stored):
    existing, snapshot = stored
    before = snapshot()

    def check(contact_id):
        for path in (CONTACTS, f"{CONTACTS}/findOrCreate", f"{CONTACTS}/{existing}"):
            response = post(van, {**GOOD, "contactId": contact_id}, path, follow_redirects=False)
            assert_van_error(response, 400, "INVALID_PARAMETER", ["contactId"])
            assert "location" not in response.headers

    each([{"x": 1}, "", "VN93A9H7CW7", 12, "a\r\nSet-Cookie: x=1", True], check)
    assert snapshot() == before


# ---------------------------------------------------------------- unknown ids, other workspaces

def test_unknown_ids_are_404(van, stored):
    _, snapshot = stored
    before = snapshot()

    def check(contact_id):
        assert_van_error(van.get(f"{CONTACTS}/{contact_id}"), 404, "NOT_FOUND")
        assert_van_error(post(van, {"occupation": "X"}, f"{CONTACTS}/{contact_id}"), 404, "NOT_FOUND")

    each(["00000000-0000-0000-0000-000000000000", "01a20c5c-e69c-7540-9cd6-f839ebcbfa66", "VN93A9H7CW7",
          "not-an-id", "0" * 5000, "%00", "..%2F..%2Fv1"], check)
    assert snapshot() == before


def test_another_workspaces_contact_is_404_and_untouched(van, client, db, stored):
    contact_id, snapshot = stored
    before = snapshot()
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    theirs = {"apiKey": other.api_key, "Authorization": ""}
    assert_van_error(client.get(f"{CONTACTS}/{contact_id}", headers=theirs), 404, "NOT_FOUND")
    assert_van_error(post(client, {"occupation": "Hijacked"}, f"{CONTACTS}/{contact_id}", headers=theirs), 404,
                     "NOT_FOUND")
    # the same person posted in the other workspace is a new contact there, not a merge into ours
    created = post(client, GOOD, headers=theirs)
    assert created.status_code == 201 and created.json()["contactId"] != contact_id
    assert client.get(CONTACTS, headers=theirs).json()["count"] == 1
    assert snapshot() == before


def test_unknown_paths_and_methods(van, stored):
    contact_id, snapshot = stored
    before = snapshot()
    assert_van_error(van.get("/ngpvan/v2/nothing"), 404, "NOT_FOUND")
    assert_van_error(van.get("/ngpvan/v2/contacts/x/y"), 404, "NOT_FOUND")
    for method in ("DELETE", "PUT", "PATCH"):
        response = van.request(method, f"{CONTACTS}/{contact_id}", json={"occupation": "X"})
        assert_van_error(response, 405, "METHOD_NOT_ALLOWED")
        allowed = set(response.headers["Allow"].replace(" ", "").split(","))
        assert {"GET", "POST"} <= allowed and method not in allowed
    assert_van_error(van.delete(CONTACTS), 405, "METHOD_NOT_ALLOWED")
    assert_van_error(van.get(f"{CONTACTS}/findOrCreate"), 404, "NOT_FOUND")  # findOrCreate is no contact id
    assert snapshot() == before


# ---------------------------------------------------------------- size limit

def test_bodies_over_the_limit_are_413(van, stored, settings):
    contact_id, snapshot = stored
    before = snapshot()
    limit = settings.max_body_bytes
    big = json.dumps({**GOOD, "communicationPreferences": {"note": "x" * limit}})

    def chunks():
        for i in range(0, len(big), 65536):
            yield big[i:i + 65536].encode()

    for path in (CONTACTS, f"{CONTACTS}/findOrCreate", f"{CONTACTS}/{contact_id}"):
        errors = assert_van_error(post(van, big, path), 413, "REQUEST_TOO_LARGE")
        assert str(limit) in errors[0]["text"]
        # no Content-Length: refused while streaming
        streamed = van.post(path, content=chunks(), headers={"Content-Type": "application/json"})
        assert_van_error(streamed, 413, "REQUEST_TOO_LARGE")
    assert snapshot() == before
    just_under = {"type": "INDIVIDUAL", "firstName": "Big", "lastName": "Body",
                  "communicationPreferences": {"note": "x" * (limit - 1000)}}
    assert post(van, just_under).status_code == 201


# ---------------------------------------------------------------- query parameters

BAD_PARAMETERS = [
    ({"$top": "0"}, ["$top"]),
    ({"$top": "-1"}, ["$top"]),
    ({"$top": "201"}, ["$top"]),
    ({"$top": "99999999999999999999999"}, ["$top"]),
    ({"$top": "abc"}, ["$top"]),
    ({"$top": "1.5"}, ["$top"]),
    ({"$top": ""}, ["$top"]),
    ({"$cursor": "garbage!"}, ["$cursor"]),
    ({"$cursor": "x" * 5000}, ["$cursor"]),
    ({"$skip": "10"}, ["$skip"]),
    ({"$expand": "emails,bogus"}, ["$expand"]),
    ({"$orderby": "lastName"}, ["$orderby"]),
    ({"first_name": "Lefty"}, ["first_name"]),
    ({"firstName": "Le\u0000fty"}, ["firstName"]),
    ({"email": "\u0000"}, ["email"]),
    ({"commonName": "\u0000"}, ["commonName"]),
    ({"phone": "not a phone"}, ["phone"]),
    ([("$top", "1"), ("$top", "2")], ["$top"]),
    ([("lastName", "a"), ("lastName", "b")], ["lastName"]),
]


def test_bad_list_parameters_are_400(van, stored):
    _, snapshot = stored
    before = snapshot()
    each(BAD_PARAMETERS, lambda params, properties: assert_van_error(
        van.get(CONTACTS, params=params), 400, "INVALID_PARAMETER", properties))
    assert snapshot() == before


def test_expand_on_one_contact(van, stored):
    contact_id, _ = stored
    whole = van.get(f"{CONTACTS}/{contact_id}").json()
    assert van.get(f"{CONTACTS}/{contact_id}", params={"$expand": "emails, Phones,addresses"}).json() == whole
    assert_van_error(van.get(f"{CONTACTS}/{contact_id}", params={"$expand": "spouse"}), 400, "INVALID_PARAMETER",
                     ["$expand"])
    assert_van_error(van.get(f"{CONTACTS}/{contact_id}", params={"$top": "5"}), 400, "INVALID_PARAMETER", ["$top"])
