"""The `bird-python` client from PyPI, unchanged, against a real server: only its base URL (the
module global ENDPOINT) and the key change. It joins paths with urljoin, so the base URL needs
its trailing slash."""

import pytest

bird_client = pytest.importorskip("bird_python.client")


@pytest.fixture
def sdk(live_server, workspace, monkeypatch):
    monkeypatch.setattr(bird_client, "ENDPOINT", live_server + "/bird/")
    return bird_client.Client(workspace.api_key, organization=None, workspace=str(workspace.workspace_id))


def test_create_get_and_list_through_the_sdk(sdk, workspace):
    created = sdk.contact_create({
        "displayName": "John Doe",
        "identifiers": [{"key": "emailaddress", "value": "Contacts@Bird.com"}],
        "attributes": {"firstName": "John", "rating": 9.6},
    })
    assert created["computedDisplayName"] == "John Doe"
    assert created["workspaceId"] == str(workspace.workspace_id)
    assert created["attributes"]["emailaddress"] == ["contacts@bird.com"]

    fetched = sdk.contact(created["id"])
    assert fetched == created

    second = sdk.contact_create({"displayName": "Jane Roe"})
    listed = sdk.contact_list()
    assert [c["id"] for c in listed["results"]] == [created["id"], second["id"]]


def test_sdk_sees_errors_in_birds_envelope(sdk):
    sdk.contact_create({"displayName": "A", "identifiers": [{"key": "visitorid", "value": "v1"}]})
    missing = sdk.contact("00000000-0000-7000-8000-000000000000")
    assert missing["code"] == "NotFound"
    invalid = sdk.contact_create({"displayName": ""})
    assert invalid["code"] == "InvalidPayload" and ".displayName" in invalid["details"]


def test_sdk_with_a_wrong_key_is_refused(sdk, live_server, workspace, monkeypatch):
    stranger = bird_client.Client("chk_wrong", organization=None, workspace=str(workspace.workspace_id))
    assert stranger.contact_list()["code"] == "Unauthorized"
