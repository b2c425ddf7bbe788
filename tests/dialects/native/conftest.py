"""Helpers the native API's tests share."""

import pytest


@pytest.fixture
def make(api):
    """Creates a contact through the native API (whatever it shares with others) and answers its id."""
    def create(**contact) -> str:
        response = api.post("/v1/contacts", json=contact, params={"on_duplicate": "create"})
        assert response.status_code == 201, response.text
        return response.json()["id"]
    return create
