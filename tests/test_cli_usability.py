"""The CLI as a newcomer meets it: every failure is one clear line and an exit code (never a
traceback), Ctrl-C leaves the store consistent (and an import resumable), `--json` prints JSON
alone, and a CSV export imports back into the same contacts."""

import csv
import io
import json
import uuid

import pytest
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.core import import_jobs, imports
from contacthub.core.actor import Actor
from contacthub.db.engine import Database
from contacthub.db.types import utcnow
from contacthub.settings import Settings, get_settings
from tests.importfiles import xlsx_bytes


def _one_line(result) -> str:
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines()  # a progress bar's last state aside
             if line.strip() and not line.startswith(("Importing", "Exporting", "Deduplicating"))]
    assert len(lines) == 1, result.output
    return lines[0]


def _jobs(workspace_id: str) -> list:
    db = Database(get_settings().database_url)
    try:
        with db.read() as session:
            jobs = import_jobs.jobs_page(session, Actor(uuid.UUID(workspace_id), None, "cli"), None, 100)
            session.expunge_all()
        return jobs
    finally:
        db.dispose()


def _api(key: str) -> TestClient:
    client = TestClient(create_app(get_settings()))
    client.headers["Authorization"] = f"Bearer {key}"
    return client


# ---------------------------------------------------------------- files that cannot be imported

def test_a_missing_file_a_directory_or_an_empty_file_is_one_line(cli, tmp_path):
    workspace = json.loads(cli("init", "--json").stdout)["workspace_id"]
    (tmp_path / "empty.csv").write_bytes(b"")
    (tmp_path / "folder").mkdir()
    for name, says in (("missing.csv", "no file"), ("folder", "is a directory"), ("empty.csv", "is empty")):
        result = cli("import", str(tmp_path / name))
        assert result.exit_code == 1
        assert says in _one_line(result)
    assert _jobs(workspace) == []  # nothing was recorded


def test_a_refused_import_with_json_still_prints_one_json_object(cli, tmp_path):
    cli("init", "--json")
    (tmp_path / "empty.csv").write_bytes(b"")
    nocolumns = tmp_path / "nocolumns.csv"
    nocolumns.write_text("Favourite Colour\nred\n")
    for target, says in ((tmp_path / "missing.csv", "no file"), (tmp_path / "empty.csv", "is empty"),
                         ("ftp://example.com/a.csv", "only local files"), (nocolumns, "")):
        result = cli("import", str(target), "--json")
        assert result.exit_code == 1
        answer = json.loads(result.stdout)
        assert answer["status"] in ("refused", "failed") and says in (answer["error"] or "")
    # refused before the file is even looked at: an unknown workspace (1), a bad option (2)
    good = tmp_path / "good.csv"
    good.write_text("Name\nAda\n")
    for options, code, says in ((["--workspace", "00000000-0000-0000-0000-000000000001"], 1, "no workspace"),
                                (["--on-duplicate", "explode"], 2, "--on-duplicate"),
                                (["--mapping", "[1, 2]"], 2, "--mapping")):
        result = cli("import", str(good), "--json", *options)
        assert result.exit_code == code, result.output
        answer = json.loads(result.stdout)
        assert (answer["import_id"], answer["status"]) == (None, "refused") and says in answer["error"], answer


def test_a_header_only_csv_succeeds_and_says_there_were_no_rows(cli, tmp_path):
    cli("init")
    source = tmp_path / "header.csv"
    source.write_text("Name,Email\n")
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert "no data rows" in result.output
    assert json.loads(cli("import", str(source), "--json").stdout)["rows"] == 0


def test_a_wrong_delimiter_fails_naming_the_header_it_read(cli, tmp_path):
    cli("init")
    source = tmp_path / "colon.csv"
    source.write_text("Name:Email\nAda:ada@example.com\n")
    result = cli("import", str(source))
    assert result.exit_code == 1
    line = _one_line(result)
    assert "no column names a contact" in line and "'Name:Email'" in line
    summary = json.loads(cli("import", str(source), "--json").stdout)
    assert summary["status"] == "failed" and "'Name:Email'" in summary["error"]


def test_latin1_and_an_xlsx_that_is_really_a_csv_import(cli, tmp_path):
    key = json.loads(cli("init", "--json").stdout)["api_key"]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Name,Email\nJosé Müller,jose@example.com\n".encode("latin-1"))
    fake = tmp_path / "people.xlsx"
    fake.write_text("Name;Email\nBob;bob@example.com\n")
    assert json.loads(cli("import", str(latin), "--json").stdout)["created"] == 1
    assert json.loads(cli("import", str(fake), "--json").stdout)["created"] == 1
    names = {c["display_name"] for c in _api(key).get("/v1/contacts").json()["data"]}
    assert names == {"José Müller", "Bob"}


def test_bad_mappings_say_what_is_wrong(cli, tmp_path):
    cli("init")
    source = tmp_path / "people.csv"
    source.write_text("Who,Mail\nAda,ada@example.com\n")
    broken = tmp_path / "broken.json"
    broken.write_text('{"Who": "name",')
    cases = [
        (("--mapping", str(tmp_path / "nothing.json")), 2, "no file"),
        (("--mapping", str(broken)), 2, "no valid JSON"),
        (("--mapping", '{"Who": 3}'), 2, "targets are strings"),
        (("--map", "Who=nonsense"), 2, "unknown target 'nonsense'"),
        (("--map", "Nobody=name"), 1, "mapping.Nobody: no such column in the file (its columns: Who, Mail)"),
    ]
    for args, code, says in cases:
        result = cli("import", str(source), *args)
        assert result.exit_code == code, (args, result.output)
        assert says in " ".join(result.output.replace("│", " ").split()), (args, result.output)
        assert "Traceback" not in result.output
    mapping = tmp_path / "mapping.json"
    mapping.write_text('{"Who": "name", "Mail": "email"}')
    assert json.loads(cli("import", str(source), "--mapping", str(mapping), "--json").stdout)["created"] == 1


# ---------------------------------------------------------------- workspaces, keys, databases

