"""A write that cannot have the store in time is refused with 503 and Retry-After, in the door's
own envelope, and writes nothing. On SQLite another writer holds the one write lock (an overwrite
import holds it to its end); on PostgreSQL another transaction holds the contact's row."""

import sqlite3
import threading
import time
import uuid
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from contacthub.app import create_app
from contacthub.core.errors import Busy
from contacthub.db.engine import Database
from contacthub.settings import Settings

WAIT = 0.5


@pytest.fixture
def impatient(database_url, workspace):
    """A server whose writes wait WAIT seconds for the store, on the usual test store."""
    db = Database(database_url, write_wait_seconds=WAIT)
    client = TestClient(create_app(Settings(database_url=database_url, write_wait_seconds=WAIT), db))
    yield client, db
    db.dispose()


@contextmanager
def store_held(database_url: str, contact_id: str):
    """Another process's writer, holding what a PATCH of `contact_id` needs."""
    with held_elsewhere(database_url, "SELECT id FROM contacts WHERE id = :id FOR UPDATE", {"id": uuid.UUID(contact_id)}):
        yield


@contextmanager
def held_elsewhere(database_url: str, lock: str, params: dict):
    """Another process's writer: on SQLite holding the one write lock, on PostgreSQL the rows
    the statement `lock` (a SELECT … FOR UPDATE) takes."""
    if database_url.startswith("sqlite"):
        connection = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            connection.execute("ROLLBACK")
            connection.close()
        return
    engine = create_engine(database_url)
    with engine.connect() as connection:
        connection.execute(text(lock), params)
        yield
        connection.rollback()
    engine.dispose()


def test_a_write_that_waited_too_long_answers_503_and_changes_nothing(impatient, database_url, workspace):
    client, _ = impatient
    native = {"Authorization": f"Bearer {workspace.api_key}"}
    bird = {"Authorization": f"AccessKey {workspace.api_key}"}
    made = client.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@busy.example"]}, headers=native)
    contact_id = made.json()["id"]

    with store_held(database_url, contact_id):
        started = time.monotonic()
        refused = client.patch(f"/v1/contacts/{contact_id}", json={"first_name": "Augusta"}, headers=native)
        waited = time.monotonic() - started
        by_bird = client.patch(f"/bird/workspaces/{workspace.workspace_id}/contacts/{contact_id}",
                               json={"attributes": {"firstName": "Augusta"}}, headers=bird)

    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert "busy" in refused.json()["error"]["message"] and "nothing was written" in refused.json()["error"]["message"]
    assert WAIT <= waited < 10
    assert by_bird.status_code == 503 and "busy" in by_bird.json()["message"]  # Bird's own envelope
    assert client.get(f"/v1/contacts/{contact_id}", headers=native).json()["first_name"] == "Ada"

    retried = client.patch(f"/v1/contacts/{contact_id}", json={"first_name": "Augusta"}, headers=native)
    assert retried.status_code == 200 and retried.json()["first_name"] == "Augusta"


def test_writers_of_one_process_give_up_waiting_too(impatient):
    """Threads of one process queue for SQLite's write lock in the process (not on the file):
    that wait is bounded the same way."""
    _, db = impatient
    holding, release = threading.Event(), threading.Event()

    def long_writer():
        with db.write():
            holding.set()
            release.wait(10)

    thread = threading.Thread(target=long_writer)
    thread.start()
    try:
        assert holding.wait(10)
        if db.is_sqlite:
            with pytest.raises(Busy), db.write():
                pass
        else:  # PostgreSQL has no single write lock: a write that needs no held row goes ahead
            with db.write():
                pass
    finally:
        release.set()
        thread.join()
    with db.write():
        pass


def test_writes_queued_behind_a_long_one_each_give_up_once_their_own_wait_is_out(impatient, workspace):
    """Creates queued for the hot route's writer (one thread on SQLite; the workspace's lock on
    PostgreSQL) count their wait from when they came: the fourth gives up after WAIT seconds as
    the first does, not after four times WAIT."""
    import asyncio

    _, db = impatient
    holding, release = threading.Event(), threading.Event()

    def long_writer():
        with db.write(workspace=workspace.workspace_id):
            holding.set()
            release.wait(10)

    def create():
        with db.write(workspace=workspace.workspace_id):
            return time.monotonic()

    async def four_creates():
        return await asyncio.gather(*(db.write_soon(create) for _ in range(4)), return_exceptions=True)

    thread = threading.Thread(target=long_writer)
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        answers = asyncio.run(four_creates())
        took = time.monotonic() - started
    finally:
        release.set()
        thread.join()
    assert all(isinstance(a, Busy) for a in answers), answers
    assert took < 2.5 * WAIT, f"four queued writes gave up after {took:.2f} s"


