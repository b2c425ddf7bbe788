"""The CLI against a real SQLite file: init, keys, export, and serve's first-run key."""

import contextlib
import csv
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid

import httpx
import pytest

from contacthub.settings import get_settings


def test_init_json_prints_a_working_key(cli):
    from fastapi.testclient import TestClient

    from contacthub.app import create_app

    result = cli("init", "--json")
    assert result.exit_code == 0
    created = json.loads(result.stdout)
    assert set(created) >= {"workspace_id", "api_key"}
    client = TestClient(create_app(get_settings()))
    response = client.get("/v1/contacts", headers={"Authorization": f"Bearer {created['api_key']}"})
    assert response.status_code == 200


def test_keys_create_list_revoke(cli):
    from fastapi.testclient import TestClient

    from contacthub.app import create_app

    workspace = json.loads(cli("init", "--json").stdout)
    second = json.loads(cli("keys", "create", "--name", "ci", "--json").stdout)
    assert second["workspace_id"] == workspace["workspace_id"]
    listing = cli("keys", "list").stdout
    assert second["api_key"][:12] in listing and "ci" in listing
    assert second["api_key"] not in listing  # keys are never shown again

    assert cli("keys", "revoke", second["key_id"]).exit_code == 0
    client = TestClient(create_app(get_settings()))
    assert client.get("/v1/contacts", headers={"Authorization": f"Bearer {second['api_key']}"}).status_code == 401
    assert client.get("/v1/contacts", headers={"Authorization": f"Bearer {workspace['api_key']}"}).status_code == 200
    assert cli("keys", "revoke", "chk_nothing").exit_code == 1
    # --workspace: only that workspace's key goes
    other = json.loads(cli("init", "--name", "other", "--json").stdout)
    elsewhere = cli("keys", "revoke", other["key_id"], "--workspace", workspace["workspace_id"])
    assert elsewhere.exit_code == 1
    assert client.get("/v1/contacts", headers={"Authorization": f"Bearer {other['api_key']}"}).status_code == 200
    assert cli("keys", "revoke", other["key_id"], "--workspace", other["workspace_id"]).exit_code == 0
    assert client.get("/v1/contacts", headers={"Authorization": f"Bearer {other['api_key']}"}).status_code == 401
    assert "no key that can write" not in cli("keys", "revoke", second["key_id"]).output
    last = cli("keys", "revoke", workspace["key_id"])
    assert last.exit_code == 0 and "has no key that can write now" in last.output and "keys create" in last.output


def test_revoke_says_a_running_server_refuses_the_key_within_its_cache_time(cli, monkeypatch):
    """It said "it stops working at once", but a running server remembers a valid key for 5 s."""
    cli("init")
    made = json.loads(cli("keys", "create", "--json").stdout)
    revoked = cli("keys", "revoke", made["key_id"])
    assert revoked.exit_code == 0
    assert "a running server refuses it within 5 seconds" in revoked.stderr
    monkeypatch.setenv("COLUMNS", "300")  # the help on one line
    told = cli("keys", "revoke", "--help").output
    assert "a running server refuses it within 5 seconds" in told and "at once" not in told


def test_a_read_only_key_from_the_cli(cli):
    from fastapi.testclient import TestClient

    from contacthub.app import create_app

    cli("init", "--json")
    made = json.loads(cli("keys", "create", "--read-only", "--name", "reports", "--json").stdout)
    assert made["read_only"] is True
    listed = {k["key_id"]: k["read_only"] for k in json.loads(cli("keys", "list", "--json").stdout)}
    assert listed[made["key_id"]] is True and list(listed.values()).count(False) == 1
    assert "read-only" in cli("keys", "list").stdout
    client = TestClient(create_app(get_settings()))
    reader = {"Authorization": f"Bearer {made['api_key']}"}
    assert client.get("/v1/contacts", headers=reader).status_code == 200
    assert client.post("/v1/contacts", headers=reader, json={"first_name": "Ada"}).status_code == 403


