"""PackageX bad input, one case at a time: keys, malformed JSON, unknown and foreign ids, foreign
addresses, oversized and unreachable csv_url sources, and the cases the fuzz test found. Each is a
clear 4xx in the PackageX envelope and leaves the store as it was."""

import functools
import http.server
import json
import threading

import httpx
import pytest
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.core import workspaces
from contacthub.settings import Settings
from tests.importfiles import data_url

ENVELOPE = {"message", "data", "status", "errors", "code", "pagination", "endpoint"}
UNKNOWN = "contact_00000000-0000-7000-8000-000000000000"


def refused(response, status: int) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ENVELOPE
    assert body["status"] == status and body["data"] is None and body["errors"] and body["code"]
    return body


def everything(px) -> list[dict]:
    return px.get("/packagex/v1/contacts", params={"limit": 100}).json()["data"]


@pytest.fixture
def tony(px):
    response = px.post("/packagex/v1/contacts", json={"name": "Tony", "email": "tony@stark.com",
                                                      "address": {"line1": "10880 Malibu Point", "city": "Malibu"}})
    return response.json()["data"]


@pytest.fixture
def theirs(client, db):
    """A contact (with an address) in another workspace, and that workspace's key."""
    with db.write() as session:
        other = workspaces.create_workspace(session, "px-other")
    response = client.post("/packagex/v1/contacts", json={"name": "Theirs", "address": "9 Far Away"},
                           headers={"PX-API-KEY": other.api_key})
    return {"key": other.api_key, **response.json()["data"]}


# ---------------------------------------------------------------- keys

@pytest.mark.parametrize("headers", [
    {},
    {"PX-API-KEY": ""},
    {"PX-API-KEY": "chk_nope"},
    {"X-API-KEY": "chk_nope"},
    {"X-API-KEY": "   "},
    {"Authorization": "Bearer {key}"},  # the native scheme is not PackageX's
    {"PX-API-KEY": "{key}x"},
])
def test_missing_or_wrong_keys_are_401_and_write_nothing(client, px, workspace, tony, headers):
    headers = {k: v.format(key=workspace.api_key) for k, v in headers.items()}
    before = everything(px)
    bare = TestClient(px.app)
    for response in (
        bare.get("/packagex/v1/contacts", headers=headers),
        bare.post("/packagex/v1/contacts", json={"name": "Intruder"}, headers=headers),
        bare.post(f"/packagex/v1/contacts/{tony['id']}", json={"name": "Hacked"}, headers=headers),
        bare.delete(f"/packagex/v1/contacts/{tony['id']}", headers=headers),
    ):
        body = refused(response, 401)
        assert body["code"] == "unauthorized"
    assert everything(px) == before


def test_either_key_header_works_and_a_revoked_key_is_401(client, db, workspace):
    assert client.get("/packagex/v1/contacts", headers={"PX-API-KEY": workspace.api_key}).status_code == 200
    assert client.get("/packagex/v1/contacts", headers={"X-API-KEY": workspace.api_key}).status_code == 200
    with db.write() as session:
        workspaces.revoke_key(session, str(workspace.key_id))
    refused(client.get("/packagex/v1/contacts", headers={"PX-API-KEY": workspace.api_key}), 401)
    refused(client.post("/packagex/v1/contacts", json={"name": "Late"}, headers={"X-API-KEY": workspace.api_key}), 401)


# ---------------------------------------------------------------- malformed bodies

@pytest.mark.parametrize("content", [b"{nope", b"", b'{"name": "A",}', b"\xff\xfe{}", b'{"name": "A"'])
def test_malformed_json_is_400(px, tony, content):
    before = everything(px)
    for path in ("/packagex/v1/contacts", f"/packagex/v1/contacts/{tony['id']}"):
        refused(px.post(path, content=content, headers={"Content-Type": "application/json"}), 400)
    assert everything(px) == before


@pytest.mark.parametrize("body", [[], ["name"], "Tony", 3, None])
def test_a_body_that_is_not_an_object_is_400(px, tony, body):
    before = everything(px)
    for path in ("/packagex/v1/contacts", f"/packagex/v1/contacts/{tony['id']}"):
        assert "body" in refused(px.post(path, json=body), 400)["errors"][0]
    assert everything(px) == before


# ---------------------------------------------------------------- unknown and foreign ids

@pytest.mark.parametrize("contact_id", [UNKNOWN, "contact_nope", "contact_", "00000000-0000-7000-8000-000000000000"])
def test_unknown_ids_are_404(px, tony, contact_id):
    before = everything(px)
    assert refused(px.get(f"/packagex/v1/contacts/{contact_id}"), 404)["code"] == "not_found"
    refused(px.post(f"/packagex/v1/contacts/{contact_id}", json={"name": "x"}), 404)
    refused(px.delete(f"/packagex/v1/contacts/{contact_id}"), 404)
    assert everything(px) == before