def test_an_unknown_workspace_is_one_line_for_every_command(cli, tmp_path):
    cli("init")
    nobody = str(uuid.uuid4())
    source = tmp_path / "people.csv"
    source.write_text("Name\nAda\n")
    for args in (("import", str(source)), ("export",), ("keys", "list"), ("keys", "create"), ("dedupe",)):
        result = cli(*args, "--workspace", nobody)
        assert result.exit_code == 1, args
        assert f"No workspace {nobody}" in _one_line(result)


def test_keys_list_shows_whole_ids_and_has_json(cli):
    created = json.loads(cli("init", "--json").stdout)
    listing = cli("keys", "list")
    assert created["key_id"] in listing.stdout  # whole, even at 80 columns: it is what revoke takes
    keys = json.loads(cli("keys", "list", "--json").stdout)
    assert [k["key_id"] for k in keys] == [created["key_id"]] and keys[0]["revoked_at"] is None
    assert keys[0]["created_at"].endswith("Z")  # as every time the API writes

    assert cli("keys", "revoke", created["key_id"]).exit_code == 0
    again = cli("keys", "revoke", created["key_id"])
    assert again.exit_code == 0 and "already revoked" in again.output
    assert json.loads(cli("keys", "list", "--json").stdout)[0]["revoked_at"] is not None
    unknown = cli("keys", "revoke", "chk_nothing")
    assert unknown.exit_code == 1 and "not found" in _one_line(unknown)


@pytest.mark.parametrize("url, says", [
    ("sqlite:///{tmp}/no/such/dir/x.db", "does its directory exist"),
    ("sqlite:///{tmp}/garbage.db", "file is not a database"),
    ("nonsense", "Could not parse"),
    ("postgresql+psycopg://someone:s3cret@127.0.0.1:1/db", "***"),
])
def test_a_database_that_cannot_be_used_is_one_line(cli, tmp_path, monkeypatch, url, says):
    (tmp_path / "garbage.db").write_text("this is not a database")
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", url.format(tmp=tmp_path))
    get_settings.cache_clear()
    for args in (("migrate",), ("keys", "list"), ("init",)):
        result = cli(*args)
        assert result.exit_code == 1
        line = _one_line(result)
        assert line.startswith("Cannot use the database") and says in line
        assert "s3cret" not in line


HOW_A_URL_IS_WRITTEN = "Set CONTACTHUB_DATABASE_URL to a SQLite file"


@pytest.mark.parametrize("url, says", [
    ("nonsense", "Could not parse"),
    ("mysql://user@localhost/contacts", "(contacthub stores its data in SQLite or PostgreSQL)"),
    ("sqlite:///{tmp}/no/such/dir/x.db", "(does its directory exist, and may this user write there?)"),
    ("sqlite:///{tmp}/garbage.db", "(that file is no SQLite database: name a contacthub store, or a new file)"),
    ("sqlite:///{tmp}/newer.db", "(its schema was made by a newer contacthub, or by another application: "
                                 "upgrade contacthub, or name another database)"),
    ("postgresql+psycopg://someone:pw@127.0.0.1:1/db", "(is PostgreSQL running, and listening on that host and port?)"),
])
def test_how_a_url_is_written_is_said_only_when_it_is_written_wrong(cli, tmp_path, monkeypatch, url, says):
    """Every database error ended with how to write the URL, a server that was down or a schema
    made by a newer contacthub too; each now has its own hint."""
    from sqlalchemy import create_engine, text

    from contacthub.db.migrate import upgrade

    (tmp_path / "garbage.db").write_text("this is not a database")
    newer = f"sqlite:///{tmp_path / 'newer.db'}"
    upgrade(newer)
    engine = create_engine(newer)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    engine.dispose()
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", url.format(tmp=tmp_path))
    get_settings.cache_clear()
    line = _one_line(cli("keys", "list"))
    assert says in line, line
    assert (HOW_A_URL_IS_WRITTEN in line) == (url in ("nonsense", "mysql://user@localhost/contacts")), line


def test_a_read_only_folder_is_named_as_what_stops_sqlite(cli, tmp_path, monkeypatch):
    """A store whose folder this user may not write: SQLite cannot make its -wal and -shm files,
    so every command stops at start ("unable to open database file" alone left it a guess)."""
    import os
    import sqlite3
    import subprocess

    from contacthub.db.migrate import upgrade

    folder = tmp_path / "store"
    folder.mkdir()
    url = f"sqlite:///{folder / 'contacthub.db'}"
    upgrade(url)
    with sqlite3.connect(folder / "contacthub.db") as store:  # as serve leaves it: WAL, and closed
        store.execute("PRAGMA journal_mode=WAL")
    store.close()
    assert [p.name for p in folder.iterdir()] == ["contacthub.db"]
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", url)
    get_settings.cache_clear()
    if os.geteuid() == 0:  # root writes any folder a mode forbids; an immutable one it may not
        if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode != 0:
            pytest.skip("chattr +i is not available here")
    else:
        folder.chmod(0o555)
    try:
        for args in (("migrate",), ("keys", "list")):
            result = cli(*args)
            assert result.exit_code == 1
            line = _one_line(result)
            assert line.startswith("Cannot use the database") and "unable to open database file" in line
            assert (f"(SQLite makes its -wal and -shm files beside the database: may this user write the folder "
                    f"{folder}?)") in line, line
            assert HOW_A_URL_IS_WRITTEN not in line
    finally:
        if os.geteuid() == 0:
            subprocess.run(["chattr", "-i", str(folder)])
        else:
            folder.chmod(0o755)


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_another_applications_database_is_refused_and_left_as_it_was(cli, tmp_path, monkeypatch, engine):
    """CONTACTHUB_DATABASE_URL naming another application's database added contacthub's tables
    beside its own, without a word."""
    import os
    import socket

    from sqlalchemy import create_engine, inspect, text

    if engine == "sqlite":
        url = f"sqlite:///{tmp_path / 'other_app.db'}"
    else:
        if not os.environ.get("CONTACTHUB_TEST_POSTGRES_URL"):
            pytest.skip("CONTACTHUB_TEST_POSTGRES_URL is not set")
        from tests.conftest import fresh_postgres_database

        url = fresh_postgres_database("other_app")
    other = create_engine(url)
    with other.begin() as conn:
        conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(text("INSERT INTO users VALUES (1, 'someone')"))
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", url)
    get_settings.cache_clear()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = str(probe.getsockname()[1])
    for args in (("migrate",), ("keys", "list"), ("init",), ("worker", "--once"), ("serve", "--port", port)):
        result = cli(*args)
        assert result.exit_code == 1, args
        line = _one_line(result)
        assert line.startswith("Cannot use the database") and line.endswith(
            ": it holds other tables (users) and no contacthub schema; use an empty database (or a new SQLite file)."), line
    assert inspect(other).get_table_names() == ["users"]
    other.dispose()


