"""Native import jobs: start (JSON or multipart), run by a worker, follow, download rejects."""

import base64
import csv
import functools
import http.server
import io
import json
import threading

import pytest
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.core import import_jobs
from contacthub.settings import Settings
from tests.importfiles import SEED_CSV, data_url


def run_jobs(db, settings):
    """What the worker thread of `serve` does, until the queue is empty."""
    while import_jobs.work_once(db, "test", settings) is not None:
        pass


def test_a_data_url_job_runs_and_reports_every_row(api, db, settings):
    started = api.post("/v1/imports", json={"data_url": data_url(SEED_CSV), "on_duplicate": "merge"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["status"] == "queued" and started.headers["Location"] == f"/v1/imports/{job['id']}"
    run_jobs(db, settings)

    done = api.get(f"/v1/imports/{job['id']}").json()
    assert done["status"] == "succeeded" and done["progress"] == 1.0
    assert done["counts"] == {"created": 3, "merged": 0, "skipped": 0, "review": 0, "invalid": 1}
    rows = done["rows"]["data"]
    assert [r["index"] for r in rows] == [0, 1, 2, 3]
    assert rows[2]["status"] == "invalid" and rows[2]["errors"][0]["column"] == "Email"
    created = api.get(f"/v1/contacts/{rows[1]['contact_id']}").json()
    assert created["display_name"] == "Tony Stark"

    page = api.get(f"/v1/imports/{job['id']}", params={"limit": 2}).json()["rows"]
    assert [r["index"] for r in page["data"]] == [0, 1] and page["has_more"] and page["next_after"] == 1
    rest = api.get(f"/v1/imports/{job['id']}", params={"limit": 2, "after": 1}).json()["rows"]
    assert [r["index"] for r in rest["data"]] == [2, 3] and not rest["has_more"]
    invalid = api.get(f"/v1/imports/{job['id']}", params={"status": "invalid"}).json()["rows"]["data"]
    assert [r["index"] for r in invalid] == [2]
    assert api.get(f"/v1/imports/{job['id']}", params={"status": "weird"}).status_code == 422

    rejected = api.get(f"/v1/imports/{job['id']}/rejected.csv")
    assert rejected.status_code == 200 and rejected.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(rejected.text)))
    assert rejected.text.splitlines()[0] == "row_index," + SEED_CSV.splitlines()[0] + ",errors"  # the file's order
    assert len(table) == 1 and table[0]["row_index"] == "2" and table[0]["Name"] == "Thor"
    assert "Email" in table[0]["errors"]

    listed = api.get("/v1/imports").json()["data"]
    assert [j["id"] for j in listed] == [job["id"]]


def test_a_job_tells_of_bytes_that_were_not_utf8(api, db, settings):
    content = "Name,Email\nJosé Núñez,jose@example.es\nZoë,zoe@example.de\n".encode() + b"Ren\xe9e,renee@example.com\n"
    started = api.post("/v1/imports", json={"data_url": data_url(content)}).json()
    assert started["notes"] == []
    run_jobs(db, settings)
    done = api.get(f"/v1/imports/{started['id']}").json()
    assert done["counts"]["created"] == 3
    assert done["notes"] == ["1 byte is not UTF-8 and was replaced with \ufffd (line 4 of the file); "
                             "the rest was read as UTF-8"]


def test_a_job_names_the_columns_it_did_not_import(api, db, settings):
    started = api.post("/v1/imports", json={"data_url": data_url("Name,Email,Record ID,Lead Status\nAda,ada@example.com,7,New\n")}).json()
    assert started["ignored_columns"] == []  # not read yet
    run_jobs(db, settings)
    assert api.get(f"/v1/imports/{started['id']}").json()["ignored_columns"] == ["Record ID", "Lead Status"]


def test_a_failed_job_keeps_no_copy_of_its_file(api, db, settings, workspace):
    """A file whose import fails (no column any contact field reads) is not run again: the copy
    kept to run it goes, as a finished job's does (it held the people in it)."""
    from sqlalchemy import func, select

    from contacthub.db.models import ImportBlob

    started = api.post("/v1/imports", json={"data_url": data_url("Colour,Shape\nred,round\n")}).json()
    run_jobs(db, settings)
    assert api.get(f"/v1/imports/{started['id']}").json()["status"] == "failed"
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(ImportBlob)
                              .where(ImportBlob.workspace_id == workspace.workspace_id)) == 0