def test_export_jsonl_and_csv(cli, tmp_path):
    from fastapi.testclient import TestClient

    from contacthub.app import create_app

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    client = TestClient(create_app(get_settings()))
    client.headers["Authorization"] = f"Bearer {key}"
    for i in range(3):
        client.post("/v1/contacts", json={"first_name": f"P{i}", "emails": [f"p{i}@example.com"]})

    lines = cli("export", "--format", "jsonl").stdout.strip().splitlines()
    assert [json.loads(line)["first_name"] for line in lines] == ["P0", "P1", "P2"]

    target = tmp_path / "out.csv"
    assert cli("export", "--format", "csv", "--output", str(target)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert [r["email"] for r in rows] == ["p0@example.com", "p1@example.com", "p2@example.com"]


def test_commands_without_a_workspace_say_what_to_do(cli):
    result = cli("keys", "list")
    assert result.exit_code == 1
    assert "contacthub init" in result.output


def test_import_a_file_with_a_summary_and_json(cli, tmp_path):
    from tests.importfiles import SEED_CSV

    cli("init", "--json")
    source = tmp_path / "seed.csv"
    source.write_text(SEED_CSV)
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert "created" in result.stdout and "row 2: Email" in result.output

    again = cli("import", str(source), "--json", "--on-duplicate", "skip")
    summary = json.loads(again.stdout)
    assert summary["status"] == "succeeded"
    assert (summary["created"], summary["skipped"], summary["invalid"]) == (0, 3, 1)


    mapped = tmp_path / "mapped.csv"
    mapped.write_text("Who,Mail\nAda,ada@example.com\n")
    out = json.loads(cli("import", str(mapped), "--json", "--map", "Who=name", "--map", "Mail=email").stdout)
    assert out["created"] == 1
    assert cli("import", str(mapped), "--map", "Who=nonsense").exit_code != 0
    assert cli("import", str(tmp_path / "missing.csv")).exit_code == 1

    lines = cli("export", "--format", "jsonl").stdout.strip().splitlines()
    assert {json.loads(line)["display_name"] for line in lines} == {"Avengers", "Tony Stark", "Steve Rogers", "Ada"}


def test_worker_once_runs_queued_jobs(cli):
    from contacthub.core import import_jobs, imports
    from contacthub.core.actor import Actor
    from contacthub.db.engine import Database
    from tests.importfiles import SEED_CSV, data_url

    created = json.loads(cli("init", "--json").stdout)
    db = Database(get_settings().database_url)
    import uuid

    actor = Actor(uuid.UUID(created["workspace_id"]), None, "native")
    with db.write() as session:
        job = import_jobs.create_job(session, actor, imports.SourceSpec(data_url=data_url(SEED_CSV)), imports.ImportOptions())
    result = cli("worker", "--once")
    assert "Ran 1 import job" in result.output
    with db.read() as session:
        assert import_jobs.get_job(session, actor, job.id).created == 3
    db.dispose()


def test_worker_once_sends_webhooks_their_waiting_changes(cli, monkeypatch):
    from contacthub.core import contacts, webhooks
    from contacthub.core.actor import Actor
    from contacthub.core.inputs import ContactInput
    from contacthub.db.engine import Database
    from tests.dialects.native.test_webhooks import Receiver

    monkeypatch.setenv("CONTACTHUB_WEBHOOK_ALLOW_PRIVATE_URLS", "true")
    get_settings.cache_clear()
    receiver = Receiver()
    created = json.loads(cli("init", "--json").stdout)
    actor = Actor(uuid.UUID(created["workspace_id"]), None, "native")
    db = Database(get_settings().database_url)
    with db.write() as session:
        webhooks.create(session, actor, webhooks.WebhookInput(url=receiver.url, events=["contact.*"]), True)
        contacts.create(session, actor, ContactInput(first_name="Queued"))
    db.dispose()
    result = cli("worker", "--once")
    assert "Ran 0 import job" in result.output and "Webhooks: 1 batch" in result.output
    (body,) = receiver.bodies()
    assert [c["changes"]["first_name"] for c in body["data"]] == ["Queued"]
    assert "Webhooks" not in cli("worker", "--once", "--no-webhooks").output
    receiver.server.shutdown()


def test_import_with_fuzzy_matching(cli, tmp_path):
    cli("init", "--json")
    moved = tmp_path / "moved.csv"  # the same person at the same address, under a new email
    moved.write_text("First Name,Last Name,Email,Address,City\nAda,Lovelace,a1@example.net,1 Main St,Springfield\n")
    assert json.loads(cli("import", str(moved), "--json").stdout)["created"] == 1
    moved.write_text("First Name,Last Name,Email,Address,City\nAda,Lovelace,a2@example.net,1 Main St,Springfield\n")
    assert json.loads(cli("import", str(moved), "--json", "--match", "fuzzy").stdout)["merged"] == 1
    refused = cli("import", str(moved), "--match", "sometimes")
    assert refused.exit_code == 2 and "--match" in refused.output


def test_import_a_vcard_file(cli, tmp_path):
    from tests.core.test_vcard_imports import IPHONE

    cli("init", "--json")
    source = tmp_path / "iCloud vCard.vcf"
    source.write_text(IPHONE, newline="")
    summary = json.loads(cli("import", str(source), "--json").stdout)
    assert (summary["status"], summary["created"], summary["invalid"]) == ("succeeded", 2, 0)
    lines = cli("export", "--format", "jsonl").stdout.strip().splitlines()
    assert {json.loads(line)["display_name"] for line in lines} == {"Ada Augusta Lovelace", "Babbage & Co"}


def test_a_csv_export_imports_back_with_its_name_parts_and_birth_date(cli, tmp_path):
    first = json.loads(cli("init", "--json").stdout)
    source = tmp_path / "people.csv"
    source.write_text("Prefix,First Name,Middle Name,Last Name,Suffix,Nickname,Birthday,Email,LinkedIn\n"
                      "Dr.,Grace,Brewster,Hopper,PhD,Amazing Grace,1906-12-09,grace@navy.mil,https://linkedin.com/in/g\n")
    assert json.loads(cli("import", str(source), "--json").stdout)["created"] == 1
    exported = tmp_path / "export.csv"
    assert cli("export", "--format", "csv", "--output", str(exported)).exit_code == 0
    second = json.loads(cli("init", "--json").stdout)
    assert json.loads(cli("import", str(exported), "--workspace", second["workspace_id"], "--json").stdout)["created"] == 1
    keep = ("prefix", "first_name", "middle_name", "last_name", "suffix", "nickname", "birth_date", "social")
    again = [json.loads(line) for line in cli("export", "--format", "jsonl", "--workspace", second["workspace_id"])
             .stdout.strip().splitlines()]
    assert [{k: c[k] for k in keep} for c in again] == [{
        "prefix": "Dr.", "first_name": "Grace", "middle_name": "Brewster", "last_name": "Hopper", "suffix": "PhD",
        "nickname": "Amazing Grace", "birth_date": "1906-12-09", "social": {"linkedin": "https://linkedin.com/in/g"}}]
    assert first["workspace_id"] != second["workspace_id"]


def test_a_vcard_export_imports_back_into_the_same_contacts(cli, tmp_path):
    from tests.core.test_vcard_imports import ANDROID, IPHONE

    first = json.loads(cli("init", "--json").stdout)["workspace_id"]
    source = tmp_path / "phone.vcf"
    source.write_text(IPHONE + ANDROID, newline="")
    assert json.loads(cli("import", str(source), "--create-groups", "--json").stdout)["created"] == 4
    exported = tmp_path / "contacts.vcf"
    assert cli("export", "--format", "vcf", "--output", str(exported)).exit_code == 0
    data = exported.read_bytes()
    assert data.count(b"BEGIN:VCARD") == 4  # the groups Friends and Science are categories, not cards
    assert all(len(line) <= 75 for line in data.split(b"\r\n")) and b"\n" not in data.replace(b"\r\n", b"")
    assert b"CATEGORIES:Friends,Science\r\n" in data
    assert b"X-SOCIALPROFILE;TYPE=linkedin:https://www.linkedin.com/in/ada\r\n" in data
    assert b"URL:https://ada.example\r\n" in data

    second = json.loads(cli("init", "--json").stdout)["workspace_id"]
    summary = json.loads(cli("import", str(exported), "--workspace", second, "--create-groups", "--json").stdout)
    assert (summary["created"], summary["invalid"]) == (4, 0)

    def contacts(workspace):
        records = [json.loads(line) for line in
                   cli("export", "--format", "jsonl", "--workspace", workspace).stdout.strip().splitlines()]
        keep = ("kind", "display_name", "prefix", "first_name", "middle_name", "last_name", "suffix", "nickname",
                "birth_date", "organization_name", "title", "employer", "notes", "social", "attributes")
        return sorted(({k: r[k] for k in keep} | {
            "emails": [(e["address"], e["type"], e["primary"]) for e in r["emails"]],
            "phones": [(p["number"], p["type"], p["primary"]) for p in r["phones"]],
            "addresses": [(a["line1"], a["line2"], a["city"], a["region"], a["postal_code"], a["country"], a["type"])
                          for a in r["addresses"]],
        } for r in records), key=lambda c: (c["kind"], c["display_name"]))

    assert contacts(second) == contacts(first)
    assert [c["display_name"] for c in contacts(second) if c["kind"] == "group"] == ["Friends", "Science"]


@pytest.mark.parametrize("format", ["csv", "vcf"])
def test_group_names_holding_commas_semicolons_or_bars_come_back_whole(cli, tmp_path, format):
    cli("init", "--json")
    source = tmp_path / "people.jsonl"
    source.write_text("\n".join(json.dumps(line) for line in (
        {"kind": "group", "display_name": "Friends, Inc; Co"},
        {"kind": "group", "display_name": "A|B"},
        {"first_name": "Ada", "emails": ["ada@example.com"], "groups": ["Friends, Inc; Co"]},
        {"first_name": "Bob", "emails": ["bob@example.com"], "groups": ["Friends, Inc; Co", "A|B"]},
    )) + "\n")
    assert json.loads(cli("import", str(source), "--json").stdout)["created"] == 4
    exported = tmp_path / f"contacts.{format}"
    assert cli("export", "--format", format, "--output", str(exported)).exit_code == 0
    second = json.loads(cli("init", "--json").stdout)["workspace_id"]
    summary = json.loads(cli("import", str(exported), "--workspace", second, "--create-groups", "--json").stdout)
    assert summary["invalid"] == 0, summary
    records = [json.loads(line) for line in
               cli("export", "--format", "jsonl", "--workspace", second).stdout.strip().splitlines()]
    assert sorted(r["display_name"] for r in records if r["kind"] == "group") == ["A|B", "Friends, Inc; Co"]
    assert {r["first_name"]: sorted(r["groups"]) for r in records if r["kind"] == "person"} == {
        "Ada": ["Friends, Inc; Co"], "Bob": ["A|B", "Friends, Inc; Co"]}


def test_a_jsonl_export_restores_into_another_workspace(cli, tmp_path):
    from tests.core.test_vcard_imports import ANDROID, IPHONE

    first = json.loads(cli("init", "--json").stdout)["workspace_id"]
    source = tmp_path / "phone.vcf"
    source.write_text(IPHONE + ANDROID, newline="")
    assert json.loads(cli("import", str(source), "--create-groups", "--json").stdout)["created"] == 4  # + 2 groups
    backup = tmp_path / "backup.jsonl"
    assert cli("export", "--output", str(backup)).exit_code == 0

    second = json.loads(cli("init", "--json").stdout)["workspace_id"]
    restored = cli("import", str(backup), "--workspace", second, "--json")
    summary = json.loads(restored.stdout)
    assert (summary["status"], summary["created"], summary["invalid"]) == ("succeeded", 6, 0)

    def everything(workspace):
        records = [json.loads(line) for line in
                   cli("export", "--workspace", workspace).stdout.strip().splitlines()]
        for record in records:
            del record["updated_at"]
            for address in record["addresses"]:
                del address["id"]
        return records

    # the same contacts, ids and creation times included, and the same group memberships
    assert everything(second) == everything(first)
    assert any(r["groups"] == ["Friends", "Science"] for r in everything(second))
    # imported once more, each line merges into itself: nothing is added
    again = json.loads(cli("import", str(backup), "--workspace", second, "--json").stdout)
    assert (again["created"], again["merged"]) == (0, 6)
    assert everything(second) == everything(first)


def test_export_only_what_kind_and_list_keep(cli, tmp_path):
    from contacthub.core import lists
    from contacthub.core.actor import Actor

    workspace = json.loads(cli("init", "--json").stdout)["workspace_id"]
    source = tmp_path / "people.csv"
    source.write_text("Name,Type,Email\nAda,person,ada@example.com\nAcme,organization,\nBob,person,bob@example.com\n")
    assert json.loads(cli("import", str(source), "--json").stdout)["created"] == 3
    from contacthub.cli.common import database

    db = database()
    actor = Actor(uuid.UUID(workspace), None, "cli")
    with db.write() as session:
        vip = lists.create(session, actor, lists.ListInput(name="VIP"))
        ada = [v for v in contacts_of(db, actor) if v.first_name == "Ada" or v.display_name == "Ada"][0]
        lists.add_members(session, actor, vip.id, [ada.id])

    def exported(*options):
        result = cli("export", *options)
        assert result.exit_code == 0, result.output
        return [json.loads(line)["display_name"] for line in result.stdout.strip().splitlines()]

    assert exported("--kind", "organization") == ["Acme"]
    assert exported("--list", str(vip.id)) == ["Ada"]
    assert sorted(exported("--kind", "person")) == ["Ada", "Bob"]
    bad = cli("export", "--list", str(uuid.uuid4()))
    assert bad.exit_code == 2 and "no list" in bad.output
    assert cli("export", "--kind", "robot").exit_code == 2


def contacts_of(db, actor):
    from contacthub.core import contacts as contact_service
    from contacthub.repositories.contacts import ContactFilter

    with db.read() as session:
        return contact_service.list_page(session, actor, ContactFilter(), None, 100).items


def test_a_bad_jsonl_line_is_reported_by_its_line(cli, tmp_path):
    cli("init", "--json")
    source = tmp_path / "people.jsonl"
    source.write_text('{"first_name": "Ada"}\n\n{"first_name": "Bob", "emails": [{"address": "bob@"}]}\n')
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert "row 2: emails[0].address: " in result.output and "(line 3 of the file)" in result.output
    mapped = cli("import", str(source), "--map", "Name=first_name")
    assert mapped.exit_code == 1 and "a mapping applies to the columns" in mapped.output


def test_import_creating_the_groups_rows_name(cli, tmp_path):
    cli("init", "--json")
    source = tmp_path / "labels.csv"
    source.write_text("Name,Email,Groups\nAda,ada@example.com,Friends;Family\nBob,bob@example.com,friends\n")
    plain = json.loads(cli("import", str(source), "--json").stdout)
    assert plain["created"] == 2
    kinds = [json.loads(line)["kind"] for line in cli("export", "--format", "jsonl").stdout.strip().splitlines()]
    assert kinds.count("group") == 0  # without the flag the rows only note the missing groups
    source.write_text(source.read_text().replace("@example.com", "@example.org"))
    assert json.loads(cli("import", str(source), "--json", "--create-groups").stdout)["created"] == 2
    exported = [json.loads(line) for line in cli("export", "--format", "jsonl").stdout.strip().splitlines()]
    groups = sorted(c["display_name"] for c in exported if c["kind"] == "group")
    assert groups == ["Family", "Friends"]  # one Friends for both spellings, as first spelled


def test_import_summary_names_the_rows_whose_groups_were_not_found(cli, tmp_path):
    cli("init", "--json")
    source = tmp_path / "labels.csv"
    source.write_text("Name,Email,Groups\nAda,ada@example.com,Friends\nBob,bob@example.com,\n"
                      "Ada Again,ada@example.com,Poets|Family\n")
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert "2 rows named what this workspace lacks" in result.output
    assert "--create-groups creates the groups" in result.output
    assert "row 0: no group named 'Friends' (line 2 of the file)" in result.output
    assert "no group named 'Poets', 'Family' (line 4 of the file)" in result.output  # merged into Ada, noted too
    assert "row 1:" not in result.output
    source.write_text(source.read_text().replace("@example.com", "@example.org"))
    created = cli("import", str(source), "--create-groups")
    assert created.exit_code == 0 and "lacks" not in created.output


def test_serve_starts_an_import_worker_thread(cli):
    import time
    import uuid

    from contacthub.cli import serve as cli_module
    from contacthub.core import import_jobs, imports
    from contacthub.core.actor import Actor
    from contacthub.db.engine import Database
    from tests.importfiles import SEED_CSV, data_url

    created = json.loads(cli("init", "--json").stdout)
    settings = get_settings()
    db = Database(settings.database_url)
    actor = Actor(uuid.UUID(created["workspace_id"]), None, "native")
    with db.write() as session:
        job = import_jobs.create_job(session, actor, imports.SourceSpec(data_url=data_url(SEED_CSV)), imports.ImportOptions())
    stop = cli_module._start_import_worker(settings, poll_seconds=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with db.read() as session:
                status = import_jobs.get_job(session, actor, job.id).status
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.05)
        assert status == "succeeded"
    finally:
        stop.set()
        db.dispose()


@contextlib.contextmanager
def _serving(tmp_path, *args: str, env: dict | None = None):
    """`contacthub serve ARGS` on a fresh SQLite file of its own: yields its base URL, the key it
    printed, what it printed up to its Database: line, and a function that stops it and answers
    what it printed after."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "COLUMNS": "200",
           **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "contacthub.cli", "serve", "--port", str(port), *args],
                            env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        output = ""
        deadline = time.monotonic() + 60
        while "Database:" not in output and time.monotonic() < deadline and proc.poll() is None:
            output += proc.stderr.readline()
        key = re.search(r"chk_[A-Za-z0-9_-]+", output).group(0)
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(f"{base}/health").raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        def stopped() -> str:
            proc.terminate()
            return proc.communicate(timeout=20)[1]

        yield base, key, output, stopped
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_on_an_empty_database_prints_a_key_that_works(tmp_path):
    """The quick start: `contacthub serve` on a fresh SQLite file prints a key and a first request."""
    with _serving(tmp_path) as (base, key, banner, _):
        assert f"{base}/v1/contacts" in banner  # the first curl to try
        response = httpx.post(f"{base}/v1/contacts", headers={"Authorization": f"Bearer {key}"},
                              json={"first_name": "Ada", "last_name": "Lovelace", "emails": ["ada@example.com"]})
        assert response.status_code == 201
        assert response.json()["display_name"] == "Ada Lovelace"


@pytest.mark.parametrize("how", ["options", "settings"])
def test_serve_behind_a_proxy_names_its_prefix_and_believes_only_the_proxys_headers(tmp_path, how):
    """serve had no --root-path nor --forwarded-allow-ips: links under a proxy's prefix went
    without it, and a proxy on another address could not say its requests came over https."""
    import base64

    proxy = "127.0.0.2"  # the proxy's address; requests from 127.0.0.1 are a client's own
    if how == "options":
        served = _serving(tmp_path, "--root-path", "/crm", "--forwarded-allow-ips", proxy)
    else:
        served = _serving(tmp_path, env={"CONTACTHUB_ROOT_PATH": "/crm/", "CONTACTHUB_FORWARDED_ALLOW_IPS": proxy})
    with served as (base, key, _, _):
        for n in range(2):
            httpx.post(f"{base}/v1/contacts", headers={"Authorization": f"Bearer {key}"},
                       json={"first_name": f"P{n}", "last_name": "Smith"}).raise_for_status()
        assert httpx.get(f"{base}/").json()["apis"]["native"]["base"] == "/crm/v1"
        van = {"Authorization": "Basic " + base64.b64encode(f"apiuser:{key}".encode()).decode(),
               "Host": "contacts.example.com", "X-Forwarded-Proto": "https"}

        def next_link(source: str) -> str:
            with httpx.Client(transport=httpx.HTTPTransport(local_address=source)) as client:
                page = client.get(f"{base}/ngpvan/v2/contacts", params={"lastName": "Smith", "$top": 1}, headers=van)
            return page.json()["nextPageLink"]

        assert next_link(proxy).startswith("https://contacts.example.com/crm/ngpvan/v2/contacts?")
        assert next_link("127.0.0.1").startswith("http://contacts.example.com/crm/ngpvan/v2/contacts?")


def test_serve_logs_lines_with_their_time_each_500_once_and_requests_without_their_query(tmp_path):
    """serve logged bare lines, no requests, and each 500 twice (once more by uvicorn, with no
    request named); a failed statement's values (names, emails) came with it."""
    import sqlite3

    with _serving(tmp_path, "--access-log", "--log-level", "INFO") as (base, key, _, stopped):
        authorized = {"Authorization": f"Bearer {key}", "X-Request-ID": "r-7"}
        assert httpx.get(f"{base}/v1/contacts", params={"q": "ada.lovelace@example.com"},
                         headers=authorized).status_code == 200
        with sqlite3.connect(tmp_path / "serve.db") as store:  # a store damaged under the server
            store.execute("DROP TABLE list_members")
            store.execute("DROP TABLE lists")
        store.close()
        assert httpx.get(f"{base}/v1/contacts", params={"list": str(uuid.uuid4()), "name": "ada.lovelace"},
                         headers=authorized).status_code == 500
        log = stopped()
    lines = [line for line in log.splitlines() if re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ \S+: ", line)]
    said = [line.split(" ", 2)[2] for line in lines]
    assert 'INFO uvicorn.access: 127.0.0.1:' in log and '"GET /v1/contacts HTTP/1.1" 200' in log
    assert "ERROR contacthub.native: unexpected error answering GET /v1/contacts (request r-7)" in said, log
    assert '"GET /v1/contacts HTTP/1.1" 500' in log
    assert "Exception in ASGI application" not in log and log.count("Traceback (most recent call last)") <= 2
    assert "ada.lovelace" not in log and key not in log


def test_serve_refuses_a_prefix_or_an_address_that_is_none(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "300")  # the error box on one line
    for args, says in ((("--root-path", "crm"), "'crm' is not a path prefix (one such as /crm)"),
                       (("--forwarded-allow-ips", "10.0.0.1,proxy"), "'proxy' is not an IP address or network")):
        result = cli("serve", "--port", "8000", *args)
        assert result.exit_code == 2 and says in result.output, result.output


def test_erase_asks_first_and_then_leaves_nothing_of_the_person(cli):
    from fastapi.testclient import TestClient

    from contacthub.app import create_app

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    client = TestClient(create_app(get_settings()), headers={"Authorization": f"Bearer {key}"})
    ada = client.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@example.com"]}).json()["id"]

    unasked = cli("erase", ada)  # no answer to the question: nothing happens
    assert unasked.exit_code == 1 and client.get(f"/v1/contacts/{ada}").status_code == 200
    # --json asks too (it erased at once): a script says --yes; the question is not on stdout
    unasked = cli("erase", ada, "--json")
    assert unasked.exit_code == 1 and unasked.stdout == "" and client.get(f"/v1/contacts/{ada}").status_code == 200
    assert "Aborted: nothing was erased." in unasked.stderr
    answered_no = cli("erase", ada, "--json", input="n\n")
    assert answered_no.exit_code == 1 and client.get(f"/v1/contacts/{ada}").status_code == 200
    done = cli("erase", ada, "--json", input="y\n")  # answered yes: stdout holds the JSON alone
    assert done.exit_code == 0 and done.stdout == json.dumps({"erased": ada}) + "\n"
    assert client.get(f"/v1/contacts/{ada}").status_code == 404
    assert "ada@example.com" not in json.dumps(client.get("/v1/events").json())
    again = cli("erase", str(uuid.uuid4()), "--yes")
    assert again.exit_code == 1 and "not found" in again.stderr + again.stdout
    assert cli("erase", "nope", "--yes").exit_code == 2


def test_a_vcard_role_is_the_occupation_both_ways(cli, tmp_path):
    cli("init", "--json")
    source = tmp_path / "one.vcf"
    source.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\nTITLE:Countess\r\n"
                      "ROLE:Mathematician\r\nEND:VCARD\r\n", newline="")
    assert json.loads(cli("import", str(source), "--json").stdout)["created"] == 1
    record = json.loads(cli("export", "--format", "jsonl").stdout.strip())
    assert (record["title"], record["occupation"]) == ("Countess", "Mathematician")
    assert "ROLE:Mathematician" in cli("export", "--format", "vcf").stdout


def test_import_rejected_writes_every_rejected_row_with_its_reasons(cli, tmp_path):
    """The summary lists ten rejected rows; the others were to be had only over HTTP
    (GET /v1/imports/{id}/rejected.csv), which a CLI user may not be serving."""
    import csv as csv_module

    cli("init")
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\n" + "".join(f"Bad {i},not-an-email-{i}\n" for i in range(12)) + "Ada,ada@example.com\n")
    out = tmp_path / "rejected.csv"
    result = cli("import", str(source), "--rejected", str(out))
    assert result.exit_code == 0, result.output
    assert "… and 2 more (every one in" in result.output and "12 rejected rows written to" in result.output
    with out.open(newline="") as f:
        rows = list(csv_module.DictReader(f))
    assert [r["row_index"] for r in rows] == [str(i) for i in range(12)]
    assert rows[11]["Name"] == "Bad 11" and rows[11]["Email"] == "not-an-email-11" and "Email" in rows[11]["errors"]
    assert cli("import", str(source), "--rejected", str(tmp_path / "nowhere" / "r.csv")).exit_code == 2
