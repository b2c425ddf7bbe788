"""The migrations build exactly the schema the models describe, on both engines."""

import json
import uuid

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import UniqueConstraint, create_engine, text

from contacthub.db.models import Base


def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


# Looked up before the workspace is known (a key names its workspace): on Citus, reference tables.
NOT_DISTRIBUTED = {"workspaces", "api_keys"}


def test_every_table_is_keyed_by_workspace_first():
    """What lets PostgreSQL/Citus distribute the store by workspace: every primary key, unique
    key and foreign key of a distributed table leads with (or carries) workspace_id."""
    for table in Base.metadata.sorted_tables:
        first = list(table.primary_key.columns)[0].name
        assert first == "workspace_id" or table.name == "workspaces", table.name
        if table.name in NOT_DISTRIBUTED:
            continue
        uniques = [c.columns for c in table.constraints if isinstance(c, UniqueConstraint)]
        uniques += [i.columns for i in table.indexes if i.unique]
        for columns in uniques:
            assert list(columns)[0].name == "workspace_id", (table.name, list(columns))
        for fk in table.foreign_key_constraints:
            assert "workspace_id" in [c.name for c in fk.columns], (table.name, fk.referred_table.name)


def test_an_old_sqlite_stores_over_long_identity_keys_are_found_again(tmp_path):
    """SQLite kept keys longer than their column whole, before the engine fitted them to it;
    0007 refiles them, so a record with the same long email merges into the old contact."""
    from alembic import command
    from fastapi.testclient import TestClient

    from contacthub.app import create_app
    from contacthub.core import workspaces
    from contacthub.db.engine import Database
    from contacthub.db.migrate import alembic_config, upgrade
    from contacthub.settings import Settings

    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)  # today's code writes the contact; its keys are then put back as the old code filed them
    email = "ab@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + ".example.com"  # 207 characters
    engine = create_engine(url)
    db = Database(url)
    with db.write() as session:
        key = workspaces.create_workspace(session, "old")
    api = TestClient(create_app(Settings(database_url=url), db))
    api.headers["Authorization"] = f"Bearer {key.api_key}"
    old = api.post("/v1/contacts", json={"emails": [email]}).json()
    with engine.begin() as conn:  # as the old code filed it: the whole key
        for table in ("identity_keys", "identity_claims"):
            changed = conn.execute(text(f"UPDATE {table} SET key = :whole WHERE key LIKE 'e:%~%'"),
                                   {"whole": f"e:{email}"}).rowcount
            assert changed == 1
    # back to before 0007 (later revisions' columns undone, so that they can be made again)
    command.downgrade(alembic_config(url), "0008_social_linkedin_key")
    command.stamp(alembic_config(url), "0006_import_leases")

    upgrade(url)

    with engine.connect() as conn:
        assert conn.execute(text("SELECT max(length(key)) FROM identity_keys")).scalar() <= 200
        assert conn.execute(text("SELECT max(length(key)) FROM identity_claims")).scalar() <= 200
    again = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                     json={"first_name": "Long", "emails": [email]})
    assert again.status_code == 200, again.text
    assert again.json()["merged_into"] == old["id"]
    db.dispose()
    engine.dispose()


