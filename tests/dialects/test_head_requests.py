"""HEAD, in every door: the GET's status and headers, no body (RFC 9110 §9.3.2). Each door
answered 405 to it, which health checks, link checkers and `curl -I` read as down."""

import base64

import httpx


def _doors(workspace):
    key = workspace.api_key
    return [
        ("/v1/contacts", {"Authorization": f"Bearer {key}"}),
        ("/chartmogul/v1/contacts", {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}),
        (f"/bird/workspaces/{workspace.workspace_id}/contacts", {"Authorization": f"AccessKey {key}"}),
        ("/packagex/v1/contacts", {"PX-API-KEY": key}),
        ("/ngpvan/v2/contacts?firstName=Ada", {"apiKey": key}),
        ("/health", {}),
        ("/v1/docs", {}),
    ]


def test_head_answers_the_gets_status_and_headers_without_a_body(client, workspace):
    for path, headers in _doors(workspace):
        got, head = client.get(path, headers=headers), client.head(path, headers=headers)
        assert got.status_code == 200, (path, got.text)
        assert (head.status_code, head.content) == (200, b""), path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert head.headers["content-length"] == str(len(got.content)), path
    # an unknown key or id is the GET's answer too, without its body
    missing = client.head("/v1/contacts/00000000-0000-0000-0000-000000000000",
                          headers={"Authorization": f"Bearer {workspace.api_key}"})
    assert (missing.status_code, missing.content) == (404, b"")
    assert client.head("/v1/contacts", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_head_over_a_real_socket(live_server, workspace):
    """uvicorn sends no body for HEAD either: the connection stays usable for the next request."""
    with httpx.Client(base_url=live_server, headers={"Authorization": f"Bearer {workspace.api_key}"}) as http:
        head = http.head("/v1/contacts")
        assert (head.status_code, head.content) == (200, b"") and int(head.headers["content-length"]) > 0
        assert http.get("/v1/contacts").json()["data"] == []


def test_head_of_a_streamed_export_stops_making_it(client, workspace, monkeypatch):
    """HEAD /v1/export made the whole file and threw it away (with 100,000 contacts the
    connection was busy 12 s after the headers); it stops once the headers are sent."""
    from contacthub.dialects.native import exports

    auth = {"Authorization": f"Bearer {workspace.api_key}"}
    for i in range(150):
        client.post("/v1/contacts", headers=auth, json={"first_name": f"P{i}", "notes": "n" * 2000})
    pages = []
    read_page = exports.contacts.list_page
    monkeypatch.setattr(exports, "PAGE", 2)
    monkeypatch.setattr(exports.contacts, "list_page", lambda *a, **k: pages.append(1) or read_page(*a, **k))
    whole = client.get("/v1/export", headers=auth)
    assert whole.status_code == 200 and len(pages) == 75
    pages.clear()
    head = client.head("/v1/export", headers=auth)
    assert (head.status_code, head.content) == (200, b"") and head.headers["content-type"] == whole.headers["content-type"]
    # the first 64 KB pieces are made (~32 contacts each, one more while the first is sent), not the rest
    assert len(pages) <= 40, len(pages)