def test_another_workspaces_contact_is_404_everywhere(px, client, tony, theirs):
    before = everything(px)
    refused(px.get(f"/packagex/v1/contacts/{theirs['id']}"), 404)
    refused(px.post(f"/packagex/v1/contacts/{theirs['id']}", json={"name": "Mine now"}), 404)
    refused(px.delete(f"/packagex/v1/contacts/{theirs['id']}"), 404)
    assert everything(px) == before
    # theirs is untouched
    still = client.get(f"/packagex/v1/contacts/{theirs['id']}", headers={"PX-API-KEY": theirs["key"]}).json()
    assert still["data"]["name"] == "Theirs"


def test_another_workspaces_contacts_cannot_join_a_group(px, tony, theirs):
    group = px.post("/packagex/v1/contacts", json={"name": "Team", "type": "group"}).json()["data"]
    before = everything(px)
    body = refused(px.post(f"/packagex/v1/contacts/{group['id']}", json={
        "group_contacts": {"children": [tony["id"], theirs["id"]], "primary": [theirs["id"]]}}), 400)
    assert any(e.startswith("group_contacts.children[1]") for e in body["errors"])
    assert everything(px) == before


def test_an_address_id_of_another_workspace_is_400_on_create_and_update(px, tony, theirs):
    before = everything(px)
    foreign = theirs["address"]["id"]
    for path in ("/packagex/v1/contacts", f"/packagex/v1/contacts/{tony['id']}"):
        for address in (foreign, foreign.removeprefix("address_"), "location_" + foreign.removeprefix("address_"),
                        {"id": foreign, "line1": "ignored"}):
            body = refused(px.post(path, json={"name": "Tony", "address": address}), 400)
            assert body["errors"][0].startswith("address"), body
    assert everything(px) == before


def test_an_address_id_of_another_contact_is_copied_never_shared(px, tony):
    """PackageX: "the address field can also include the address ID or location ID". Another
    contact's address in the same workspace is copied; the other contact keeps its own."""
    pepper = px.post("/packagex/v1/contacts", json={"name": "Pepper", "address": "1 Other Road"}).json()["data"]
    updated = px.post(f"/packagex/v1/contacts/{pepper['id']}", json={"address": tony["address"]["id"]}).json()["data"]
    assert updated["address"]["line1"] == "10880 Malibu Point"
    assert updated["address"]["id"] != tony["address"]["id"]
    px.post(f"/packagex/v1/contacts/{pepper['id']}", json={"address_line2": "Flat 2"})
    assert px.get(f"/packagex/v1/contacts/{tony['id']}").json()["data"]["address"] == tony["address"]


def test_an_address_id_that_is_not_an_address_is_400(px, tony):
    before = everything(px)
    refused(px.post(f"/packagex/v1/contacts/{tony['id']}", json={"address": {"id": "nope"}}), 400)
    refused(px.post(f"/packagex/v1/contacts/{tony['id']}", json={"address": "address_00000000-0000-7000-8000-000000000000"}), 400)
    assert everything(px) == before


# ---------------------------------------------------------------- csv_url sources

