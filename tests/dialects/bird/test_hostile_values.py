"""Values a store may not hold (NUL characters, infinite numbers) are refused as 422, never a 500."""

import pytest


@pytest.mark.parametrize("body", [
    {"displayName": "A\u0000B"},
    {"displayName": "A", "attributes": {"note": "x\u0000"}},
    {"displayName": "A", "attributes": {"list": ["ok", "n\u0000"]}},
    {"displayName": "A", "identifiers": [{"key": "visitorid", "value": "v\u0000"}]},
    {"displayName": "A", "companyRefs": ["c\u0000"]},
    {"displayName": "A", "whatever": "w\u0000"},
])
def test_nul_characters_are_refused(bird, body):
    response = bird.post(bird.ws + "/contacts", json=body)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "InvalidPayload"
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_infinite_numbers_are_refused(bird):
    response = bird.post(bird.ws + "/contacts", content=b'{"displayName": "A", "attributes": {"x": 1e999}}',
                         headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert ".attributes.x" in response.json()["details"]


def test_unpaired_surrogates_are_refused_naming_the_property(bird):
    """A lone surrogate in an unknown property was reported at the core's ".extra"."""
    for body, path in ((b'{"displayName": "A", "whatever": "x\\ud800"}', ".whatever"),
                       (b'{"displayName": "A", "attributes": {"k\\udc00": 1}}', ".attributes"),
                       (b'{"displayName": "A", "companyRefs": ["\\ud800"]}', ".companyRefs[0]")):
        response = bird.post(bird.ws + "/contacts", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code == 422, response.text
        assert path in response.json()["details"], response.json()
    assert bird.get(bird.ws + "/contacts").json()["results"] == []


def test_an_account_named_twice_is_one_membership(bird, make_account):
    """Was a 500 (a second membership row for the same account), found by the fuzz test."""
    acme, other = make_account("Acme"), make_account("Other")
    created = bird.post(bird.ws + "/contacts", json={"displayName": "A", "accountIds": [acme, acme]})
    assert created.status_code == 201, created.text
    assert created.json()["accountIds"] == [acme]
    contact = created.json()["id"]
    patched = bird.patch(f"{bird.ws}/contacts/{contact}", json={"accountIds": [other, acme, other]})
    assert patched.status_code == 200, patched.text
    assert patched.json()["accountIds"] == [other, acme]
    added = bird.patch(f"{bird.ws}/contacts/{contact}", json={"addToAccounts": [acme, acme], "listIds": []})
    assert added.status_code == 200 and added.json()["accountIds"] == [other, acme]


def test_long_identifier_values_and_names(bird):
    """A visitorid of 400 characters (Bird allows 500) was a 500 on PostgreSQL: its identity key
    was longer than the index's column. A firstName longer than the name field holds stays an
    attribute (it was a 500 on PostgreSQL too)."""
    value = "v" * 400
    created = bird.post(bird.ws + "/contacts", json={
        "displayName": "Long", "identifiers": [{"key": "visitorid", "value": value}],
        "attributes": {"firstName": "f" * 250}})
    assert created.status_code == 201, created.text
    assert created.json()["attributes"]["firstName"] == "f" * 250
    found = bird.post(bird.ws + "/contacts/search", json={"identifier": {"key": "visitorid", "value": value}}).json()
    assert [c["id"] for c in found["results"]] == [created.json()["id"]]
    taken = bird.post(bird.ws + "/contacts", json={"displayName": "Other",
                                                    "identifiers": [{"key": "visitorid", "value": value}]})
    assert taken.status_code == 409, taken.text


def test_a_nul_character_in_an_identifier_path_is_422(bird):
    """A NUL in the path of an upsert by identifier was a 500 on PostgreSQL."""
    response = bird.patch(bird.ws + "/contacts/identifiers/crm/a%00b", json={"displayName": "A"})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "InvalidPayload"
    assert bird.get(bird.ws + "/contacts").json()["results"] == []