def test_contacts_stored_before_the_identity_index_are_filed_by_the_upgrade(tmp_path):
    """0004 made the identity index empty: a store upgraded from 0001 made a second contact for
    an email it held, and /match found nothing, until `contacthub dedupe` ran. The upgrade files
    them now."""
    from alembic import command
    from fastapi.testclient import TestClient

    from contacthub.app import create_app
    from contacthub.core import workspaces
    from contacthub.db.engine import Database
    from contacthub.db.migrate import alembic_config, upgrade
    from contacthub.settings import Settings

    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        key = workspaces.create_workspace(session, "old")
    api = TestClient(create_app(Settings(database_url=url), db))
    api.headers["Authorization"] = f"Bearer {key.api_key}"
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "last_name": "Lovelace",
                                         "emails": ["ada@example.com"]}).json()
    db.dispose()
    command.downgrade(alembic_config(url), "0001")  # as 0001 stored it: no identity index

    upgrade(url)

    db = Database(url)
    api = TestClient(create_app(Settings(database_url=url), db))
    api.headers["Authorization"] = f"Bearer {key.api_key}"
    again = api.post("/v1/contacts", params={"on_duplicate": "merge"},
                     json={"first_name": "Ada", "emails": ["ada@example.com"]})
    assert again.status_code == 200, again.text
    assert again.json()["merged_into"] == ada["id"]
    matched = api.post("/v1/contacts/match", json={"emails": ["ada@example.com"]}).json()["data"]
    assert [m["contact"]["id"] for m in matched] == [ada["id"]]
    db.dispose()


def test_a_linkedin_profile_stored_by_the_old_chartmogul_door_is_renamed(tmp_path):
    """0008: social["linked_in"] (the old ChartMogul door's key) becomes the native "linkedin";
    a native "linkedin" written since is kept."""
    stored = _column_upgraded_from(tmp_path, "0007_fit_long_identity_keys", "social", [
        {"id": "a" * 32, "social": '{"linked_in": "https://linkedin.com/in/a", "twitter": "t"}'},
        {"id": "b" * 32, "social": '{"linked_in": "old", "linkedin": "new"}'},
        {"id": "c" * 32, "social": '{"facebook": "f"}'}])
    assert {k: json.loads(v) for k, v in stored.items()} == {
        "a" * 32: {"linkedin": "https://linkedin.com/in/a", "twitter": "t"},
        "b" * 32: {"linkedin": "new"},
        "c" * 32: {"facebook": "f"},
    }


def test_search_text_stored_before_folding_is_folded(tmp_path):
    """0013: search text was lower-cased only; stored contacts are found by a folded search."""
    stored = _column_upgraded_from(tmp_path, "0012_reviews_by_candidate", "search_text", [
        {"id": "a" * 32, "search_text": "émile zola emile@example.com"},
        {"id": "b" * 32, "search_text": "ada lovelace"},
        {"id": "c" * 32, "search_text": ""}], to="0013_search_text_folded")
    assert stored == {"a" * 32: "emile zola emile@example.com", "b" * 32: "ada lovelace", "c" * 32: ""}


def test_search_text_stored_before_base_letters_were_folded_is_folded(tmp_path):
    """0016: letters with no base letter in Unicode (the dotless ı, ø, ł, æ) are folded too, so
    `q=isik` finds Işık stored before."""
    stored = _column_upgraded_from(tmp_path, "0015_attribute_lookup_covering", "search_text", [
        {"id": "a" * 32, "search_text": "isık"}, {"id": "b" * 32, "search_text": "søren kierkegaard łódź æsir"}],
        to="0016_search_text_base_letters")
    assert stored == {"a" * 32: "isik", "b" * 32: "soren kierkegaard lodz aesir"}


def test_names_stored_before_name_text_are_found_by_the_name_filter(tmp_path):
    """0019: the `name` filter searches each contact's folded names (name_text), filled for the
    contacts stored before, so they are found as new ones are."""
    stored = _column_upgraded_from(tmp_path, "0018_import_job_notes", "name_text", [
        {"id": "a" * 32, "first_name": "Zoë", "last_name": "Müller", "display_name": "Zoë Müller"},
        {"id": "b" * 32, "first_name": "小明", "last_name": "王", "nickname": "Ming"},
        {"id": "c" * 32, "organization_name": "ACME Corp"}, {"id": "d" * 32}])
    assert stored == {"a" * 32: "zoe muller\x1fzoe\x1fmuller\x1fmuller zoe",
                      "b" * 32: "小明\x1f王\x1fming\x1f小明 王\x1f王 小明\x1f王小明",
                      "c" * 32: "acme corp", "d" * 32: ""}