def test_a_csv_url_body_over_the_limit_is_413_and_writes_nothing(px, tony, settings):
    before = everything(px)
    big = data_url("Name\n" + "Ada\n" * (settings.packagex_max_body_bytes // 4 + 10))
    body = refused(px.post("/packagex/v1/contacts", json={"csv_url": big, "overwrite": True}), 413)
    assert body["code"] == "payload_too_large"
    assert everything(px) == before


@pytest.fixture
def small_limit_px(db, database_url, workspace):
    """The same store behind an app whose imports take at most 1,000 bytes, local URLs allowed."""
    app = create_app(Settings(database_url=database_url, import_max_bytes=1000, import_allow_private_urls=True), db)
    client = TestClient(app)
    client.headers["PX-API-KEY"] = workspace.api_key
    return client


@pytest.fixture
def web(tmp_path):
    (tmp_path / "big.csv").write_text("Name\n" + "Ada Lovelace\n" * 500)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_csv_over_the_import_size_limit_is_400_and_writes_nothing(small_limit_px, tony, web):
    before = everything(small_limit_px)
    for csv_url in (data_url("Name\n" + "Ada Lovelace\n" * 500), web + "/big.csv"):
        body = refused(small_limit_px.post("/packagex/v1/contacts", json={"csv_url": csv_url, "overwrite": True}), 400)
        assert "larger than the limit" in body["message"], body
    assert everything(small_limit_px) == before


@pytest.fixture
def no_outgoing_requests(monkeypatch):
    """Refused URLs must be refused before any connection is tried: a request would fail the test."""
    def handle_request(*args, **kwargs):
        raise AssertionError("a request left the server")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", handle_request)


@pytest.mark.parametrize("csv_url", [
    "http://10.0.0.1/contacts.csv",
    "http://192.168.1.20/contacts.csv",
    "http://172.16.0.5/contacts.csv",
    "http://127.0.0.1:9/contacts.csv",
    "http://localhost/contacts.csv",
    "http://[::1]/contacts.csv",
    "http://169.254.169.254/latest/meta-data",
    "http://0.0.0.0/contacts.csv",
    "https://[fd00::1]/contacts.csv",
    # IPv6 forms that carry a private IPv4 address, which a gateway turns back into it
    "http://[::ffff:127.0.0.1]/contacts.csv",
    "http://[64:ff9b::7f00:1]:8999/contacts.csv",  # NAT64
    "http://[64:ff9b::a00:1]/contacts.csv",
    "http://[2002:7f00:1::]/contacts.csv",  # 6to4
    "http://[::127.0.0.1]/contacts.csv",  # IPv4-compatible
    "http://[::ffff:0:7f00:1]/contacts.csv",  # SIIT IPv4-translated
])
def test_an_http_csv_url_to_a_private_address_is_400(px, tony, no_outgoing_requests, csv_url):
    before = everything(px)
    body = refused(px.post("/packagex/v1/contacts", json={"csv_url": csv_url, "overwrite": True}), 400)
    assert body["errors"][0].startswith("csv_url") and "private or local" in body["message"]
    assert everything(px) == before


@pytest.mark.parametrize("csv_url", ["", "   ", "ftp://example.com/a.csv", "file:///etc/passwd", "http://", "nonsense"])
def test_empty_or_unusable_csv_urls_are_400(px, tony, no_outgoing_requests, csv_url):
    """An empty csv_url was a 500 (found by the fuzz test)."""
    before = everything(px)
    body = refused(px.post("/packagex/v1/contacts", json={"csv_url": csv_url, "overwrite": True}), 400)
    assert body["errors"][0].startswith("csv_url"), body
    assert everything(px) == before


# ---------------------------------------------------------------- found by the fuzz test

@pytest.mark.parametrize("body,field", [
    ({"name": "\u0000"}, "name"),
    ({"name": "A", "email": "a\u0000@example.com"}, "email"),
    ({"name": "A", "phone": "+1 212 555 0100\u0000"}, "phone"),
    ({"name": "A", "notes": "n\u0000"}, "notes"),
    ({"name": "A", "address": "1 Main St\u0000"}, "address.line1"),
    ({"name": "A", "address": {"line1": "1 Main St", "state": "C\u0000A"}}, "address.state"),
    ({"name": "A", "address_line2": "\u0000"}, "address.line2"),
    ({"name": "A", "metadata": {"k": "v\u0000"}}, "metadata"),
    ({"name": "A", "metadata": {"k\u0000": "v"}}, "metadata"),
    ({"name": "\ud800"}, "name"),
])
def test_values_no_store_can_hold_are_400_on_create_and_update(px, tony, body, field):
    """These were 500s on update (the core's refusal escaped as a bare validation error)."""
    before = everything(px)
    for path in ("/packagex/v1/contacts", f"/packagex/v1/contacts/{tony['id']}"):
        response = px.post(path, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
        out = refused(response, 400)
        assert any(e.startswith(field) for e in out["errors"]), out
    assert everything(px) == before


def test_core_faults_are_named_with_packagex_fields(px, tony):
    out = refused(px.post(f"/packagex/v1/contacts/{tony['id']}", json={"email": "bad", "phone": "12"}), 400)
    assert [e.split(":")[0] for e in out["errors"]] == ["email", "phone"]
    assert out["message"].startswith("email: ")
    union = refused(px.post("/packagex/v1/contacts", json={"name": "A", "address": "x" * 301}), 400)
    assert all("constrained" not in e and "AddressBody" not in e for e in union["errors"]), union
    assert union["errors"][0].startswith("address")


def test_a_nul_character_in_a_csv_cell_is_a_row_issue(px, api):
    """Was an import that failed unexpectedly on PostgreSQL (a NUL reached a text column)."""
    csv = "Name,Email,metadata.n\u0000te\nAda\u0000,ada@example.com,x\nGrace,grace@example.com,y\n"
    body = px.post("/packagex/v1/contacts", json={"csv_url": data_url(csv)}).json()
    assert body["status"] == 200, body
    assert body["data"]["issues"] == [{"index": 0, "errors": ["name"]}]
    assert len(body["data"]["ids"]) == 1
    grace = px.get(f"/packagex/v1/contacts/{body['data']['ids'][0]}").json()["data"]
    assert grace["name"] == "Grace" and grace["metadata"] == {"n\ufffdte": "y"}
    job = api.get(f"/v1/imports/{body['data']['import_id']}/rejected.csv")
    assert job.status_code == 200 and "Ada\ufffd" in job.text


def test_a_csv_whose_bom_lies_about_its_encoding_still_imports(px):
    """A UTF-8 BOM followed by bytes that are not UTF-8 failed the import unexpectedly."""
    content = b"\xef\xbb\xbfName,Email\nJos\xe9,jose@example.com\n"
    body = px.post("/packagex/v1/contacts", json={"csv_url": data_url(content)}).json()
    assert body["status"] == 200, body
    assert len(body["data"]["ids"]) == 1
    assert px.get(f"/packagex/v1/contacts/{body['data']['ids'][0]}").json()["data"]["name"] == "Jos\ufffd"


@pytest.mark.parametrize("address,field", [
    ({"line1": "1 Main St", "city": "c" * 201}, "address.city"),
    ({"line1": "1 Main St", "state": "s" * 201}, "address.state"),
    ({"line1": "1 Main St", "country": "y" * 101}, "address.country"),
])
def test_address_parts_longer_than_their_columns_are_400(px, tony, address, field):
    """Were 500s on PostgreSQL: the input allowed 300 characters where the column holds fewer."""
    before = everything(px)
    for path in ("/packagex/v1/contacts", f"/packagex/v1/contacts/{tony['id']}"):
        out = refused(px.post(path, json={"name": "A", "address": address}), 400)
        assert out["errors"][0].startswith(field), out
    assert everything(px) == before


def test_a_long_email_is_kept_and_matched(px):
    """An email of more than 198 characters (valid: up to 254) was a 500 on PostgreSQL: its
    identity key was longer than the index's column."""
    email = "a" * 64 + "@" + ".".join(["b" * 60, "c" * 60, "d" * 60]) + ".com"
    made = px.post("/packagex/v1/contacts", json={"name": "Long", "email": email})
    assert made.status_code == 200, made.text
    again = px.post("/packagex/v1/contacts", json={"name": "Long again", "email": email.upper(),
                                                  "options": {"match_contacts": True}}).json()["data"]
    assert again["id"] == made.json()["data"]["id"]


def test_csv_cells_longer_than_their_columns_are_row_issues(px):
    """A 250-character City or First Name failed the whole import on PostgreSQL."""
    csv = f"First Name,Last Name,City,Email\n{'f' * 250},L,Rome,a@example.com\nAda,L,{'c' * 250},b@example.com\nOk,L,Rome,c@example.com\n"
    body = px.post("/packagex/v1/contacts", json={"csv_url": data_url(csv)}).json()
    assert body["status"] == 200, body
    assert body["data"]["issues"] == [{"index": 0, "errors": ["first_name"]}, {"index": 1, "errors": ["city"]}]
    assert len(body["data"]["ids"]) == 1


@pytest.mark.parametrize("params", [{"search": "a\u0000"}, {"child": "contact_\u0000"}, {"type": "\u0000"}])
def test_a_nul_character_in_a_query_is_400(px, tony, params):
    """search=%00 was a 500 on PostgreSQL (it refuses NUL even in a filter)."""
    out = refused(px.get("/packagex/v1/contacts", params=params), 400)
    assert out["errors"][0].startswith(next(iter(params)))


@pytest.mark.parametrize("body", [
    {"name": "A", "email": "tony\u0000@stark.com", "options": {"match_contacts": True}},
    {"name": "A", "phone": "+1 212 555 0100\u0000", "options": {"match_contacts": True}},
])
def test_match_contacts_checks_the_values_before_looking_them_up(px, tony, body):
    """A NUL in the email or phone to match on was a 500 on PostgreSQL."""
    before = everything(px)
    refused(px.post("/packagex/v1/contacts", json=body), 400)
    assert everything(px) == before


@pytest.mark.parametrize("body, field", [
    ({"name": "   "}, "name"),
    ({"name": "A", "address": {}}, "address"),
    ({"name": "A", "address": "   "}, "address"),
])
def test_a_blank_name_or_an_empty_address_is_400(px, tony, body, field):
    before = everything(px)
    response = refused(px.post("/packagex/v1/contacts", json=body), 400)
    assert response["errors"][0].startswith(field), response
    assert everything(px) == before