def test_a_multipart_upload_larger_than_the_json_limit(api, db, settings):
    bio = "x" * 600
    lines = ["Name,Email,Bio"] + [f"P{i},p{i}@example.com,{bio}" for i in range(2000)]
    content = ("\n".join(lines) + "\n").encode()
    assert len(content) > settings.max_body_bytes
    started = api.post("/v1/imports", files={"file": ("people.csv", content, "text/csv")},
                       data={"mapping": json.dumps({"Bio": "notes"}), "on_duplicate": "skip"})
    assert started.status_code == 202, started.text
    job = started.json()
    assert job["source"] == {"kind": "upload", "name": "people.csv"} and job["options"]["on_duplicate"] == "skip"
    run_jobs(db, settings)
    done = api.get(f"/v1/imports/{job['id']}").json()
    assert done["status"] == "succeeded" and done["counts"]["created"] == 2000
    first = api.get("/v1/contacts", params={"email": "p0@example.com"}).json()["data"][0]
    assert first["notes"] == bio


def test_the_import_limit_is_the_file_s_size_whether_uploaded_or_sent_as_base64(db, workspace, database_url):
    limit = 1_000_000
    client = TestClient(create_app(Settings(database_url=database_url, import_max_bytes=limit), db))
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    under = ("Name\n" + "A\n" * ((limit - 100) // 2)).encode()  # base64 makes it a third larger: still taken
    assert client.post("/v1/imports", json={"data_url": data_url(under)}).status_code == 202
    over = under + b"B\n" * 100
    refused = client.post("/v1/imports", json={"data_url": data_url(over)})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "data_url"
    uploaded = client.post("/v1/imports", files={"file": ("big.csv", over, "text/csv")})
    assert uploaded.status_code == 422 and uploaded.json()["error"]["details"][0]["field"] == "file"
    far = client.post("/v1/imports", files={"file": ("huge.csv", over * 3, "text/csv")})
    assert far.status_code == 413


def test_a_vcard_upload(api, db, settings):
    from tests.core.test_vcard_imports import ANDROID

    started = api.post("/v1/imports", files={"file": ("contacts.vcf", ANDROID.encode(), "text/x-vcard")})
    assert started.status_code == 202, started.text
    run_jobs(db, settings)
    done = api.get(f"/v1/imports/{started.json()['id']}").json()
    assert (done["status"], done["format"], done["counts"]["created"]) == ("succeeded", "vcf", 2), done
    found = api.get("/v1/contacts", params={"email": "juergen@example.de"}).json()["data"]
    assert [(c["first_name"], c["last_name"]) for c in found] == [("Jürgen", "Müller")]
    by_search = api.get("/v1/contacts", params={"q": "jurgen muller"}).json()["data"]  # searched as a create's
    assert [c["id"] for c in by_search] == [found[0]["id"]]


def test_a_jsonl_upload_restores_contacts_as_the_api_shows_them(api, db, settings):
    made = api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"],
                                          "identifiers": [{"key": "crm", "value": "7"}]}).json()
    line = {**made, "first_name": "Augusta", "last_name": "Lovelace"}  # a GET's body, changed
    other = {"kind": "organization", "organization_name": "Acme", "phones": [{"number": "+1 212 555 0100"}]}
    content = (json.dumps(line) + "\n" + json.dumps(other) + "\n" + '{"first_name": 5}\n').encode()
    started = api.post("/v1/imports", files={"file": ("contacts.jsonl", content, "application/x-ndjson")})
    assert started.status_code == 202, started.text
    run_jobs(db, settings)
    done = api.get(f"/v1/imports/{started.json()['id']}").json()
    assert (done["status"], done["format"]) == ("succeeded", "jsonl"), done
    assert done["counts"] == {"created": 1, "merged": 1, "skipped": 0, "review": 0, "invalid": 1}
    rows = done["rows"]["data"]
    assert rows[0]["contact_id"] == made["id"] and rows[0]["note"].endswith(f"by id {made['id']}")
    assert rows[2]["errors"] == [{"column": "first_name", "field": "first_name",
                                  "reason": "Input should be a valid string"}]
    merged = api.get(f"/v1/contacts/{made['id']}").json()
    assert (merged["first_name"], merged["last_name"]) == ("Ada", "Lovelace")  # filled, not overwritten
    acme = api.get(f"/v1/contacts/{rows[1]['contact_id']}").json()
    assert (acme["kind"], acme["organization_name"], acme["phones"][0]["number"]) == (
        "organization", "Acme", "+12125550100")
    rejected = list(csv.DictReader(io.StringIO(api.get(f"/v1/imports/{done['id']}/rejected.csv").text)))
    assert [(r["row_index"], r["contact"]) for r in rejected] == [("2", '{"first_name": 5}')]


