"""Bodies a door cannot read as sent, answered in the door's own envelope: JSON without
`Content-Type: application/json` (plain `curl -d` sends a form type) or no body at all is a 400
that says so (Bird, PackageX and the native API answered "Input should be a valid dictionary or
object", about a body that was one); a compressed body is a 415."""

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


@pytest.mark.parametrize("door", ["native", "bird", "packagex", "chartmogul", "ngpvan"])
def test_a_compressed_body_is_a_415_naming_its_encoding(client, workspace, door):
    """`Content-Encoding: gzip` was read as malformed JSON (400 "could not be read", or NGP VAN's
    "not UTF-8 text"); no door takes compressed bodies, and 415 says what to change."""
    import gzip

    doors = {**_doors(workspace), "ngpvan": ("/ngpvan/v2/contacts", {"apiKey": workspace.api_key},
                                             lambda b: b["errors"][0]["text"])}
    path, auth, message_of = doors[door]
    body = gzip.compress(b'{"type": "INDIVIDUAL", "firstName": "Gz", "lastName": "Ip", ' + BODY[1:])
    answer = client.post(path, headers={**auth, "Content-Type": "application/json", "Content-Encoding": "gzip"},
                         content=body)
    assert answer.status_code == 415, answer.text
    assert "gzip-encoded" in message_of(answer.json())
    stored = client.get("/v1/contacts", headers={"Authorization": f"Bearer {workspace.api_key}"}).json()["data"]
    assert stored == []
