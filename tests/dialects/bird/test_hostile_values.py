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
