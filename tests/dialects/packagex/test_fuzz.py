"""No body, however odd, gets a 500 from the PackageX door; a refused one is answered in the
PackageX envelope and leaves the store as it was. Bodies use PackageX's own field names so
they reach past the schema into the mapping and the core."""

import base64
import csv
import io

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from tests.dialects.fuzzing import (
    FUZZ, JSON, fuzz, any_text, bodies, emails, hostile_text, json_values, loose, native_contacts, phones, raw_json,
    unknown_id, url_text,
)
from tests.importfiles import xlsx_bytes

# what a client can put in a path segment
path_text = st.text(st.characters(min_codepoint=0x21, blacklist_categories=("Cs", "Cc"), blacklist_characters="/?#%"),
                    min_size=1, max_size=40)
ENVELOPE = {"message", "data", "status", "errors", "code", "pagination", "endpoint"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def targets(px, client, db):
    """Contacts the update bodies point at: a person with an address, a group, and another
    workspace's contact and address."""
    from contacthub.core import workspaces

    def make(c, **body):
        response = c.post("/packagex/v1/contacts", json=body)
        assert response.status_code == 200, response.text
        return response.json()["data"]

    person = make(px, name="Tony", email="tony@stark.com", address={"line1": "1 Main St", "city": "Malibu"})
    group = make(px, name="Avengers", type="group")
    with db.write() as session:
        other = workspaces.create_workspace(session, "px-fuzz-other")
    response = client.post("/packagex/v1/contacts", json={"name": "Theirs", "address": "9 Far Away"},
                           headers={"PX-API-KEY": other.api_key})
    theirs = response.json()["data"]
    return {
        "contacts": [person["id"], group["id"], person["id"].removeprefix("contact_"), theirs["id"],
                     unknown_id("contact_"), "contact_", "contact_nope"],
        "addresses": [person["address"]["id"], theirs["address"]["id"], unknown_id("address_"),
                      unknown_id("location_"), person["address"]["id"].removeprefix("address_")],
    }


def snapshot(px, workspace, groups: bool = False) -> tuple:
    """Every contact as the native door shows it; with `groups`, also as PackageX lists them
    (group members show only there)."""
    if not groups:
        return native_contacts(px, workspace.api_key), None
    listed, page = [], 1
    while True:
        body = px.get("/packagex/v1/contacts", params={"limit": 100, "page": page}).json()
        listed += body["data"]
        if not body["pagination"]["has_more"]:
            break
        page += 1
    return native_contacts(px, workspace.api_key), listed


def check(response, px, workspace, before):
    """The answer is no 500, always the envelope; a refusal changed nothing."""
    assert response.status_code < 500, response.text
    body = response.json()
    event(f"{response.status_code} {body.get('message', '')[:60]} {str(body.get('errors'))[:50]}")
    assert set(body) == ENVELOPE, body
    assert body["status"] == response.status_code and isinstance(body["message"], str)
    assert isinstance(body["errors"], list) and all(isinstance(e, str) for e in body["errors"])
    assert "unexpectedly" not in body["message"], body  # an import that crashed inside
    if response.status_code >= 400:
        assert body["data"] is None and body["errors"], body
        assert body["code"], body
        assert snapshot(px, workspace, before[1] is not None) == before
    return body


def address_bodies(ids):
    return st.one_of(
        loose(any_text, hostile_text, st.sampled_from(ids)),
        st.fixed_dictionaries({}, optional={
            "id": loose(st.sampled_from(ids), any_text), "line1": loose(any_text, hostile_text),
            "line2": loose(any_text), "address": loose(any_text), "city": loose(any_text), "state": loose(any_text),
            "postal_code": loose(any_text, hostile_text), "zip": loose(any_text), "country": loose(any_text),
        }),
    )


def contact_fields(addresses):
    return {
        "name": loose(any_text, hostile_text), "email": loose(emails, hostile_text), "phone": loose(phones),
        "address": address_bodies(addresses), "address_line2": loose(any_text, hostile_text),
        "type": loose(st.sampled_from(["person", "group", "robot", "Group", ""])),
        "metadata": loose(st.dictionaries(any_text, json_values, max_size=4)),
        "notes": loose(any_text, hostile_text), "unknown": json_values,
    }


@FUZZ
@given(data=st.data())
def test_random_creates_never_cause_a_server_error(px, workspace, targets, data):
    fields = contact_fields(targets["addresses"])
    fields["options"] = loose(st.fixed_dictionaries({}, optional={"match_contacts": loose(st.booleans())}))
    body = data.draw(bodies(
        st.fixed_dictionaries({"name": st.text(min_size=1, max_size=20)},
                             optional={k: v for k, v in fields.items() if k != "name"}),
        st.fixed_dictionaries({}, optional=fields),
    ), label="body")
    before = snapshot(px, workspace)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = px.post("/packagex/v1/contacts", content=content, headers=JSON)
    out = check(response, px, workspace, before)
    if response.status_code == 200:
        assert px.get(f"/packagex/v1/contacts/{out['data']['id']}").status_code == 200


@FUZZ
@given(data=st.data())
def test_random_updates_never_cause_a_server_error(px, workspace, targets, data):
    fields = contact_fields(targets["addresses"])
    ids = st.sampled_from(targets["contacts"])
    fields["group_contacts"] = loose(st.fixed_dictionaries({}, optional={
        "children": loose(st.lists(loose(ids, any_text), max_size=4)),
        "primary": loose(st.lists(loose(ids, any_text), max_size=4)),
    }))
    body = data.draw(bodies(st.fixed_dictionaries({}, optional=fields)), label="body")
    target = data.draw(st.one_of(ids, path_text), label="target")
    before = snapshot(px, workspace, groups=True)
    content = body if isinstance(body, bytes) else raw_json(body)
    response = px.post(f"/packagex/v1/contacts/{target}", content=content, headers=JSON)
    check(response, px, workspace, before)


# ---------------------------------------------------------------- csv_url

HEADERS = ["Name", "First Name", "Last Name", "Email", "Phone", "Address", "Address Line2", "Type", "Groups",
           "Notes", "Title", "Company", "City", "State", "Zip", "Country", "metadata.a", "metadata.a.b",
           "metadata.", "metadata..x", "metadata.a.b.c", "", " ", "ÉMAIL", "name", "e-mail", "Email"]
cells = st.one_of(st.text(st.characters(blacklist_categories=("Cs",)), max_size=15), emails, phones,
                  st.sampled_from(["group", "person", "robot", "Avengers", "Avengers;Other|X", "", "\x00", '"', "\n",
                                   "=1+1", "\ufeff"]),
                  st.just(20_000).map(lambda n: "x" * n))
header_rows = st.one_of(
    st.lists(st.one_of(st.sampled_from(HEADERS), st.text(max_size=10)), max_size=6),
    st.lists(st.sampled_from(HEADERS), max_size=6).map(lambda hs: ["Name", *hs]),
    st.permutations(["Name", "Email", "Phone", "Type", "Groups", "metadata.csv_import", "Address"]),
)
tables = st.tuples(
    header_rows,
    st.lists(st.lists(cells, max_size=7), max_size=5),  # rows, ragged
)


@st.composite
def files(draw) -> tuple[bytes, str]:
    """(file bytes, the media type a client would name for them)."""
    headers, rows = draw(tables)
    headers = [h.encode("utf-8", "replace").decode("utf-8", "replace") for h in headers]
    kind = draw(st.sampled_from(["csv", "csv", "csv", "xlsx", "bytes"]))
    if kind == "xlsx":
        clean = [[c.replace("\x00", "") for c in row] for row in [headers, *rows]]
        return xlsx_bytes([[c for c in row[:26]] for row in clean]), draw(st.sampled_from([XLSX, "text/csv", ""]))
    if kind == "bytes":
        return draw(st.binary(max_size=200)), draw(st.sampled_from(["text/csv", XLSX, "application/vnd.ms-excel"]))
    out = io.StringIO()
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    if draw(st.booleans()):
        writer = csv.writer(out, delimiter=delimiter)
        for row in [headers, *rows]:
            writer.writerow(row)
    else:  # no quoting at all: stray quotes and delimiters inside cells
        out.write("\n".join(delimiter.join(row) for row in [headers, *rows]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]))
    return out.getvalue().encode(encoding, "replace"), draw(st.sampled_from(["text/csv", "text/plain", ""]))