def test_text_folded_before_is_folded_alike_on_both_engines_and_middle_names_are_searched(tmp_path):
    """0020: 𝐉𝐨𝐡𝐧 was stored folded as "John" (its case folded before it was decomposed), which
    SQLite's LIKE found by `john` and PostgreSQL's did not; a contact with a first and a middle
    name but no last one was not found by its middle name."""
    stored = _column_upgraded_from(tmp_path, "0019_contact_name_text", "search_text", [
        {"id": "a" * 32, "search_text": "John", "first_name": "𝐉𝐨𝐡𝐧"}, {"id": "b" * 32, "search_text": "ada"}],
        to="0020_folded_alike")
    assert stored == {"a" * 32: "john", "b" * 32: "ada"}
    names = _column_upgraded_from(tmp_path / "again", "0019_contact_name_text", "name_text", [
        {"id": "a" * 32, "first_name": "Ann", "middle_name": "Marie", "name_text": "ann"}], to="0020_folded_alike")
    assert names == {"a" * 32: "ann\x1fann marie"}


def test_webhook_urls_the_history_held_whole_are_named_by_origin(tmp_path):
    """0021: events recorded before named a webhook's URL whole, its token too, in the feed
    every receiver of the workspace is sent."""
    from contacthub.db.migrate import upgrade

    url, engine = _old_store(tmp_path, "0020_folded_alike", [])
    hook = "https://hooks.example.com/services/T1/B2/s3cr3t?key=abc"
    with engine.begin() as conn:
        workspace = conn.execute(text("SELECT id FROM workspaces")).scalar()
        for i, (changes, before) in enumerate((
                (json.dumps({"url": hook, "events": ["*"]}), None),
                (json.dumps({"url": [hook, "http://u:pw@[fd00::1]:8080/x"], "active": [True, False]}), None),
                (json.dumps({}), json.dumps({"url": hook})), (json.dumps({"secret": ["…", "…"]}), None))):
            conn.execute(text("INSERT INTO events (workspace_id, id, subject_type, subject_id, action, door, changes, "
                              "before, created_at) VALUES (:w, :id, 'webhook', :s, 'updated', 'native', :c, :b, "
                              "'2026-01-01')"), {"w": workspace, "id": f"{i:032x}", "s": "e" * 32, "c": changes,
                                                 "b": before})
    upgrade(url)
    with engine.connect() as conn:
        stored = [(json.loads(c), json.loads(b) if b else None)
                  for c, b in conn.execute(text("SELECT changes, before FROM events ORDER BY id"))]
    engine.dispose()
    assert stored == [({"url": "https://hooks.example.com/…", "events": ["*"]}, None),
                      ({"url": ["https://hooks.example.com/…", "http://[fd00::1]:8080/…"], "active": [True, False]}, None),
                      ({}, {"url": "https://hooks.example.com/…"}), ({"secret": ["…", "…"]}, None)]


def test_marks_folding_took_off_are_put_back_from_the_contacts_own_text(tmp_path):
    """0022: a Thai tone mark (and a virama, the kana's voicing mark) was taken off as an accent,
    so ก้อง was stored as กอง; the texts are made anew from the names, emails and phones."""
    from contacthub.db.migrate import upgrade

    url, engine = _old_store(tmp_path, "0021_webhook_urls_by_origin", [
        {"id": "a" * 32, "first_name": "ก้อง", "search_text": "กอง", "name_text": "กอง"},
        {"id": "b" * 32, "first_name": "Émile", "search_text": "emile", "name_text": "emile"}])
    with engine.begin() as conn:
        workspace = conn.execute(text("SELECT id FROM workspaces")).scalar()
        conn.execute(text("INSERT INTO contact_points (workspace_id, id, contact_id, kind, key, value, normalized, "
                          "is_primary, position, properties, created_at) VALUES (:w, :i, :c, 'email', 'email', "
                          "'Kong@x.io', 'kong@x.io', 1, 0, '{}', '2026-01-01')"), {"w": workspace, "i": "f" * 32,
                                                                                   "c": "a" * 32})
    upgrade(url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT id, search_text, name_text FROM contacts ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in stored] == [("a" * 32, "ก้อง kong@x.io", "ก้อง"), ("b" * 32, "emile", "emile")]


