"""PackageX CSV/Excel create through csv_url: the seed's walk-through, web URLs, overwrite."""

import functools
import http.server
import threading

import pytest

from tests.importfiles import SEED_CSV, data_url, xlsx_bytes


def test_the_seed_example_as_a_base64_data_url(px, api):
    body = px.post("/packagex/v1/contacts", json={"csv_url": data_url(SEED_CSV)}).json()
    assert body["status"] == 200
    data = body["data"]
    assert data["issues"] == [{"index": 2, "errors": ["email"]}]
    assert len(data["ids"]) == 3 and all(i.startswith("contact_") for i in data["ids"])
    listed = px.get("/packagex/v1/contacts", params={"order_by": "name"}).json()["data"]
    by_name = {c["name"]: c for c in listed}
    assert set(by_name) == {"Avengers", "Steve Rogers", "Tony Stark"}
    group = by_name["Avengers"]
    assert group["type"] == "group"
    assert set(group["group_contacts"]["children"]) == {by_name["Tony Stark"]["id"], by_name["Steve Rogers"]["id"]}
    assert by_name["Tony Stark"]["metadata"] == {"csv_import": "yes"}
    assert by_name["Tony Stark"]["referenced_contacts"][0]["name"] == "Avengers"
    assert api.get("/v1/contacts").json()["data"][0]["display_name"] == "Avengers"


def test_a_row_without_a_name_is_an_issue_as_a_single_create_without_one_is(px):
    """The seed: "The only required property for a contact is the name"; Name (or First Name and
    Last Name) is a required header."""
    csv = "First Name,Last Name,Email\nAda,Lovelace,ada@example.com\n,,anon@example.com\n,Hopper,\nThor,,thor@asgard\n"
    data = px.post("/packagex/v1/contacts", json={"csv_url": data_url(csv)}).json()["data"]
    assert data["issues"] == [{"index": 1, "errors": ["name"]}, {"index": 3, "errors": ["email"]}]
    assert sorted(c["name"] for c in px.get("/packagex/v1/contacts").json()["data"]) == ["Ada Lovelace", "Hopper"]
    no_name_column = px.post("/packagex/v1/contacts", json={"csv_url": data_url("Email\nanon2@example.com\n")}).json()
    assert no_name_column["data"]["ids"] == [] and no_name_column["data"]["issues"] == [{"index": 0, "errors": ["name"]}]


def test_excel_data_url(px):
    content = xlsx_bytes([["First Name", "Last Name", "Email"], ["Ada", "Lovelace", "ada@example.com"], ["Bad", "", "x@"]])
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    data = px.post("/packagex/v1/contacts", json={"csv_url": data_url(content, mime)}).json()["data"]
    assert len(data["ids"]) == 1 and data["issues"] == [{"index": 1, "errors": ["email"]}]
    assert px.get(f"/packagex/v1/contacts/{data['ids'][0]}").json()["data"]["name"] == "Ada Lovelace"


def test_a_vcard_data_url(px):
    content = "\r\n".join(["BEGIN:VCARD", "VERSION:3.0", "FN:Ada Lovelace", "EMAIL:ada@example.com", "END:VCARD",
                           "BEGIN:VCARD", "VERSION:3.0", "FN:Thor", "EMAIL:thor@asgard", "END:VCARD"])
    data = px.post("/packagex/v1/contacts", json={"csv_url": data_url(content, "text/vcard")}).json()["data"]
    assert len(data["ids"]) == 1 and data["issues"] == [{"index": 1, "errors": ["email"]}]
    assert px.get(f"/packagex/v1/contacts/{data['ids'][0]}").json()["data"]["email"] == "ada@example.com"


def test_without_matching_every_row_is_created_and_a_repeat_is_queued_for_review(px, workspace):
    ada = px.post("/packagex/v1/contacts", json={"name": "Ada Lovelace", "email": "ada@example.com"}).json()["data"]
    data = px.post("/packagex/v1/contacts", json={"csv_url": data_url(
        "Name,Email\nA. Lovelace,ADA@example.com\nGrace Hopper,grace@example.com\n")}).json()["data"]
    assert len(data["ids"]) == 2 and data["merged"] == 0  # as PackageX does: both created
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    queued = px.get("/v1/duplicates", headers=native).json()["data"]
    assert [(d["contact_id"], d["candidate_id"]) for d in queued] == [
        (data["ids"][0].removeprefix("contact_"), ada["id"].removeprefix("contact_"))]


def test_overwrite_replaces_everything(px):
    px.post("/packagex/v1/contacts", json={"name": "Old"})
    body = px.post("/packagex/v1/contacts", json={"csv_url": data_url("Name\nNew\n"), "overwrite": True}).json()
    assert body["status"] == 200
    assert [c["name"] for c in px.get("/packagex/v1/contacts").json()["data"]] == ["New"]


@pytest.mark.parametrize("csv_url,status", [
    ("data:text/csv;base64,@@@", 400),
    ("data:image/png;base64,iVBORw0KGgo=", 400),
    ("ftp://example.com/a.csv", 400),
    ("http://127.0.0.1:9/contacts.csv", 400),  # loopback is refused by default
    (data_url("Colour\nred\n"), 400),  # no column names a contact
])
def test_bad_csv_urls(px, csv_url, status):
    px.post("/packagex/v1/contacts", json={"name": "Keep"})
    body = px.post("/packagex/v1/contacts", json={"csv_url": csv_url, "overwrite": True}).json()
    assert body["status"] == status and body["errors"] and body["data"] is None
    assert all(str(e).startswith("csv_url") for e in body["errors"]), body["errors"]  # the door's own name
    assert [c["name"] for c in px.get("/packagex/v1/contacts").json()["data"]] == ["Keep"]


def test_a_body_over_the_limit_is_413(px, settings):
    big = "data:text/csv;base64," + "A" * (settings.packagex_max_body_bytes + 10)
    response = px.post("/packagex/v1/contacts", json={"csv_url": big})
    assert response.status_code == 413 and response.json()["status"] == 413


def test_the_seed_example_from_a_web_url(px_local_urls, tmp_path):
    (tmp_path / "contacts.csv").write_text(SEED_CSV)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/contacts.csv"
        data = px_local_urls.post("/packagex/v1/contacts", json={"csv_url": url}).json()["data"]
        assert data["issues"] == [{"index": 2, "errors": ["email"]}] and len(data["ids"]) == 3
        missing = px_local_urls.post("/packagex/v1/contacts", json={"csv_url": url + ".nope"}).json()
        assert missing["status"] == 400 and "404" in missing["message"]
    finally:
        server.shutdown()
