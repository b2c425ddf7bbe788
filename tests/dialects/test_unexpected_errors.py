"""A fault of ours (a bug) answers 500 in each door's own envelope and says nothing of the cause."""

import base64
import logging

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from contacthub.core import accounts, contacts, groups


class _Stored(BaseModel):
    secret: int


def _bug(*args, **kwargs):
    raise RuntimeError("a bug with secret details")


def _model_bug(*args, **kwargs):
    # a model built from what we hold failing is our bug too, not the caller's 400
    _Stored.model_validate({"secret": "not a number"})


@pytest.fixture(params=[_bug, _model_bug])
def broken(app, monkeypatch, request):
    for module, name in ((contacts, "list_page"), (accounts, "list_members"), (groups, "directory")):
        monkeypatch.setattr(module, name, request.param)
    return TestClient(app, raise_server_exceptions=False)


def test_each_door_answers_a_bug_in_its_own_envelope(broken, workspace):
    key = workspace.api_key
    basic = base64.b64encode(f"apiuser:{key}".encode()).decode()
    doors = {
        "native": ("/v1/contacts", {"Authorization": f"Bearer {key}"}, lambda b: b["error"]["type"]),
        "chartmogul": ("/chartmogul/v1/contacts", {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()},
                       lambda b: b["code"] == 500 and b["message"]),
        "bird": (f"/bird/workspaces/{workspace.workspace_id}/contacts", {"Authorization": f"AccessKey {key}"},
                 lambda b: b["code"]),
        "ngpvan": ("/ngpvan/v2/contacts", {"Authorization": f"Basic {basic}"}, lambda b: b["errors"][0]["code"]),
        "packagex": ("/packagex/v1/contacts", {"PX-API-KEY": key}, lambda b: b["errors"] and b["status"] == 500),
    }
    for door, (path, headers, shape) in doors.items():
        response = broken.get(path, headers=headers)
        assert response.status_code == 500, (door, response.text)
        assert shape(response.json()), (door, response.json())
        assert "secret" not in response.text, door


def test_a_bug_is_logged_with_its_request_and_nothing_the_caller_sent(broken, workspace, caplog):
    """It was logged as "unexpected error" alone: no method, path or request id to find it by."""
    key = workspace.api_key
    with caplog.at_level(logging.ERROR, logger="contacthub"):
        broken.get("/v1/contacts", params={"q": "ada.lovelace@example.com"},
                   headers={"Authorization": f"Bearer {key}", "X-Request-ID": "r-42"})
        broken.get("/packagex/v1/contacts", headers={"PX-API-KEY": key})
    said = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    assert said == [
        ("contacthub.native", "ERROR", "unexpected error answering GET /v1/contacts (request r-42)"),
        ("contacthub.packagex", "ERROR", "unexpected error answering GET /packagex/v1/contacts"),
    ], said
    assert all(r.exc_info for r in caplog.records)  # with its traceback
    assert "ada.lovelace" not in caplog.text and key not in caplog.text
