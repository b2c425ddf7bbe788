"""A JSON body sent without `Content-Type: application/json` (plain `curl -d` sends a form type),
or no body at all: a 400 in the door's own envelope that says so. Bird, PackageX and the native
API answered "Input should be a valid dictionary or object", about a body that was one."""

import base64

import pytest

BODY = b'{"displayName": "Curl", "name": "Curl", "first_name": "Curl", "data_source_uuid": "ds_x"}'


def _doors(workspace):
    key = workspace.api_key
    return {
        "native": ("/v1/contacts", {"Authorization": f"Bearer {key}"}, lambda b: b["error"]["message"]),
        "bird": (f"/bird/workspaces/{workspace.workspace_id}/contacts", {"Authorization": f"AccessKey {key}"},
                 lambda b: b["message"]),
        "packagex": ("/packagex/v1/contacts", {"PX-API-KEY": key}, lambda b: b["errors"][0]),
        "chartmogul": ("/chartmogul/v1/contacts", {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()},
                       lambda b: b["message"]),
    }


@pytest.mark.parametrize("door", ["native", "bird", "packagex", "chartmogul"])
@pytest.mark.parametrize("sent_as", ["application/x-www-form-urlencoded", "text/plain", None, "no body"])
def test_a_body_not_sent_as_json_is_a_400_saying_so(client, workspace, door, sent_as):
    path, auth, message_of = _doors(workspace)[door]
    headers = {**auth, **({"Content-Type": sent_as} if sent_as not in (None, "no body") else {})}
    answer = client.post(path, headers=headers, content=b"" if sent_as == "no body" else BODY)
    assert answer.status_code == 400, answer.text
    assert "Content-Type: application/json" in message_of(answer.json())
    stored = client.get("/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()["data"]
    assert stored == []