def test_an_unexpected_error_is_one_line(cli, monkeypatch):
    from contacthub.core import workspaces

    def broken(*args, **kwargs):
        raise RuntimeError("something odd\nwith a second line")

    monkeypatch.setattr(workspaces, "create_workspace", broken)
    result = cli("init")
    assert result.exit_code == 1
    assert _one_line(result).startswith("Unexpected error: RuntimeError: something odd")


# ---------------------------------------------------------------- export

def test_export_into_a_missing_directory_or_onto_a_directory(cli, tmp_path):
    cli("init")
    for target, says in ((tmp_path / "no" / "out.csv", "no directory"), (tmp_path, "is a directory")):
        result = cli("export", "--format", "csv", "--output", str(target))
        assert result.exit_code == 2
        assert says in " ".join(result.output.replace("│", " ").split()) and "Traceback" not in result.output
    assert not (tmp_path / "no").exists()


def test_an_interrupted_export_leaves_the_old_file_and_no_partial_one(cli, tmp_path, monkeypatch):
    from contacthub.dialects.native import exports as export_module

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    api = _api(key)
    for i in range(3):
        api.post("/v1/contacts", json={"first_name": f"P{i}"})
    target = tmp_path / "contacts.jsonl"
    target.write_text("the previous export\n")
    real, calls = export_module.render_contact, []

    def interrupted(view):
        calls.append(view)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(view)

    monkeypatch.setattr(export_module, "render_contact", interrupted)
    result = cli("export", "--output", str(target))
    assert result.exit_code == 130
    assert "Export interrupted" in result.output and "was not written" in result.output
    assert target.read_text() == "the previous export\n"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("cli.db")] == ["contacts.jsonl"]


def test_csv_export_imports_back_into_the_same_contacts(cli, tmp_path):
    first = json.loads(cli("init", "--json").stdout)
    api = _api(first["api_key"])
    people = [
        {"first_name": "Ada", "last_name": "Lovelace", "title": "Analyst", "employer": "Engines Ltd",
         "occupation": "Mathematician", "salutation": "Dear Ada",
         "notes": 'wrote the first program,\nwith "notes"; and, more',  # quotes, a line break, commas
         "emails": [{"address": "ada@example.com", "primary": True}, {"address": "ada@home.example", "type": "home"}],
         "phones": [{"number": "+442079460958", "type": "mobile"}, "+442079460959"],
         "addresses": [{"line1": "12 St James's Sq", "line2": "Flat 2", "city": "London", "region": "Greater London",
                        "postal_code": "SW1Y 4JH", "country": "GB", "type": "home"},
                       {"line1": "1 Engine Yard", "city": "Cambridge", "type": "work"}],
         "attributes": {"tier": "gold", "visits": 3, "prefs": {"news": "weekly"}}},
        {"kind": "organization", "organization_name": "Analytical Engines", "official_name": "Analytical Engines plc",
         "emails": ["info@engines.example"]},
        {"first_name": "Charles", "emails": ["charles@example.com"]},
    ]
    for body in people:
        assert api.post("/v1/contacts", json=body).status_code == 201
    exported = tmp_path / "contacts.csv"
    assert cli("export", "--format", "csv", "--output", str(exported)).exit_code == 0
    header = next(csv.reader(io.StringIO(exported.read_text())))
    assert header[:15] == ["id", "kind", "display_name", "first_name", "last_name", "organization_name", "title",
                           "employer", "email", "phone", "line1", "city", "postal_code", "country", "created_at"]
    assert header[15:] == ["line2", "region", "notes", "groups", "prefix", "middle_name", "suffix", "nickname",
                           "birth_date", "email_type", "phone_type", "address_type", "salutation", "occupation",
                           "official_name", "email_2", "email_2_type", "phone_2",
                           "address_2_line1", "address_2_city", "address_2_type",
                           "metadata.prefs.news", "metadata.tier", "metadata.visits"]

    second = json.loads(cli("init", "--name", "copy", "--json").stdout)
    summary = json.loads(cli("import", str(exported), "--workspace", second["workspace_id"], "--json").stdout)
    assert (summary["created"], summary["invalid"]) == (3, 0)

    def essentials(key: str) -> list[dict]:
        data = _api(key).get("/v1/contacts").json()["data"]
        return sorted(({
            "kind": c["kind"], "display_name": c["display_name"], "first_name": c["first_name"],
            "last_name": c["last_name"], "organization_name": c["organization_name"], "title": c["title"],
            "employer": c["employer"], "notes": c["notes"], "occupation": c["occupation"], "salutation": c["salutation"],
            "official_name": c["official_name"],
            "emails": sorted((e["address"], e["type"]) for e in c["emails"]),
            "phones": sorted((p["number"], p["type"] or "") for p in c["phones"]),
            "addresses": [{k: a[k] for k in ("line1", "line2", "city", "region", "postal_code", "country", "type")}
                          for a in c["addresses"]],
        } for c in data), key=lambda c: c["display_name"])

    assert essentials(second["api_key"]) == essentials(first["api_key"])
    ada = _api(second["api_key"]).get("/v1/contacts", params={"email": "ada@example.com"}).json()["data"][0]
    assert ada["notes"] == 'wrote the first program,\nwith "notes"; and, more' and ada["occupation"] == "Mathematician"
    # attributes come back as text (a CSV cell has no type), nested ones nested again
    assert ada["attributes"] == {"tier": "gold", "visits": "3", "prefs": {"news": "weekly"}}
    assert ada["emails"][0]["address"] == "ada@example.com"  # the primary stays first