def test_writes_waiting_for_a_held_workspace_hold_up_no_other_workspace(impatient, workspace, db):
    """On PostgreSQL a workspace held by a long write (an import) keeps its own queued creates
    waiting, but not on the few threads every workspace's hot routes share: another workspace's
    create and read go through at once."""
    import asyncio

    from contacthub.core import workspaces as workspace_service

    _, store = impatient
    if store.is_sqlite:
        pytest.skip("SQLite has one writer for every workspace")
    with store.write() as session:
        other = workspace_service.create_workspace(session, "other").workspace_id
    holding, release = threading.Event(), threading.Event()

    def long_writer():
        with store.write(workspace=workspace.workspace_id):
            holding.set()
            release.wait(10)

    def write_in(ws):
        def work():
            with store.write(workspace=ws):
                return time.monotonic()
        return work

    async def burst():
        held = [asyncio.ensure_future(store.write_soon(write_in(workspace.workspace_id))) for _ in range(6)]
        await asyncio.sleep(0.2)  # the held workspace's writes are queued first
        started = time.monotonic()
        other_write = await store.write_soon(write_in(other))
        other_read = await store.read_soon(lambda session: time.monotonic())
        waited = max(other_write, other_read) - started
        release.set()
        return waited, await asyncio.gather(*held, return_exceptions=True)

    thread = threading.Thread(target=long_writer)
    thread.start()
    try:
        assert holding.wait(10)
        waited, held = asyncio.run(burst())
    finally:
        release.set()
        thread.join()
    assert waited < WAIT / 2, f"another workspace waited {waited:.2f} s behind a held one"
    assert all(isinstance(done, (float, Busy)) for done in held), held  # written once free, or gave up


def test_a_create_waits_for_a_short_write_of_another_process(database_url, workspace):
    """A create while another process writes for less than the wait: it waits its turn and
    then succeeds."""
    db = Database(database_url, write_wait_seconds=10)
    client = TestClient(create_app(Settings(database_url=database_url, write_wait_seconds=10), db))
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    made = client.post("/v1/contacts", json={"first_name": "Grace"}).json()
    answers = []
    try:
        with store_held(database_url, made["id"]):
            creator = threading.Thread(target=lambda: answers.append(
                client.post("/v1/contacts", json={"first_name": "Alan", "emails": ["alan@wait.example"]})))
            creator.start()
            time.sleep(0.4)
        creator.join(15)
        assert answers and answers[0].status_code == 201, answers[0].text if answers else "no answer"
        found = client.get("/v1/contacts", params={"email": "alan@wait.example"}).json()["data"]
        assert [c["first_name"] for c in found] == ["Alan"]
    finally:
        db.dispose()


def test_a_write_may_ask_to_wait_less_and_the_next_write_waits_as_usual(database_url, workspace):
    """`Database.write(wait_seconds=…)` (the change feed's polls) gives up sooner; the writes after
    it, on the same connection, wait the usual time again."""
    db = Database(database_url, write_wait_seconds=1.5)
    try:
        with store_held_for_the_feed(database_url, workspace.workspace_id):
            for wait, least, most in ((0.2, 0.15, 1.0), (None, 1.4, 3.0)):
                started = time.monotonic()
                with pytest.raises(Busy):
                    with db.write(wait_seconds=wait) as session:  # SQLite waits at the BEGIN of its first statement
                        session.execute(text("SELECT 1" if db.is_sqlite else "SELECT last_seq FROM event_sequences "
                                             "WHERE workspace_id = :ws FOR UPDATE"), {"ws": workspace.workspace_id})
                assert least <= time.monotonic() - started < most, wait
    finally:
        db.dispose()


