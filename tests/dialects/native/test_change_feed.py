"""GET /v1/changes: every change to the workspace, in the order it became visible, handed out
once to a client that passes back the `next_since` it was given."""

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.db.engine import Database
from contacthub.settings import Settings
from tests.dialects.native.test_busy_store import held_elsewhere


def _drain(api, since: int = 0, limit: int | None = None) -> tuple[list[dict], int]:
    """Every change after `since`, page by page, and the `since` to ask with next."""
    seen = []
    while True:
        params = {"since": since} | ({"limit": limit} if limit else {})
        page = api.get("/v1/changes", params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += body["data"]
        since = body["next_since"]
        if not body["has_more"]:
            return seen, since


def test_the_feed_hands_out_each_change_once_in_order(api):
    ada = api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@feed.example"]}).json()
    api.patch(f"/v1/contacts/{ada['id']}", json={"last_name": "Lovelace"})
    grace = api.post("/v1/contacts", json={"first_name": "Grace"}).json()
    api.delete(f"/v1/contacts/{grace['id']}")

    changes, since = _drain(api)
    assert [(c["subject_id"], c["action"]) for c in changes] == [
        (ada["id"], "created"), (ada["id"], "updated"), (grace["id"], "created"), (grace["id"], "deleted")]
    assert [c["seq"] for c in changes] == [1, 2, 3, 4] and since == 4
    assert changes[1]["changes"] == {"last_name": [None, "Lovelace"]}
    assert changes[0]["door"] == "native"

    # nothing new: the same point again, and nothing handed out twice
    again = api.get("/v1/changes", params={"since": since}).json()
    assert again == {"data": [], "next_since": 4, "has_more": False}

    api.patch(f"/v1/contacts/{ada['id']}", json={"title": "Analyst"})
    later = api.get("/v1/changes", params={"since": since}).json()
    assert [(c["seq"], c["action"], c["changes"]) for c in later["data"]] == [(5, "updated", {"title": [None, "Analyst"]})]
    assert later["next_since"] == 5

    # the history is unchanged by being read: the same events, now all numbered
    history = api.get("/v1/events").json()["data"]
    assert [e["id"] for e in history] == [c["id"] for c in changes + later["data"]]


def test_pages_of_the_feed_cover_everything_once(api):
    for i in range(7):
        api.post("/v1/contacts", json={"first_name": f"P{i}", "emails": [f"p{i}@pages.example"]})
    first = api.get("/v1/changes", params={"limit": 3}).json()
    assert [c["seq"] for c in first["data"]] == [1, 2, 3] and first["has_more"] is True
    rest, since = _drain(api, first["next_since"], limit=3)
    assert [c["seq"] for c in rest] == [4, 5, 6, 7] and since == 7


def test_a_point_past_the_end_is_refused_and_a_negative_one_too(api):
    api.post("/v1/contacts", json={"first_name": "Only"})
    past = api.get("/v1/changes", params={"since": 9})
    assert past.status_code == 422
    error = past.json()["error"]
    assert error["details"][0]["field"] == "since" and "1" in error["details"][0]["message"]
    assert api.get("/v1/changes", params={"since": -1}).status_code == 422
    assert api.get("/v1/changes", params={"since": "soon"}).status_code == 422
    assert api.get("/v1/changes", params={"since": 1}).json()["data"] == []


def test_an_import_s_contacts_come_through_the_feed(api, db, settings):
    from tests.dialects.native.test_imports import run_jobs

    api.post("/v1/contacts", json={"first_name": "Before"})
    _, since = _drain(api)
    content = b"Name,Email\nImported One,one@import.example\nImported Two,two@import.example\n"
    assert api.post("/v1/imports", files={"file": ("people.csv", content, "text/csv")}).status_code == 202
    run_jobs(db, settings)
    changes, _ = _drain(api, since)
    made = {c["subject_id"] for c in changes if c["action"] == "created"}
    listed = {c["id"] for c in api.get("/v1/contacts", params={"q": "imported"}).json()["data"]}
    assert len(made) == 2 and made == listed


def test_each_workspace_has_its_own_feed(api, client, db):
    from contacthub.core import workspaces

    with db.write() as session:
        other = workspaces.create_workspace(session, "feed-other")
    other_headers = {"Authorization": f"Bearer {other.api_key}"}
    api.post("/v1/contacts", json={"first_name": "Mine"})
    client.post("/v1/contacts", json={"first_name": "Theirs"}, headers=other_headers)
    mine, _ = _drain(api)
    theirs = client.get("/v1/changes", headers=other_headers).json()["data"]
    assert [c["seq"] for c in mine] == [1] and [c["seq"] for c in theirs] == [1]
    assert {c["subject_id"] for c in mine}.isdisjoint({c["subject_id"] for c in theirs})


def test_a_read_only_key_follows_the_feed(api, client, read_only_key):
    api.post("/v1/contacts", json={"first_name": "Watched"})
    got = client.get("/v1/changes", headers={"Authorization": f"Bearer {read_only_key}"})
    assert got.status_code == 200 and [c["action"] for c in got.json()["data"]] == ["created"]


def test_a_poller_during_concurrent_writes_gets_every_change_exactly_once(live_server, workspace):
    headers = {"Authorization": f"Bearer {workspace.api_key}"}
    seen: list[dict] = []

    def write(i):
        with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
            made = client.post("/v1/contacts", json={"first_name": f"W{i}", "emails": [f"w{i}@race.example"]})
            client.patch(f"/v1/contacts/{made.json()['id']}", json={"notes": "seen"})

    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as poller, ThreadPoolExecutor(8) as pool:
        writes = [pool.submit(write, i) for i in range(40)]
        since = 0
        while not all(w.done() for w in writes):
            body = poller.get("/v1/changes", params={"since": since, "limit": 5}).json()
            seen += body["data"]
            since = body["next_since"]
        for w in writes:
            w.result()
        tail, _ = _drain(poller, since)
    seen += tail
    assert [c["seq"] for c in seen] == list(range(1, 81))
    with httpx.Client(base_url=live_server, headers=headers, timeout=30) as client:
        history, cursor = [], None
        while True:
            page = client.get("/v1/events", params={"limit": 100} | ({"cursor": cursor} if cursor else {})).json()
            history += page["data"]
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert sorted(c["id"] for c in seen) == sorted(e["id"] for e in history)


def feed_numbering_held(database_url: str, workspace_id):
    """Another process holding what numbering the feed needs: on SQLite the write lock (as an
    import does), on PostgreSQL the workspace's last-number row."""
    return held_elsewhere(database_url, "SELECT last_seq FROM event_sequences WHERE workspace_id = :ws FOR UPDATE",
                          {"ws": workspace_id})


def test_a_poll_answers_while_a_writer_holds_the_store(database_url, workspace):
    db = Database(database_url, write_wait_seconds=5)
    api = TestClient(create_app(Settings(database_url=database_url, write_wait_seconds=5), db))
    api.headers["Authorization"] = f"Bearer {workspace.api_key}"
    try:
        api.post("/v1/contacts", json={"first_name": "Seen"})
        _, since = _drain(api)
        with feed_numbering_held(database_url, workspace.workspace_id):
            started = time.monotonic()
            idle = api.get("/v1/changes", params={"since": since})
            assert idle.status_code == 200 and idle.json()["data"] == [] and time.monotonic() - started < 0.4
        api.post("/v1/contacts", json={"first_name": "Waiting"})  # committed, not numbered yet
        with feed_numbering_held(database_url, workspace.workspace_id):
            # numbering it needs the store: after a short wait the poll answers what is numbered
            # (nothing new), and not to ask again at once
            started = time.monotonic()
            busy = api.get("/v1/changes", params={"since": since})
            waited = time.monotonic() - started
            assert busy.status_code == 200, busy.text
            assert busy.json() == {"data": [], "next_since": since, "has_more": False}
            assert 0.4 <= waited < 0.5 + 0.4  # POLL_WAIT_SECONDS, not the write wait of the server
        later, _ = _drain(api, since)
        assert [c["changes"]["first_name"] for c in later] == ["Waiting"]  # it kept its turn
    finally:
        db.dispose()