def _column_upgraded_from(tmp_path, revision: str, column: str, contacts: list[dict],
                          to: str | None = None) -> dict[str, str]:
    """{contact id: `column`} of these contact rows stored at `revision`, once migrated to `to`
    (default: the head)."""
    from alembic import command

    from contacthub.db.migrate import alembic_config, upgrade

    url, engine = _old_store(tmp_path, revision, contacts)
    if to is None:
        upgrade(url)
    else:
        command.upgrade(alembic_config(url), to)
    with engine.connect() as conn:
        stored = dict(conn.execute(text(f"SELECT id, {column} FROM contacts ORDER BY id")).all())
    engine.dispose()
    return stored


def _old_store(tmp_path, revision: str, contacts: list[dict]):
    """(url, engine) of a SQLite store migrated to `revision` alone, holding one workspace with
    these contact rows (`id` and the columns to set; the others as a plain person)."""
    from alembic import command

    from contacthub.db.migrate import alembic_config

    tmp_path.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    command.upgrade(alembic_config(url), revision)
    engine = create_engine(url)
    workspace = uuid.uuid4().hex
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO workspaces (id, name, created_at) VALUES (:w, 'old', '2026-01-01')"),
                     {"w": workspace})
        for contact in contacts:
            row = {"social": "{}", "search_text": "", **contact}
            columns = ", ".join(row)
            conn.execute(text(f"INSERT INTO contacts (workspace_id, kind, attributes, extra, created_at, updated_at, "
                              f"{columns}) VALUES (:w, 'person', '{{}}', '{{}}', '2026-01-01', '2026-01-01', "
                              + ", ".join(f":{c}" for c in row) + ")"), {"w": workspace, **row})
    return url, engine


def test_a_migration_that_fails_half_way_leaves_the_store_as_it_was(tmp_path):
    """Killed (here: failing) between two statements of a migration, the store keeps its old
    schema and version, and the next run migrates it whole. On SQLite each DDL statement was
    committed alone: a crash left a column added under the old version, and every command then
    failed on "duplicate column name" for good."""
    from sqlalchemy import event, inspect
    from sqlalchemy.engine import Engine

    from contacthub.db.migrate import upgrade

    url, engine = _old_store(tmp_path, "0009_read_only_keys", [])

    def fail_half_way(conn, cursor, statement, *args):
        if "ix_events_seq" in statement:  # 0010 adds events.seq first, then indexes it
            raise RuntimeError("killed")

    event.listen(Engine, "before_cursor_execute", fail_half_way)
    try:
        try:
            upgrade(url)
        except RuntimeError:
            pass
        else:
            raise AssertionError("the migration should have failed")
    finally:
        event.remove(Engine, "before_cursor_execute", fail_half_way)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0009_read_only_keys"
    assert "seq" not in {c["name"] for c in inspect(engine).get_columns("events")}
    engine.dispose()

    upgrade(url)

    with create_engine(url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()


def test_processes_migrating_one_store_at_once_take_turns(tmp_path, database_url):
    """`serve` and `worker` started together on a new store: each migrates first, and one of
    them failed on a table the other had just made."""
    import os
    import subprocess
    import sys

    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'new.db'}"
    else:
        url = database_url.rsplit("/", 1)[0] + "/" + f"contacthub_migrate_{uuid.uuid4().hex[:8]}"
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
        admin.dispose()
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": url}
    runs = [subprocess.Popen([sys.executable, "-m", "contacthub.cli", "migrate"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    results = [(run.wait(timeout=120), run.stderr.read()) for run in runs]
    assert [code for code, _ in results] == [0, 0, 0], results
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == _head()
    engine.dispose()


def _head() -> str:
    from alembic.script import ScriptDirectory

    from contacthub.db.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