def test_a_web_url_job(db, database_url, workspace, tmp_path):
    allowed = Settings(database_url=database_url, import_allow_private_urls=True)
    client = TestClient(create_app(allowed, db))
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    (tmp_path / "c.csv").write_text("Name,Email\nWeb,web@example.com\n")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        job = client.post("/v1/imports", json={"url": base + "/c.csv"}).json()
        missing = client.post("/v1/imports", json={"url": base + "/gone.csv"}).json()
        # a URL's password is the fetch's, never shown (any key that reads sees a job)
        signed = base.replace("http://", "http://ann:s3cret@") + "/c.csv?on_duplicate=1"
        with_password = client.post("/v1/imports", json={"url": signed, "on_duplicate": "create"}).json()
        run_jobs(db, allowed)
    finally:
        server.shutdown()
    assert client.get(f"/v1/imports/{job['id']}").json()["counts"]["created"] == 1
    shown = client.get(f"/v1/imports/{with_password['id']}").json()
    assert shown["counts"]["created"] == 1 and "s3cret" not in json.dumps(shown) and "s3cret" not in json.dumps(
        with_password)
    assert shown["source"]["name"] == signed.replace("s3cret", "***")
    failed = client.get(f"/v1/imports/{missing['id']}").json()
    assert failed["status"] == "failed" and "404" in failed["error"]


@pytest.mark.parametrize("body,status", [
    ({"url": "http://127.0.0.1:9/c.csv"}, 422),  # loopback refused by default
    ({"url": "file:///etc/passwd"}, 422),
    ({"data_url": "data:text/csv;base64,@@"}, 422),
    ({"data_url": data_url("a"), "url": "https://example.com/a.csv"}, 422),
    ({}, 422),
    ({"data_url": data_url("Name\nA\n"), "on_duplicate": "explode"}, 422),
    ({"data_url": data_url("Name\nA\n"), "mapping": {"Name": "shoe_size"}}, 422),
    ({"data_url": data_url("Name\nA\n"), "surprise": 1}, 422),
    ({"data_url": data_url("Name\nA\n"), "match": "sometimes"}, 422),
    ({"data_url": data_url("Name\nA\n"), "create_groups": "perhaps"}, 422),
    ({"data_url": data_url("Name\nA\n", "image/png")}, 422),  # a type no import reads, told at once
    ({"data_url": data_url('[{"first_name": "A"}]', "application/json")}, 422),  # a JSON array
])
def test_bad_import_requests(api, body, status):
    response = api.post("/v1/imports", json=body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["details"]
    assert api.get("/v1/imports").json()["data"] == []


def test_an_upload_of_a_type_no_import_reads_is_refused_at_once(api):
    response = api.post("/v1/imports", files={"file": ("doc.pdf", b"%PDF-1.4\n...", "application/pdf")})
    assert response.status_code == 422, response.text
    [fault] = response.json()["error"]["details"]
    assert fault["field"] == "file" and "unsupported file type application/pdf" in fault["message"]
    assert api.get("/v1/imports").json()["data"] == []


def test_a_data_url_that_is_no_base64_says_so(api):
    for payload in ("!!!", "@@", "abc$def"):
        response = api.post("/v1/imports", json={"data_url": f"data:text/csv;base64,{payload}"})
        assert response.status_code == 422
        assert "cannot be decoded" in response.json()["error"]["details"][0]["message"], payload
    urlsafe = base64.urlsafe_b64encode("Name,Notes\nA,é?>>\n".encode()).decode()
    assert api.post("/v1/imports", json={"data_url": f"data:text/csv;base64,{urlsafe}"}).status_code == 202


def test_malformed_json_and_missing_file(api):
    bad = api.post("/v1/imports", content=b"{", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400
    no_file = api.post("/v1/imports", data={"on_duplicate": "merge"}, files={"other": ("x.csv", b"a", "text/csv")})
    assert no_file.status_code == 422


@pytest.mark.parametrize("overwrite", ["maybe", "2"])
def test_an_upload_whose_overwrite_is_not_a_boolean_is_refused(api, overwrite):
    """overwrite replaces the whole workspace: a value that is neither true nor false is a 422,
    never read as one of them."""
    response = api.post("/v1/imports", data={"overwrite": overwrite}, files={"file": ("a.csv", b"Name\nA\n", "text/csv")})
    assert response.status_code == 422, response.text
    assert response.json()["error"]["details"][0]["field"] == "overwrite"
    assert api.get("/v1/imports").json()["data"] == []


def test_unknown_and_foreign_jobs_are_404(api, client, db):
    from contacthub.core import workspaces

    assert api.get("/v1/imports/00000000-0000-7000-8000-000000000000").status_code == 404
    assert api.get("/v1/imports/nope/rejected.csv").status_code == 404
    with db.write() as session:
        other = workspaces.create_workspace(session, "other")
    theirs = client.post("/v1/imports", json={"data_url": data_url(SEED_CSV)},
                         headers={"Authorization": f"Bearer {other.api_key}"}).json()
    assert api.get(f"/v1/imports/{theirs['id']}").status_code == 404
    assert api.get(f"/v1/imports/{theirs['id']}/rejected.csv").status_code == 404


def test_idempotency_key_replays_the_job(api):
    body = {"data_url": data_url(SEED_CSV)}
    first = api.post("/v1/imports", json=body, headers={"Idempotency-Key": "imp-1"})
    again = api.post("/v1/imports", json=body, headers={"Idempotency-Key": "imp-1"})
    assert again.status_code == 202 and again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(api.get("/v1/imports").json()["data"]) == 1


def test_fuzzy_matching_through_the_api(api, db, settings):
    """`match: fuzzy` (JSON body or form field): the same name at the same address merges."""
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@api-fuzzy.example"],
                                         "addresses": [{"line1": "12 St James's Square", "city": "London"}]}).json()
    csv_text = "First Name,Last Name,Email,Address,City\nAda,Lovelace,countess@api-fuzzy.example,12 St James's Square,London\n"
    started = api.post("/v1/imports", json={"data_url": data_url(csv_text), "match": "fuzzy"})
    assert started.status_code == 202 and started.json()["options"]["match"] == "fuzzy"
    uploaded = api.post("/v1/imports", files={"file": ("a.csv", csv_text.replace("countess", "lady").encode(), "text/csv")},
                        data={"match": "fuzzy"})
    assert uploaded.status_code == 202 and uploaded.json()["options"]["match"] == "fuzzy"
    run_jobs(db, settings)
    for job in (started.json(), uploaded.json()):
        done = api.get(f"/v1/imports/{job['id']}").json()
        assert done["status"] == "succeeded" and done["counts"]["merged"] == 1, done
    emails = [e["address"] for e in api.get(f"/v1/contacts/{ada['id']}").json()["emails"]]
    assert emails == ["ada@api-fuzzy.example", "countess@api-fuzzy.example", "lady@api-fuzzy.example"]