@st.composite
def data_urls(draw) -> str:
    content, mime = draw(files())
    mime = draw(st.one_of(st.just(mime), st.sampled_from(
        ["image/png", "application/json", "TEXT/CSV", "text/csv;charset=utf-8", "application/pdf", "text/html"]),
        url_text.filter(lambda t: "," not in t)))
    encoded = base64.b64encode(content).decode()
    garble = draw(st.sampled_from(["none", "none", "chars", "cut", "urlencoded", "no-base64-flag"]))
    if garble == "chars":
        at = draw(st.integers(0, len(encoded)))
        encoded = encoded[:at] + draw(st.text(max_size=5)) + encoded[at:]
    elif garble == "cut":
        encoded = encoded[: draw(st.integers(0, len(encoded)))]
    elif garble == "urlencoded":
        from urllib.parse import quote_from_bytes
        return f"data:{mime},{quote_from_bytes(content)}"
    elif garble == "no-base64-flag":
        return f"data:{mime},{encoded}"
    return f"data:{mime};base64,{encoded}"


csv_urls = st.one_of(
    data_urls(), data_urls(), data_urls(), data_urls(), data_urls(), data_urls(),
    st.sampled_from(["data:", "data:,", "data:text/csv;base64,", "data:text/csv;base64,@@@", "ftp://example.com/a.csv",
                     "http://127.0.0.1:9/contacts.csv", "http://localhost:9/x.csv", "http://[::1]:9/x.csv", "http://",
                     "https://", "file:///etc/passwd", "javascript:alert(1)", "", " ", "data:text/csv;base64,\x00"]),
    any_text.filter(lambda t: not t.strip().lower().startswith(("http", "data"))),
    json_values,
)