# ---------------------------------------------------------------- Ctrl-C during an import

def _interrupt_on_batch(monkeypatch, n: int) -> None:
    real, calls = imports._Importer.run_batch, []

    def run_batch(self, session, batch):
        calls.append(1)
        if len(calls) == n:
            raise KeyboardInterrupt
        return real(self, session, batch)

    monkeypatch.setattr(imports._Importer, "run_batch", run_batch)


def test_an_interrupted_import_keeps_its_rows_and_resumes_with_worker_once(cli, tmp_path, monkeypatch):
    created = json.loads(cli("init", "--json").stdout)
    monkeypatch.setenv("CONTACTHUB_IMPORT_BATCH_SIZE", "2")
    get_settings.cache_clear()
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(7)))
    _interrupt_on_batch(monkeypatch, 3)

    result = cli("import", str(source))
    assert result.exit_code == 130
    assert "Import interrupted after 4 rows" in result.output and "contacthub worker --once" in result.output
    assert "Traceback" not in result.output
    [job] = _jobs(created["workspace_id"])
    assert job.status == "running" and job.processed == 4 and job.lease_until <= utcnow()

    monkeypatch.undo()  # the worker runs the real importer
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", get_settings().database_url)
    monkeypatch.setenv("CONTACTHUB_IMPORT_BATCH_SIZE", "2")
    get_settings.cache_clear()
    assert "Ran 1 import job" in cli("worker", "--once").output
    [job] = _jobs(created["workspace_id"])
    assert (job.status, job.processed, job.created) == ("succeeded", 7, 7)
    emails = [c["emails"][0]["address"] for c in _api(created["api_key"]).get("/v1/contacts").json()["data"]]
    assert sorted(emails) == sorted(f"p{i}@example.com" for i in range(7))  # each once


def test_an_interrupted_overwrite_changes_nothing_and_is_not_resumed(cli, tmp_path, monkeypatch):
    created = json.loads(cli("init", "--json").stdout)
    api = _api(created["api_key"])
    api.post("/v1/contacts", json={"first_name": "Kept", "emails": ["kept@example.com"]})
    monkeypatch.setenv("CONTACTHUB_IMPORT_BATCH_SIZE", "2")
    get_settings.cache_clear()
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\n" + "".join(f"P{i},p{i}@example.com\n" for i in range(7)))
    _interrupt_on_batch(monkeypatch, 2)

    result = cli("import", str(source), "--overwrite", "--json")
    assert result.exit_code == 130
    assert json.loads(result.stdout)["status"] == "interrupted"
    assert "nothing was changed" in result.stderr
    [job] = _jobs(created["workspace_id"])
    assert job.status == "failed" and job.processed == 0
    assert "Ran 0 import job" in cli("worker", "--once").output
    assert [c["first_name"] for c in api.get("/v1/contacts").json()["data"]] == ["Kept"]