def test_create_groups_through_the_api(api, db, settings):
    """`create_groups` (JSON body or form field): the groups rows name are made and joined."""
    csv_text = "Name,Email,Groups\nAda,ada@api-groups.example,Analysts\n"
    started = api.post("/v1/imports", json={"data_url": data_url(csv_text), "create_groups": True})
    assert started.status_code == 202 and started.json()["options"]["create_groups"] is True
    uploaded = api.post("/v1/imports", files={"file": ("a.csv", csv_text.replace("ada@", "lady@").replace(
        "Analysts", "Countesses").encode(), "text/csv")}, data={"create_groups": "true"})
    assert uploaded.status_code == 202 and uploaded.json()["options"]["create_groups"] is True
    refused = api.post("/v1/imports", files={"file": ("a.csv", csv_text.encode(), "text/csv")},
                       data={"create_groups": "perhaps"})
    assert refused.status_code == 422 and refused.json()["error"]["details"][0]["field"] == "create_groups"
    run_jobs(db, settings)
    groups = {c["display_name"] for c in api.get("/v1/contacts?kind=group").json()["data"]}
    assert groups == {"Analysts", "Countesses"}


def test_an_empty_url_is_refused_as_a_url(api):
    """`{"url": ""}` is a bad URL (422 on `url`), not a missing upload; no job is made."""
    response = api.post("/v1/imports", json={"url": ""})
    assert response.status_code == 422
    assert response.json()["error"]["details"] == [{"field": "url", "message": "only http and https URLs can be imported"}]
    assert api.get("/v1/imports").json()["data"] == []


def test_an_overwrite_under_way_shows_its_progress(api, db, workspace, database_url, tmp_path):
    """An overwrite writes its counts in its one transaction; the job shows them as its batches go."""
    from contacthub.core import import_jobs, imports as import_service
    from contacthub.core.actor import Actor

    path = tmp_path / "people.csv"
    path.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(6)))
    seen = []

    def look(done, position, counts):
        listed = api.get("/v1/imports").json()["data"]
        seen.append((listed[0]["status"], listed[0]["processed"], listed[0]["counts"]["created"]))

    actor = Actor(workspace.workspace_id, workspace.key_id, "cli")
    job = import_jobs.import_now(db, actor, import_service.SourceSpec(path=str(path)),
                                 import_service.ImportOptions(overwrite=True),
                                 Settings(database_url=database_url, import_batch_size=2), progress=look)
    assert job.status == "succeeded" and job.created == 6
    assert seen == [("running", 2, 2), ("running", 4, 4), ("running", 6, 6)], seen
    done = api.get(f"/v1/imports/{job.id}").json()
    assert (done["status"], done["processed"], done["counts"]["created"]) == ("succeeded", 6, 6)