@fuzz(8)
@given(data=st.data())
def test_random_csv_urls_never_cause_a_server_error(px, workspace, data):
    body = data.draw(st.fixed_dictionaries({"csv_url": csv_urls}, optional={
        "overwrite": loose(st.booleans()),
        "options": loose(st.fixed_dictionaries({}, optional={"match_contacts": loose(st.booleans())})),
        "name": loose(any_text),
    }), label="body")
    before = snapshot(px, workspace)
    response = px.post("/packagex/v1/contacts", content=raw_json(body), headers=JSON)
    out = check(response, px, workspace, before)
    if response.status_code == 200 and body["csv_url"] is not None:  # a null csv_url is a single create
        assert isinstance(out["data"]["ids"], list) and isinstance(out["data"]["issues"], list)
        for contact_id in out["data"]["ids"][:3]:
            assert px.get(f"/packagex/v1/contacts/{contact_id}").status_code == 200


# ---------------------------------------------------------------- list parameters

PARAMS = ["page", "limit", "type", "child", "search", "order_by", "direction", "unknown"]
param_values = st.one_of(url_text, st.integers().map(str), st.sampled_from(
    ["0", "-1", "1", "100", "101", "1000001", "99999999999999999999", "1.5", "name", "created_at", "asc", "desc",
     "person", "group", "%", "_", "\x00", "contact_", "contact_00000000-0000-7000-8000-000000000000", "a" * 300]))


@fuzz(10)
@given(params=st.lists(st.tuples(st.sampled_from(PARAMS), param_values), max_size=6))
def test_random_list_parameters_never_cause_a_server_error(px, workspace, targets, params):
    response = px.get("/packagex/v1/contacts", params=params)
    assert response.status_code < 500, response.text
    body = response.json()
    assert set(body) == ENVELOPE and body["status"] == response.status_code
    if response.status_code == 200:
        assert set(body["pagination"]) == {"limit", "page", "has_more", "total_count"}
    else:
        assert body["errors"] and body["data"] is None