@pytest.mark.parametrize("how", ["ctrl-c", "kill", "kill-group"])
def test_ctrl_c_on_a_real_import_with_a_parser_process_is_clean(tmp_path, how):
    """SIGINT to the whole process group, as a terminal sends it, or SIGTERM to the command
    alone, as `kill` or `timeout` send it, or to the whole group, as a service manager does: the
    importing process says where the job stands, and the parser process (large files) prints no
    traceback of its own. A parser stopped with its parent leaves the job to be resumed, not
    failed "unexpectedly"."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    db_file = tmp_path / "c.db"
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{db_file}", "CONTACTHUB_IMPORT_BATCH_SIZE": "500",
           "CONTACTHUB_IMPORT_PARALLEL_MIN_ROWS": "1", "COLUMNS": "300"}
    run = [sys.executable, "-m", "contacthub.cli"]
    subprocess.run([*run, "init"], env=env, check=True, capture_output=True)
    source = tmp_path / "big.csv"
    source.write_text("First Name,Last Name,Email,Phone\n"
                      + "".join(f"F{i},L{i},u{i}@example.com,+1202555{i % 10000:04d}\n" for i in range(60000)))
    proc = subprocess.Popen([*run, "import", str(source)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    stop = {"ctrl-c": lambda pid: os.killpg(pid, signal.SIGINT),
            "kill": lambda pid: os.kill(pid, signal.SIGTERM),
            "kill-group": lambda pid: os.killpg(pid, signal.SIGTERM)}[how]
    stderr = _stopped_once_under_way(proc, db_file, "SELECT max(processed) FROM import_jobs", stop)
    # Ctrl-C exits 130; SIGTERM, once the command stopped as for Ctrl-C, ends the process by the
    # signal, which is what a service manager reads as a clean stop
    assert proc.returncode == (130 if how == "ctrl-c" else -signal.SIGTERM), stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert "Import interrupted after" in stderr
    with sqlite3.connect(db_file) as conn:
        [(status, error)] = conn.execute("SELECT status, error FROM import_jobs").fetchall()
    assert (status, error) == ("running", None)  # for the next worker to resume


def test_an_overwrite_import_killed_changes_nothing_and_is_not_run_later(tmp_path):
    """SIGTERM (as `kill` sends it) on an overwrite left its job running, and the next worker
    then replaced every contact anyway; now it stops as Ctrl-C does (failed, nothing changed)
    before the process ends by the signal."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys

    db_file = tmp_path / "o.db"
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{db_file}", "CONTACTHUB_IMPORT_BATCH_SIZE": "500"}
    run = [sys.executable, "-m", "contacthub.cli"]
    subprocess.run([*run, "init"], env=env, check=True, capture_output=True)
    kept = tmp_path / "kept.csv"
    kept.write_text("Name,Email\nKept Person,kept@example.com\n")
    subprocess.run([*run, "import", str(kept)], env=env, check=True, capture_output=True)
    source = tmp_path / "big.csv"
    source.write_text("Name,Email\n" + "".join(f"P{i} Q,u{i}@example.com\n" for i in range(40000)))
    proc = subprocess.Popen([*run, "import", str(source), "--overwrite"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    # under way: its job made (the second), writing in its one transaction
    stderr = _stopped_once_under_way(proc, db_file, "SELECT count(*) = 2 FROM import_jobs",
                                     lambda pid: os.kill(pid, signal.SIGTERM), settle=0.3)
    assert proc.returncode == -signal.SIGTERM and "nothing was changed" in stderr, stderr
    with sqlite3.connect(db_file) as conn:
        statuses = [row[0] for row in conn.execute("SELECT status FROM import_jobs ORDER BY created_at")]
        assert statuses == ["succeeded", "failed"]
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    assert "Ran 0 import job" in subprocess.run([*run, "worker", "--once", "--no-webhooks"], env=env,
                                                capture_output=True, text=True).stderr


def test_a_worker_stopped_by_its_service_manager_hands_its_job_over_at_once(tmp_path):
    """SIGTERM to a `contacthub worker` (and its parser process) left its job running until the
    lease ran out (5 minutes): the next worker ran nothing. It is handed over as it stops."""
    import os
    import signal
    import sqlite3
    import subprocess

    db_file, env, run = _a_big_import_queued(tmp_path, {"CONTACTHUB_IMPORT_PARALLEL_MIN_ROWS": "1"})
    proc = subprocess.Popen([*run, "worker", "--poll", "0.1", "--no-webhooks"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    stderr = _stopped_once_under_way(proc, db_file, "SELECT max(processed) FROM import_jobs",
                                     lambda pid: os.killpg(pid, signal.SIGTERM))
    assert proc.returncode == -signal.SIGTERM and "goes to the next worker now" in stderr, stderr
    with sqlite3.connect(db_file) as conn:
        [(status, processed)] = conn.execute("SELECT status, processed FROM import_jobs").fetchall()
    assert status == "running" and 0 < processed < 40000
    finished = subprocess.run([*run, "worker", "--once", "--no-webhooks"], env=env, capture_output=True, text=True)
    assert "Ran 1 import job" in finished.stderr, finished.stderr
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT status, processed, created FROM import_jobs").fetchone() == ("succeeded", 40000, 40000)


def test_serve_stopped_by_its_service_manager_hands_its_import_over_at_once(tmp_path):
    """SIGTERM to `contacthub serve` while its embedded worker ran an import left the job held
    for its lease (5 minutes): no other worker could resume it. It is handed over as serve stops."""
    import os
    import signal
    import socket
    import sqlite3
    import subprocess

    db_file, env, run = _a_big_import_queued(tmp_path)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    proc = subprocess.Popen([*run, "serve", "--port", str(port)], env={**env, "COLUMNS": "300"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stderr = _stopped_once_under_way(proc, db_file, "SELECT max(processed) FROM import_jobs",
                                     lambda pid: os.kill(pid, signal.SIGTERM), finished_when_exit_zero=False)
    # the -wal is folded into the .db as serve stops (before anything here opens the file again,
    # which would fold it too): the .db file alone is whole (README, Backups)
    wal = db_file.with_name(db_file.name + "-wal")
    wal_left = wal.stat().st_size if wal.exists() else 0
    with sqlite3.connect(db_file) as conn:
        [(status, processed)] = conn.execute("SELECT status, processed FROM import_jobs").fetchall()
    if status == "succeeded":
        pytest.skip("the import finished before serve was stopped")
    assert proc.returncode in (0, -signal.SIGTERM) and "goes to the next worker now" in stderr, stderr
    assert status == "running" and 0 < processed < 40000
    assert wal_left == 0
    # the lease (5 minutes) would keep the job from this worker had serve not handed it over
    finished = subprocess.run([*run, "worker", "--once", "--no-webhooks"], env=env, capture_output=True, text=True)
    assert "Ran 1 import job" in finished.stderr, finished.stderr
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT status, processed, created FROM import_jobs").fetchone() == ("succeeded", 40000, 40000)


def _a_big_import_queued(tmp_path, env_more: dict | None = None) -> tuple:
    """(the SQLite file, the environment, the CLI command) of a new store holding one queued
    import job of 40,000 rows in batches of 500, for a worker to be stopped under way."""
    import os
    import subprocess
    import sys

    db_file = tmp_path / "big.db"
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{db_file}", "CONTACTHUB_IMPORT_BATCH_SIZE": "500",
           **(env_more or {})}
    run = [sys.executable, "-m", "contacthub.cli"]
    key = json.loads(subprocess.run([*run, "init", "--json"], env=env, check=True, capture_output=True,
                                    text=True).stdout)["api_key"]
    source = tmp_path / "big.csv"
    source.write_text("Name,Email\n" + "".join(f"P{i} Q,u{i}@example.com\n" for i in range(40000)))
    client = TestClient(create_app(Settings(database_url=f"sqlite:///{db_file}", import_embedded_worker=False)))
    started = client.post("/v1/imports", headers={"Authorization": f"Bearer {key}"},
                          files={"file": ("big.csv", source.read_bytes(), "text/csv")})
    assert started.status_code == 202, started.text
    return db_file, env, run


def _stopped_once_under_way(proc, db_file, under_way: str, stop, settle: float = 0.0,
                            finished_when_exit_zero: bool = True) -> str:
    """Waits until the query `under_way` answers true in the import's database, stops the
    process with `stop(pid)`, and answers what it printed on stderr (the test is skipped when
    the import finished before it could be stopped)."""
    import sqlite3
    import time

    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            time.sleep(0.2)
            try:
                with sqlite3.connect(db_file) as conn:
                    if conn.execute(under_way).fetchone()[0]:
                        break
            except sqlite3.OperationalError:
                pass
        time.sleep(settle)
        stop(proc.pid)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if proc.returncode == 0 and finished_when_exit_zero:
        pytest.skip("the import finished before it was stopped")
    return stderr


# ---------------------------------------------------------------- scripts

def test_json_outputs_are_json_alone(cli, tmp_path):
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nAda,ada@example.com\nBad,nope\n")
    for args in (("init", "--json"), ("keys", "create", "--json"), ("keys", "list", "--json"),
                 ("import", str(source), "--json"), ("dedupe", "--json")):
        result = cli(*args)
        assert result.exit_code == 0, args
        json.loads(result.stdout)  # one document, nothing else
        assert result.stdout.count("\n") == 1, args
        assert result.stderr == "", (args, result.stderr)


def test_only_local_files_and_http_urls_import(cli):
    cli("init")
    result = cli("import", "ftp://example.com/people.csv")
    assert result.exit_code == 1
    assert "only local files and http(s) URLs" in _one_line(result)


def test_an_interrupted_dedupe_says_what_is_kept(cli, monkeypatch):
    from contacthub.core import identity

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    for i in range(3):
        _api(key).post("/v1/contacts", json={"first_name": f"P{i}"})
    real, calls = identity.dedupe_contact, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(identity, "dedupe_contact", interrupted)
    result = cli("dedupe", "--merge")
    assert result.exit_code == 130
    assert "Dedupe interrupted after 1 of 3 contacts (the merges and queued pairs so far are kept)" in result.output
    first = _api(key).get("/v1/contacts").json()["data"][0]["id"]
    assert f"run it again with --after {first} to go on" in _one_line(result)

    monkeypatch.setattr(identity, "dedupe_contact", real)
    resumed = cli("dedupe", "--after", first, "--json")
    assert resumed.exit_code == 0 and json.loads(resumed.stdout)["scanned"] == 2  # the two after it
    assert cli("dedupe", "--after", "nope").exit_code == 2


def test_export_into_a_closed_pipe_ends_quietly(tmp_path):
    """`contacthub export | head -1`: the reader stops early; no error, no traceback."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    run = [sys.executable, "-m", "contacthub.cli"]
    key = json.loads(subprocess.run([*run, "init", "--json"], env=env, check=True, capture_output=True,
                                    text=True).stdout)["api_key"]
    db = Database(env["CONTACTHUB_DATABASE_URL"])
    from contacthub.core import contacts, workspaces
    from contacthub.core.inputs import ContactInput, WriteOptions

    with db.write() as session:
        actor = Actor(workspaces.authenticate(session, key).workspace_id, None, "cli")
        for i in range(1200):
            contacts.create(session, actor, ContactInput(first_name=f"P{i}"), WriteOptions(on_duplicate="create"))
    db.dispose()
    proc = subprocess.Popen([*run, "export"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert json.loads(first)["first_name"].startswith("P")
    assert proc.returncode == 141 and stderr == ""


def test_a_binary_file_is_neither_csv_nor_spreadsheet(cli, tmp_path):
    cli("init")
    source = tmp_path / "photo.csv"
    source.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    result = cli("import", str(source))
    assert result.exit_code == 1
    assert "is neither a CSV, a spreadsheet (XLSX, XLS, ODS), a vCard nor a JSONL file" in _one_line(result)
    utf16 = tmp_path / "unicode.txt"  # Excel's "Unicode Text": UTF-16 with NULs, still a CSV
    utf16.write_bytes("Name\tEmail\r\nZoë\tzoe@example.com\r\n".encode("utf-16"))
    assert json.loads(cli("import", str(utf16), "--json").stdout)["created"] == 1
    stray = tmp_path / "stray.csv"  # one NUL in a cell: that row is invalid, the file is a CSV
    stray.write_bytes(b"Name,Email\nGood,good@example.com\nNul\x00Name,nul@example.com\n")
    summary = json.loads(cli("import", str(stray), "--json").stdout)
    assert (summary["created"], summary["invalid"]) == (1, 1), summary


def test_serve_on_a_taken_port_says_so_before_anything_else(cli):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = cli("serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"Cannot listen on 127.0.0.1:{port}" in _one_line(result)
    assert cli("keys", "list").exit_code == 1  # no workspace was created on the way


def test_export_format_is_case_insensitive(cli):
    cli("init")
    result = cli("export", "--format", "CSV")
    assert result.exit_code == 0 and result.stdout.startswith("id,kind,display_name")


def test_a_second_init_says_it_made_another_workspace(cli):
    first = json.loads(cli("init", "--json").stdout)
    again = cli("init", "--json")
    assert json.loads(again.stdout)["workspace_id"] != first["workspace_id"]  # stdout stays JSON alone
    assert f"the first one is {first['workspace_id']}" in again.stderr and "keys create" in again.stderr
    key = json.loads(cli("keys", "create", "--json").stdout)
    assert key["workspace_id"] == first["workspace_id"]


def test_serve_and_worker_refuse_numbers_out_of_range(cli):
    for args in (("serve", "--port", "99999"), ("serve", "--workers", "0"), ("worker", "--poll", "0"),
                 ("serve", "--log-level", "loud"), ("worker", "--log-level", "loud")):
        result = cli(*args)
        assert result.exit_code == 2, args
        assert "Traceback" not in result.output


def test_dedupe_table_names_the_pair_with_whole_ids_and_why(cli):
    key = json.loads(cli("init", "--json").stdout)["api_key"]
    api = _api(key)
    body = {"first_name": "Ada", "last_name": "Lovelace",
            "addresses": [{"line1": "1 Main St", "city": "Springfield"}]}
    ids = [api.post("/v1/contacts", params={"on_duplicate": "create"},
                    json={**body, "emails": [f"a{i}@example.net"]}).json()["id"] for i in range(2)]
    result = cli("dedupe")
    assert result.exit_code == 0
    assert ids[0] in result.stdout and ids[1] in result.stdout  # whole, at 80 columns
    assert "Ada Lovelace" in result.stdout and "merge" in result.stdout
    assert "why" in result.stdout and "differs" in result.stdout
    pairs = json.loads(cli("dedupe", "--json").stdout)["pairs"]
    assert pairs[0]["why"] == "same first_name, last_name, address; email differs"
    # Jon and John are alike, not the same
    api.post("/v1/contacts", params={"on_duplicate": "create"},
             json={"first_name": "Jon", "last_name": "Smithers", "birth_date": "1970-01-02"})
    api.post("/v1/contacts", params={"on_duplicate": "create"},
             json={"first_name": "John", "last_name": "Smithers", "birth_date": "1970-01-02"})
    whys = [p["why"] for p in json.loads(cli("dedupe", "--json").stdout)["pairs"]]
    assert "same last_name, birth_date; similar first_name" in whys, whys


def test_the_first_rejects_name_their_line_in_the_file(cli, tmp_path):
    cli("init")
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\nAda,ada@example.com\n\nBad,not-an-email\n")
    result = cli("import", str(source))
    assert result.exit_code == 0
    assert "row 2: Email: not a valid email address" in result.output
    assert "(line 4 of the file)" in result.output
    # a quoted cell on two lines, and notes above the header row (a LinkedIn export's): counted
    spans = tmp_path / "spans.csv"
    spans.write_text('Name,Email,Notes\nAda,ada@example.com,"first\nsecond"\nBad,not-an-email,x\n')
    assert "(line 4 of the file)" in cli("import", str(spans)).output
    linkedin = tmp_path / "Connections.csv"
    linkedin.write_text("Notes:\n\"When exporting your connection data, you may notice...\"\n\n"
                        "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
                        "Ada,Lovelace,https://www.linkedin.com/in/ada,not-an-email,Engines,Analyst,01 Jan 2024\n")
    result = cli("import", str(linkedin))
    assert "Email Address: not a valid email address" in result.output and "(line 5 of the file)" in result.output, \
        result.output
    # a spreadsheet's row as the spreadsheet numbers it, a title and a row of merged headings above the header row
    sheet = tmp_path / "customers.xlsx"
    sheet.write_bytes(xlsx_bytes([["Customer list Q3 2024"], ["Person", None, "Contact"], ["First Name", "Last Name", "Email"],
                                  ["Kim", "Lee", "kim@example.com"], ["Bad", "Email", "not-an-email"]]))
    result = cli("import", str(sheet))
    assert "row 1: Email: not a valid email address" in result.output and "(row 5 of the sheet)" in result.output, \
        result.output


def test_the_summary_tells_of_bytes_that_were_not_utf8(cli, tmp_path):
    cli("init")
    source = tmp_path / "people.csv"
    source.write_bytes("Name,Email\nJosé Núñez,jose@example.es\nZoë,zoe@example.de\n".encode() + b"Ren\xe9e,r@example.com\n")
    result = cli("import", str(source))
    assert "Note: 1 byte is not UTF-8 and was replaced with \ufffd (line 4 of the file)" in result.output, result.output
    assert json.loads(cli("import", str(source), "--json").stdout)["notes"] == [
        "1 byte is not UTF-8 and was replaced with \ufffd (line 4 of the file); the rest was read as UTF-8"]


def test_the_summary_names_the_columns_not_imported(cli, tmp_path):
    cli("init")
    source = tmp_path / "hubspot.csv"
    source.write_text("Record ID,First Name,Email,Lifecycle Stage\n51,Brian,bh@example.com,customer\n")
    result = cli("import", str(source))
    assert "Columns not imported (no field reads them; --map 'HEADER=metadata.<key>' keeps one as an attribute): " \
           "'Record ID', 'Lifecycle Stage'" in result.output, result.output
    assert json.loads(cli("import", str(source), "--json").stdout)["ignored_columns"] == ["Record ID", "Lifecycle Stage"]


def test_a_bad_setting_names_its_variable(cli, monkeypatch):
    monkeypatch.setenv("CONTACTHUB_IMPORT_BATCH_SIZE", "lots")
    get_settings.cache_clear()
    result = cli("keys", "list")
    assert result.exit_code == 1
    assert _one_line(result).startswith("Bad setting CONTACTHUB_IMPORT_BATCH_SIZE: Input should be a valid integer")


@pytest.mark.parametrize("variable, value, says", [
    ("WRITE_WAIT_SECONDS", "-5", "greater than 0"),  # every write was "busy with another writer"
    ("WRITE_WAIT_SECONDS", "0", "greater than 0"),  # no wait on SQLite, no limit on PostgreSQL
    ("MAX_BODY_BYTES", "0", "greater than or equal to 1"),  # every body a 413
    ("DEFAULT_PAGE_SIZE", "500", "500 is more than CONTACTHUB_MAX_PAGE_SIZE (200)"),
    ("WEBHOOK_TIMEOUT_SECONDS", "nan", "a finite number"),
])
def test_a_number_that_cannot_work_is_a_bad_setting(cli, monkeypatch, variable, value, says):
    monkeypatch.setenv(f"CONTACTHUB_{variable}", value)
    get_settings.cache_clear()
    for args in (("migrate",), ("keys", "create")):
        result = cli(*args)
        assert result.exit_code == 1, args
        line = _one_line(result)
        assert line.startswith(f"Bad setting CONTACTHUB_{variable}: ") and says in line, line


def test_an_unknown_contacthub_variable_is_warned_of_with_the_name_it_is_close_to(cli, monkeypatch):
    """CONTACTHUB_DATABSE_URL was ignored without a word: the command used the default file."""
    monkeypatch.setenv("CONTACTHUB_DATABSE_URL", "sqlite:////elsewhere.db")
    monkeypatch.setenv("CONTACTHUB_NOTHING_LIKE_IT", "1")
    monkeypatch.setenv("CONTACTHUB_CLI_TRACEBACK", "")  # read by the CLI itself: no warning
    result = cli("migrate")
    assert result.exit_code == 0  # a warning: the command goes on
    lines = result.stderr.splitlines()
    assert "Unknown setting CONTACTHUB_DATABSE_URL (ignored); did you mean CONTACTHUB_DATABASE_URL?" in lines
    assert "Unknown setting CONTACTHUB_NOTHING_LIKE_IT (ignored)" in lines
    assert "CLI_TRACEBACK" not in result.stderr and "Unknown setting CONTACTHUB_DATABASE_URL" not in result.stderr


def test_the_default_region_is_read_in_any_case_and_an_unknown_one_is_a_bad_setting(cli, monkeypatch, tmp_path):
    """`gb` read every national phone as "not a phone number"; `ZZ` too, silently."""
    monkeypatch.setenv("CONTACTHUB_DEFAULT_REGION", "zz")
    get_settings.cache_clear()
    result = cli("keys", "list")
    assert result.exit_code == 1 and _one_line(result).startswith("Bad setting CONTACTHUB_DEFAULT_REGION: ")
    monkeypatch.setenv("CONTACTHUB_DEFAULT_REGION", "")
    get_settings.cache_clear()
    assert get_settings().default_region == "US"  # set empty: the default, as an empty DATABASE_URL
    monkeypatch.setenv("CONTACTHUB_DEFAULT_REGION", "gb")
    get_settings.cache_clear()
    cli("init")
    source = tmp_path / "reg.csv"
    source.write_text("Name,Phone\nReg Test,020 7946 0958\n")
    assert json.loads(cli("import", str(source), "--json").stdout)["created"] == 1


def test_csv_export_carries_group_memberships_back(cli, tmp_path):
    from tests.importfiles import SEED_CSV

    first = json.loads(cli("init", "--json").stdout)
    source = tmp_path / "seed.csv"
    source.write_text(SEED_CSV)
    cli("import", str(source))
    exported = tmp_path / "contacts.csv"
    assert cli("export", "--format", "csv", "--output", str(exported)).exit_code == 0
    rows = {r["display_name"]: r for r in csv.DictReader(io.StringIO(exported.read_text()))}
    assert rows["Tony Stark"]["groups"] == "Avengers" and rows["Avengers"]["kind"] == "group"

    second = json.loads(cli("init", "--json").stdout)
    summary = json.loads(cli("import", str(exported), "--workspace", second["workspace_id"], "--json").stdout)
    assert (summary["created"], summary["invalid"]) == (3, 0)

    def members(key: str) -> set[str]:
        client = TestClient(create_app(get_settings()))
        data = client.get("/packagex/v1/contacts", headers={"PX-API-KEY": key}, params={"type": "group"}).json()
        group = data["data"][0]
        names = {c["id"]: c["name"] for c in client.get("/packagex/v1/contacts", headers={"PX-API-KEY": key}).json()["data"]}
        return {names[i] for i in group["group_contacts"]["children"]}

    assert members(second["api_key"]) == members(first["api_key"]) == {"Tony Stark", "Steve Rogers"}


def test_a_database_url_set_empty_is_the_default_and_another_engine_is_named(cli, monkeypatch):
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", "mysql://user@localhost/contacts")
    get_settings.cache_clear()
    refused = cli("keys", "list")
    assert refused.exit_code == 1 and "contacthub stores its data in SQLite or PostgreSQL" in _one_line(refused)
    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", "")
    get_settings.cache_clear()
    assert get_settings().database_url == "sqlite:///./contacthub.db"


def test_long_work_logs_its_progress_where_stderr_is_no_terminal(cli, tmp_path, monkeypatch):
    """rich draws a bar on a terminal, and in a pipe or a service's log only once, at the end:
    an import of an hour showed nothing for an hour. There, a plain line now and then."""
    from contacthub.cli import common

    monkeypatch.setattr(common._LoggedProgress, "LOG_EVERY_SECONDS", 0.0)  # a line at every step
    monkeypatch.setenv("CONTACTHUB_IMPORT_BATCH_SIZE", "100")
    get_settings.cache_clear()
    cli("init")
    source = tmp_path / "people.csv"
    source.write_text("Name,Email\n" + "".join(f"P{i} Q,u{i}@example.com\n" for i in range(450)))
    lines = [line for line in cli("import", str(source)).stderr.splitlines() if line.startswith("Importing")]
    assert len(lines) >= 5 and lines[-1] == "Importing: 450 rows 100%", lines
    exported = [line for line in cli("export", "-o", str(tmp_path / "out.csv")).stderr.splitlines()
                if line.startswith("Exporting")]
    assert exported[-1] == "Exporting 450/450", exported


def test_migrate_says_whether_it_made_upgraded_or_left_the_store(cli, tmp_path):
    """`migrate` said "is up to date" whatever it had done."""
    from alembic import command

    from contacthub.db.migrate import alembic_config
    from contacthub.settings import get_settings

    made = cli("migrate")
    assert made.exit_code == 0 and "Database was made, at revision" in _one_line(made), made.output
    again = cli("migrate")
    assert "Database is up to date" in _one_line(again)
    command.downgrade(alembic_config(get_settings().database_url), "0016_search_text_base_letters")
    upgraded = cli("migrate")
    assert "Database was upgraded from revision 0016_search_text_base_letters to" in _one_line(upgraded)


def test_import_kind_says_what_every_row_is_where_the_file_does_not(cli, tmp_path):
    """A ChartMogul customers export (companies, no Type column) imported as people: no mapping
    could say otherwise."""
    from fastapi.testclient import TestClient as Client

    from contacthub.app import create_app as make_app
    from contacthub.settings import get_settings

    key = json.loads(cli("init", "--json").stdout)["api_key"]
    source = tmp_path / "customers.csv"
    source.write_text("Name,Email,Type\nAcme Corp,billing@acme.example,\nAda Lovelace,ada@example.com,person\n")
    result = cli("import", str(source), "--kind", "organization", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["created"] == 2, result.output
    api = Client(make_app(get_settings()), headers={"Authorization": f"Bearer {key}"})
    kinds = {c["display_name"]: c["kind"] for c in api.get("/v1/contacts").json()["data"]}
    assert kinds == {"Acme Corp": "organization", "Ada Lovelace": "person"}  # the Type cell still says
    wrong = cli("import", str(source), "--kind", "robot")
    assert wrong.exit_code == 2 and "--kind" in wrong.output
    sent = api.post("/v1/imports", files={"file": ("more.csv", b"Name\nInitech\n", "text/csv")},
                    data={"kind": "organization"})
    assert sent.status_code == 202, sent.text
    assert "Ran 1 import job" in cli("worker", "--once", "--no-webhooks").output
    assert [c["kind"] for c in api.get("/v1/contacts", params={"name": "Initech"}).json()["data"]] == ["organization"]