def store_held_for_the_feed(database_url: str, workspace_id):
    """Another process's writer: on SQLite the one write lock, on PostgreSQL the workspace's
    last-number row of the change feed (which it first makes, so there is one to hold)."""
    if not database_url.startswith("sqlite"):
        engine = create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO event_sequences (workspace_id, last_seq) VALUES (:ws, 0) "
                                    "ON CONFLICT DO NOTHING"), {"ws": workspace_id})
        engine.dispose()
    return held_elsewhere(database_url, "SELECT last_seq FROM event_sequences WHERE workspace_id = :ws FOR UPDATE",
                          {"ws": workspace_id})


def test_a_full_disk_is_507_in_each_door_and_reads_go_on(tmp_path):
    """A store with no room left answered 500 "internal_error" to every write; it is 507 with
    Retry-After, in the door's own envelope, nothing written, and reads carry on."""
    from sqlalchemy import event

    from contacthub.core import workspaces
    from contacthub.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'small.db'}"
    upgrade(url)
    pages = sqlite3.connect(tmp_path / "small.db").execute("PRAGMA page_count").fetchone()[0]
    db = Database(url)
    with db.write() as session:
        key = workspaces.create_workspace(session, "small")
    event.listen(db.write_engine, "connect",  # the file may grow by a few pages only: then it is full
                 lambda connection, _: connection.execute(f"PRAGMA max_page_count={pages + 12}"))
    db.write_engine.dispose()
    client = TestClient(create_app(Settings(database_url=url), db))
    native = {"Authorization": f"Bearer {key.api_key}"}
    made = []
    for i in range(200):
        answer = client.post("/v1/contacts", headers=native,
                             json={"first_name": f"P{i}", "notes": "n" * 3000, "emails": [f"p{i}@full.example"]})
        if answer.status_code != 201:
            break
        made.append(answer.json()["id"])
    assert made and answer.status_code == 507, (len(made), answer.text)
    assert answer.json()["error"]["type"] == "insufficient_storage" and answer.headers["Retry-After"] == "60"
    van = client.post("/ngpvan/v2/contacts", headers={"apiKey": key.api_key},
                      json={"type": "INDIVIDUAL", "firstName": "Full", "lastName": "Disk",
                            "emails": [{"address": "full@disk.example"}], "occupation": "o" * 50})
    assert van.status_code == 507 and van.json()["errors"][0]["code"] == "INSUFFICIENT_STORAGE"
    listed = client.get("/v1/contacts", headers=native, params={"limit": 200})
    assert listed.status_code == 200 and [c["id"] for c in listed.json()["data"]] == made
    db.dispose()


def test_a_read_only_store_is_503_in_each_door_and_reads_go_on(tmp_path):
    """A SQLite file this process may not write (a read-only mount, the wrong owner) answered
    500 "internal_error" to every write; it is 503 in the door's own envelope (native type
    `read_only`: waiting will not help), nothing written, and reads carry on."""
    from contacthub.core import workspaces
    from contacthub.db.migrate import upgrade

    path = tmp_path / "ro.db"
    upgrade(f"sqlite:///{path}")
    writable = Database(f"sqlite:///{path}")
    with writable.write() as session:
        key = workspaces.create_workspace(session, "ro")
    writable.dispose()
    url = f"sqlite:///file:{path}?mode=ro&uri=true"  # as a file the user may not write is opened
    db = Database(url)
    client = TestClient(create_app(Settings(database_url=url), db))
    answer = client.post("/v1/contacts", headers={"Authorization": f"Bearer {key.api_key}"}, json={"first_name": "A"})
    assert answer.status_code == 503 and answer.json()["error"]["type"] == "read_only", answer.text
    px = client.post("/packagex/v1/contacts", headers={"PX-API-KEY": key.api_key}, json={"name": "A"})
    assert px.status_code == 503 and "read-only" in px.json()["message"]
    bird = client.post(f"/bird/workspaces/{key.workspace_id}/contacts", headers={"Authorization": f"AccessKey {key.api_key}"},
                       json={"displayName": "A"})
    assert bird.status_code == 503, bird.text
    listed = client.get("/v1/contacts", headers={"Authorization": f"Bearer {key.api_key}"})
    assert listed.status_code == 200 and listed.json()["data"] == []
    db.dispose()
