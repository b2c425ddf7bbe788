"""/v1/webhooks: the change feed sent to a receiver as it grows, signed (checked here with the
Standard Webhooks library a receiver would use), in order, again after a failure."""

import http.server
import json
import logging
import threading
import time
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from standardwebhooks.webhooks import Webhook as Verifier

from contacthub.app import create_app
from contacthub.core import webhook_delivery
from contacthub.db.models import IdempotencyRecord, Webhook
from contacthub.db.types import utcnow
from contacthub.dialects.native.schemas import webhook_body
from contacthub.repositories import webhooks as webhook_repo
from contacthub.settings import Settings


class Receiver:
    """An HTTP server on a loopback port that keeps what it is sent and answers `status`."""

    def __init__(self):
        self.received: list[tuple[dict, bytes]] = []
        self.status = 200
        self.delay = 0.0  # seconds before it answers
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                time.sleep(receiver.delay)
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _, body in self.received]


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture(autouse=True)
def only_this_test_s_webhooks(db):
    """A round of deliveries looks at every workspace's webhooks: those other tests made (in this
    worker's database) are removed before and after each test, so a round counts only its own."""
    def clear():
        with db.write() as session:
            session.execute(delete(Webhook))

    clear()
    yield
    clear()


@pytest.fixture
def local_settings(database_url) -> Settings:
    """Settings that let a webhook point at a loopback receiver."""
    return Settings(database_url=database_url, webhook_allow_private_urls=True)


@pytest.fixture
def hooks_api(db, local_settings, workspace) -> TestClient:
    client = TestClient(create_app(local_settings, db))
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    return client


def deliver(db, settings) -> int:
    """One round of what the sender thread of `serve` does."""
    return webhook_delivery.deliver_due(db, settings, webhook_body)


def test_a_webhook_is_sent_the_changes_in_order_and_signed(hooks_api, db, local_settings, receiver):
    made = hooks_api.post("/v1/webhooks", json={"url": receiver.url, "description": "mirror"})
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_") and hook["active"] is True and hook["failures"] == 0
    ada = hooks_api.post("/v1/contacts", json={"first_name": "Ada", "emails": ["ada@hooks.example"]}).json()
    hooks_api.patch(f"/v1/contacts/{ada['id']}", json={"last_name": "Lovelace"})

    assert deliver(db, local_settings) == 1
    (headers, body), = receiver.received
    verified = Verifier(hook["secret"]).verify(body, headers)  # raises if the signature is wrong
    assert verified["webhook_id"] == hook["id"]
    assert [(c["subject_type"], c["action"]) for c in verified["data"]] == [
        ("webhook", "created"), ("contact", "created"), ("contact", "updated")]
    assert verified["data"][1]["subject_id"] == ada["id"]
    assert verified["data"][2]["changes"] == {"last_name": [None, "Lovelace"]}
    # a page of the feed, as GET /v1/changes hands it out
    seqs = [c["seq"] for c in verified["data"]]
    assert seqs == sorted(seqs) and verified["next_since"] == seqs[-1]
    assert headers["content-type"] == "application/json" and abs(int(headers["webhook-timestamp"]) - time.time()) < 60

    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["delivered_seq"] == seqs[-1] and state["last_error"] is None and "secret" not in state
    assert deliver(db, local_settings) == 0 and len(receiver.received) == 1  # nothing twice

    hooks_api.delete(f"/v1/contacts/{ada['id']}")
    assert deliver(db, local_settings) == 1
    later = receiver.bodies()[1]["data"]
    assert [(c["action"], c["seq"]) for c in later] == [("deleted", seqs[-1] + 1)]


def test_a_batch_the_receiver_refused_is_sent_again_whole_before_anything_newer(hooks_api, db, local_settings,
                                                                                 receiver, workspace):
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    hooks_api.post("/v1/contacts", json={"first_name": "First"})
    receiver.status = 503
    assert deliver(db, local_settings) == 1
    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["failures"] == 1 and state["last_error"] == "the receiver answered HTTP 503"
    assert state["delivered_seq"] == 0 + hook["delivered_seq"]
    assert state["next_attempt_at"] is not None
    # it waits out its backoff: a round now sends nothing
    hooks_api.post("/v1/contacts", json={"first_name": "Second"})
    assert deliver(db, local_settings) == 0 and len(receiver.received) == 1

    with db.write() as session:  # the backoff has passed
        webhook_repo.set_columns(session, workspace.workspace_id, _uuid(hook["id"]),
                                 next_attempt_at=utcnow() - timedelta(seconds=1))
    receiver.status = 200
    assert deliver(db, local_settings) == 1
    (failed_headers, failed), (again_headers, again) = receiver.received
    assert again_headers["webhook-id"] == failed_headers["webhook-id"]
    assert json.loads(again)["data"] == json.loads(failed)["data"]  # the same batch, not "Second" too
    assert deliver(db, local_settings) == 1
    newer = receiver.bodies()[2]["data"]
    assert [c["changes"].get("first_name") for c in newer] == ["Second"]
    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["failures"] == 0 and state["last_error"] is None and state["next_attempt_at"] is None


def test_an_unreachable_receiver_is_recorded_and_turning_it_on_again_tries_at_once(hooks_api, db, local_settings,
                                                                                     receiver):
    closed = Receiver()
    closed.server.shutdown()
    closed.server.server_close()
    hook = hooks_api.post("/v1/webhooks", json={"url": closed.url}).json()
    assert deliver(db, local_settings) == 1
    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["failures"] == 1 and state["last_error"] == "could not be sent: ConnectError"

    off = hooks_api.patch(f"/v1/webhooks/{hook['id']}", json={"active": False, "url": receiver.url})
    assert off.status_code == 200 and off.json()["active"] is False and off.json()["url"] == receiver.url
    assert deliver(db, local_settings) == 0  # off: not sent
    on = hooks_api.patch(f"/v1/webhooks/{hook['id']}", json={"active": True}).json()
    assert on["failures"] == 0 and on["next_attempt_at"] is None and on["last_error"] is None
    assert deliver(db, local_settings) == 1  # the batch that failed, as it was
    assert [c["action"] for c in receiver.bodies()[0]["data"]] == ["created"]
    assert deliver(db, local_settings) == 1  # then what came after it: the webhook's own history
    assert [c["changes"] for c in receiver.bodies()[1]["data"]] == [
        {"active": [True, False], "url": [closed.url.removesuffix("hooks") + "…", receiver.url.removesuffix("hooks") + "…"]},
        {"active": [False, True]}]


def test_the_history_names_a_webhooks_url_by_its_origin_alone(hooks_api, db, local_settings, receiver):
    """A URL's path or query may be the receiver's token (a chat service's incoming hook): the
    feed carried it whole, to every other receiver of the workspace."""
    secret_url = "https://hooks.example.com/services/T0001/B0002/s3cr3tt0ken?key=abc"
    hooks_api.post("/v1/webhooks", json={"url": receiver.url})
    other = hooks_api.post("/v1/webhooks", json={"url": secret_url})
    assert other.status_code == 201, other.text
    hooks_api.patch(f"/v1/webhooks/{other.json()['id']}", json={"url": secret_url.replace("abc", "xyz")})
    hooks_api.delete(f"/v1/webhooks/{other.json()['id']}")
    feed = hooks_api.get("/v1/changes").text
    assert "s3cr3tt0ken" not in feed and "key=" not in feed and "https://hooks.example.com/…" in feed
    deliver(db, local_settings)
    sent = str(receiver.bodies())
    assert "s3cr3tt0ken" not in sent and "https://hooks.example.com/…" in sent


def test_since_zero_replays_the_whole_feed_and_each_workspace_sends_its_own(hooks_api, db, local_settings, receiver):
    from contacthub.core import workspaces

    hooks_api.post("/v1/contacts", json={"first_name": "Old"})
    with db.write() as session:
        other = workspaces.create_workspace(session, "hooks-other")
    other_api = TestClient(create_app(local_settings, db))
    other_api.headers["Authorization"] = f"Bearer {other.api_key}"
    other_api.post("/v1/contacts", json={"first_name": "Theirs"})

    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url, "since": 0}).json()
    assert hook["delivered_seq"] == 0
    deliver(db, local_settings)
    mine = [b for b in receiver.bodies() if b["webhook_id"] == hook["id"]]
    sent = [c for b in mine for c in b["data"]]
    assert [c["seq"] for c in sent] == [1, 2]
    assert sent[0]["changes"]["first_name"] == "Old" and sent[1]["subject_type"] == "webhook"


def test_bad_webhooks_are_refused_in_the_native_envelope(api, hooks_api, read_only_key, client):
    scheme = api.post("/v1/webhooks", json={"url": "ftp://example.com/hooks"})
    assert scheme.status_code == 422
    assert scheme.json()["error"]["details"] == [{"field": "url", "message": "only http and https URLs can receive webhooks"}]
    for port in (0, 99999):  # refused before any lookup, private targets allowed or not
        for client_api in (api, hooks_api):
            bad_port = client_api.post("/v1/webhooks", json={"url": f"http://93.184.216.34:{port}/x"})
            assert bad_port.status_code == 422, bad_port.text
            assert bad_port.json()["error"]["details"][0]["field"] == "url"
    private = api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hooks"})  # the default settings
    assert private.status_code == 422 and "private or local address" in private.json()["error"]["details"][0]["message"]
    assert api.post("/v1/webhooks", json={"url": "https://example.com/h", "since": 10**6}).status_code == 422
    assert api.post("/v1/webhooks", json={"url": "https://example.com/h", "events": ["x"]}).status_code == 422
    assert api.get("/v1/webhooks/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.patch("/v1/webhooks/nope", json={"active": False}).status_code == 404
    assert api.get("/v1/webhooks").json()["data"] == []  # nothing refused was stored
    read_only = client.post("/v1/webhooks", json={"url": "https://example.com/h"},
                            headers={"Authorization": f"Bearer {read_only_key}"})
    assert read_only.status_code == 403


def test_a_deleted_webhook_is_gone_and_sent_nothing(hooks_api, db, local_settings, receiver):
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    assert [w["id"] for w in hooks_api.get("/v1/webhooks").json()["data"]] == [hook["id"]]
    assert hooks_api.delete(f"/v1/webhooks/{hook['id']}").status_code == 204
    assert hooks_api.get(f"/v1/webhooks/{hook['id']}").status_code == 404
    hooks_api.post("/v1/contacts", json={"first_name": "Unseen"})
    deliver(db, local_settings)
    assert receiver.received == []


def test_serve_sends_webhooks_from_a_thread_of_its_own(hooks_api, local_settings, receiver):
    from contacthub.cli import serve as cli_module

    hooks_api.post("/v1/webhooks", json={"url": receiver.url})
    made = hooks_api.post("/v1/contacts", json={"first_name": "Served"}).json()
    stop = cli_module._start_webhook_worker(local_settings, poll_seconds=0.05)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not any(
                c["subject_id"] == made["id"] for b in receiver.bodies() for c in b["data"]):
            time.sleep(0.05)
    finally:
        stop.set()
    assert any(c["subject_id"] == made["id"] for b in receiver.bodies() for c in b["data"])


def _uuid(text: str):
    import uuid

    return uuid.UUID(text)


def test_another_workspace_s_webhook_is_not_found_and_stays_as_it_was(hooks_api, db, local_settings, receiver):
    from contacthub.core import workspaces

    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    with db.write() as session:
        other = workspaces.create_workspace(session, "hooks-intruder")
    intruder = TestClient(create_app(local_settings, db))
    intruder.headers["Authorization"] = f"Bearer {other.api_key}"
    path = f"/v1/webhooks/{hook['id']}"
    assert intruder.get(path).status_code == 404
    assert intruder.patch(path, json={"url": "http://127.0.0.1:1/stolen"}).status_code == 404
    assert intruder.delete(path).status_code == 404
    assert intruder.get("/v1/webhooks").json()["data"] == []
    assert hooks_api.get(path).json()["url"] == receiver.url


def test_malformed_webhook_bodies_are_refused(hooks_api):
    broken = hooks_api.post("/v1/webhooks", content=b'{"url": ', headers={"Content-Type": "application/json"})
    assert broken.status_code in (400, 422) and "error" in broken.json()
    assert hooks_api.post("/v1/webhooks", json={"url": 5}).status_code == 422
    assert hooks_api.post("/v1/webhooks", json={"url": "https://example.com/" + "x" * 2100}).status_code == 422
    made = hooks_api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}).json()
    assert hooks_api.patch(f"/v1/webhooks/{made['id']}", json={"active": None}).status_code == 422
    assert hooks_api.patch(f"/v1/webhooks/{made['id']}", json={"url": None}).status_code == 422
    assert hooks_api.patch(f"/v1/webhooks/{made['id']}", json={"active": "maybe"}).status_code == 422
    assert hooks_api.get(f"/v1/webhooks/{made['id']}").json()["active"] is True


def test_two_senders_at_once_send_a_batch_once(hooks_api, db, local_settings, receiver):
    """What keeps several serving processes from sending one webhook's batches side by side: the
    lease. The second sender finds the webhook held while the first waits for the receiver."""
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    receiver.delay = 0.5
    results = []
    senders = [threading.Thread(target=lambda: results.append(deliver(db, local_settings))) for _ in range(2)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    assert sorted(results) == [0, 1] and len(receiver.received) == 1
    assert receiver.bodies()[0]["webhook_id"] == hook["id"]


def test_a_webhook_is_sent_only_the_changes_it_names(hooks_api, db, local_settings, receiver):
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url, "events": ["contact.created", "list.*"]}).json()
    assert hook["events"] == ["contact.created", "list.*"]
    ada = hooks_api.post("/v1/contacts", json={"first_name": "Ada"}).json()
    hooks_api.patch(f"/v1/contacts/{ada['id']}", json={"notes": "not sent"})
    hooks_api.post("/v1/lists", json={"name": "VIP"})
    while deliver(db, local_settings):
        pass
    sent = [(c["subject_type"], c["action"]) for b in receiver.bodies() for c in b["data"]]
    assert sent == [("contact", "created"), ("list", "created")]

    # changes it is not sent are passed over without a request, and its place moves past them
    posts = len(receiver.received)
    hooks_api.patch(f"/v1/contacts/{ada['id']}", json={"notes": "still not sent"})
    assert deliver(db, local_settings) == 1 and len(receiver.received) == posts
    _, end = _feed_end(hooks_api)
    assert hooks_api.get(f"/v1/webhooks/{hook['id']}").json()["delivered_seq"] == end

    changed = hooks_api.patch(f"/v1/webhooks/{hook['id']}", json={"events": ["contact.*"]})
    assert changed.status_code == 200 and changed.json()["events"] == ["contact.*"]
    hooks_api.delete(f"/v1/contacts/{ada['id']}")
    while deliver(db, local_settings):
        pass
    assert [c["action"] for c in receiver.bodies()[-1]["data"]] == ["deleted"]


def test_a_webhook_id_never_names_two_different_batches_when_the_events_change_meanwhile(
        hooks_api, db, database_url, receiver, workspace):
    """A batch (of 4 changes of the feed) refused under `contact.created`, the webhook then told
    `*`: the batch waiting is chosen anew (the changes it now names are sent, not skipped) and
    goes under an id of its own; it went under the first one's, so a receiver dropping repeats
    by id dropped it."""
    settings = Settings(database_url=database_url, webhook_allow_private_urls=True, webhook_batch_size=4)
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url, "events": ["contact.created"]}).json()
    ids = [hooks_api.post("/v1/contacts", json={"first_name": name}).json()["id"] for name in ("Ann", "Bob")]
    vip = hooks_api.post("/v1/lists", json={"name": "VIP"}).json()["id"]
    hooks_api.post(f"/v1/lists/{vip}/contacts", json={"contact_ids": ids})
    receiver.status = 500
    assert deliver(db, settings) == 1
    assert [c["action"] for c in receiver.bodies()[0]["data"]] == ["created", "created"]

    assert hooks_api.patch(f"/v1/webhooks/{hook['id']}", json={"events": ["*"]}).status_code == 200
    receiver.status = 200
    with db.write() as session:  # the backoff has passed
        webhook_repo.set_columns(session, workspace.workspace_id, _uuid(hook["id"]),
                                 next_attempt_at=utcnow() - timedelta(seconds=1))
    while deliver(db, settings):
        pass
    (refused_headers, _), (taken_headers, taken), *_ = receiver.received
    assert [(c["subject_type"], c["action"]) for c in json.loads(taken)["data"]] == [
        ("webhook", "created"), ("contact", "created"), ("contact", "created"), ("list", "created")]
    assert taken_headers["webhook-id"] != refused_headers["webhook-id"]
    # across everything it was sent, one id, one content; and every change, once taken
    contents: dict[str, list] = {}
    for headers, body in receiver.received:
        assert contents.setdefault(headers["webhook-id"], json.loads(body)["data"]) == json.loads(body)["data"]
    taken_all = [c["seq"] for b in receiver.bodies()[1:] for c in b["data"]]
    assert taken_all == sorted(set(taken_all)) and len(taken_all) == 7


def test_change_types_a_webhook_cannot_name_are_refused(hooks_api):
    bad = hooks_api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h",
                                               "events": ["contact", "person.created", "contact.Created", "*",
                                                          "contact.bogus", "list.merged", "contact.erased"]})
    assert bad.status_code == 422
    fields = [d["field"] for d in bad.json()["error"]["details"]]
    assert fields == ["events[0]", "events[1]", "events[2]", "events[4]", "events[5]"]  # an action that never happens too
    assert "one of contact, list" in bad.json()["error"]["details"][1]["message"]
    assert "one of created, updated, deleted, merged" in bad.json()["error"]["details"][3]["message"]
    # a URL refused and events refused are both named at once
    both = hooks_api.post("/v1/webhooks", json={"url": "ftp://example.com/h", "events": ["contact.bogus"]})
    assert [d["field"] for d in both.json()["error"]["details"]] == ["url", "events[0]"]
    assert hooks_api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h", "events": []}).status_code == 422
    assert hooks_api.get("/v1/webhooks").json()["data"] == []
    made = hooks_api.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/h"}).json()
    assert made["events"] == ["*"]
    assert hooks_api.patch(f"/v1/webhooks/{made['id']}", json={"events": ["nope"]}).status_code == 422
    assert hooks_api.patch(f"/v1/webhooks/{made['id']}", json={"events": None}).status_code == 422
    assert hooks_api.get(f"/v1/webhooks/{made['id']}").json()["events"] == ["*"]


def _feed_end(api) -> tuple[list, int]:
    """Where the workspace's feed ends now (reading it numbers what waits)."""
    since, seen = 0, []
    while True:
        body = api.get("/v1/changes", params={"since": since, "limit": 200}).json()
        seen += body["data"]
        since = body["next_since"]
        if not body["has_more"]:
            return seen, since


def test_a_webhook_failing_for_days_is_turned_off_and_says_so(hooks_api, db, local_settings, receiver, workspace):
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    receiver.status = 500
    assert deliver(db, local_settings) == 1
    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["active"] is True and state["failing_since"] is not None
    with db.write() as session:  # it has been failing for three days, and its wait is over
        webhook_repo.set_columns(session, workspace.workspace_id, _uuid(hook["id"]),
                                 failing_since=utcnow() - timedelta(hours=72, minutes=1),
                                 next_attempt_at=utcnow() - timedelta(seconds=1))
    assert deliver(db, local_settings) == 1
    state = hooks_api.get(f"/v1/webhooks/{hook['id']}").json()
    assert state["active"] is False and state["failures"] == 2
    assert state["last_error"] == "the receiver answered HTTP 500 (turned off after 72 hours of failures)"
    assert state["next_attempt_at"] is None  # (it said a next try, which never comes while it is off)
    assert deliver(db, local_settings) == 0 and len(receiver.received) == 2
    changes = hooks_api.get("/v1/changes").json()["data"]
    assert (changes[-1]["subject_id"], changes[-1]["changes"]) == (hook["id"], {"active": [True, False]})
    assert changes[-1]["door"] == "webhook"

    receiver.status = 200
    on = hooks_api.patch(f"/v1/webhooks/{hook['id']}", json={"active": True}).json()
    assert on["failing_since"] is None and on["failures"] == 0
    assert deliver(db, local_settings) == 1
    assert [c["action"] for c in receiver.bodies()[-1]["data"]] == ["created"]  # the batch that failed, at last


def test_failed_deliveries_and_a_webhook_turned_off_are_warnings_naming_it(hooks_api, db, local_settings, receiver,
                                                                           workspace, caplog):
    """Failures were logged at info, below what serve logs: a receiver down for days went unseen."""
    receiver.status = 503
    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url + "/secret-token"}).json()
    with caplog.at_level(logging.WARNING, logger="contacthub.webhooks"):
        assert deliver(db, local_settings) == 1
        with db.write() as session:  # failing for three days, its wait over
            webhook_repo.set_columns(session, workspace.workspace_id, _uuid(hook["id"]),
                                     failing_since=utcnow() - timedelta(hours=72, minutes=1),
                                     next_attempt_at=utcnow() - timedelta(seconds=1))
        assert deliver(db, local_settings) == 1
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "contacthub.webhooks"]
    where = f"webhook {hook['id']} of workspace {workspace.workspace_id}"
    assert said == [
        ("WARNING", f"{where}: the receiver answered HTTP 503 (failure 1 in a row; next try in 5 s)"),
        ("WARNING", f"{where}: the receiver answered HTTP 503 (failure 2 in a row; no more tries)"),
        ("WARNING", f"{where} turned off: its deliveries have failed for 72 hours"),
    ], said
    assert "secret-token" not in caplog.text  # a receiver's URL may hold a token: never logged


def test_a_rotated_secret_signs_what_is_sent_from_then_on(hooks_api, client, db, local_settings, receiver,
                                                           read_only_key):
    from standardwebhooks.webhooks import WebhookVerificationError

    hook = hooks_api.post("/v1/webhooks", json={"url": receiver.url}).json()
    rotated = hooks_api.post(f"/v1/webhooks/{hook['id']}/rotate-secret")
    assert rotated.status_code == 200
    secret = rotated.json()["secret"]
    assert secret.startswith("whsec_") and secret != hook["secret"]
    assert rotated.json()["delivered_seq"] == hook["delivered_seq"]  # its place in the feed is kept
    assert "secret" not in hooks_api.get(f"/v1/webhooks/{hook['id']}").json()

    assert deliver(db, local_settings) == 1
    (headers, body), = receiver.received
    Verifier(secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Verifier(hook["secret"]).verify(body, headers)
    changes = json.loads(body)["data"]
    assert changes[-1]["changes"] == {"secret": ["…", "…"]}  # recorded, never shown
    assert hook["secret"] not in body.decode() and secret not in body.decode()

    assert hooks_api.post("/v1/webhooks/00000000-0000-0000-0000-000000000000/rotate-secret").status_code == 404
    read_only = client.post(f"/v1/webhooks/{hook['id']}/rotate-secret",
                            headers={"Authorization": f"Bearer {read_only_key}"})
    assert read_only.status_code == 403


def test_a_repeated_idempotency_key_never_answers_a_secret_again(hooks_api, db, receiver):
    """A secret is shown once: a retried create or rotation answers `secret: null`, and a
    rotation retried under an older key does not bring back the secret it replaced."""
    made = hooks_api.post("/v1/webhooks", json={"url": receiver.url}, headers={"Idempotency-Key": "hook-1"})
    again = hooks_api.post("/v1/webhooks", json={"url": receiver.url}, headers={"Idempotency-Key": "hook-1"})
    assert made.json()["secret"].startswith("whsec_")
    assert again.status_code == 201 and again.json() == made.json() | {"secret": None}
    path = f"/v1/webhooks/{made.json()['id']}/rotate-secret"
    first = hooks_api.post(path, headers={"Idempotency-Key": "rot-1"}).json()
    second = hooks_api.post(path, headers={"Idempotency-Key": "rot-2"}).json()
    assert first["secret"] != second["secret"]
    assert hooks_api.post(path, headers={"Idempotency-Key": "rot-1"}).json()["secret"] is None
    with db.read() as session:
        stored = session.scalars(select(IdempotencyRecord.body)).all()
    assert not any(made.json()["secret"] in json.dumps(b) or first["secret"] in json.dumps(b) for b in stored)


def test_a_slow_receiver_holds_up_no_other_webhook(db, local_settings, hooks_api, app, receiver):
    """Three webhooks of one workspace whose receiver takes 3 s to answer, and another
    workspace's fast one: the fast one is sent its change while the slow ones still wait."""
    from contacthub.core import workspaces

    slow = Receiver()
    slow.delay = 3.0
    try:
        for _ in range(3):
            assert hooks_api.post("/v1/webhooks", json={"url": slow.url}).status_code == 201
        with db.write() as session:
            theirs = workspaces.create_workspace(session, "other")
        other = TestClient(create_app(local_settings, db), headers={"Authorization": f"Bearer {theirs.api_key}"})
        assert other.post("/v1/webhooks", json={"url": receiver.url}).status_code == 201
        hooks_api.post("/v1/contacts", json={"first_name": "Slow"})
        other.post("/v1/contacts", json={"first_name": "Fast"})

        stop = threading.Event()
        sender = threading.Thread(target=webhook_delivery.deliver_forever,
                                  args=(db, stop, local_settings, webhook_body, 0.05))
        started = time.monotonic()
        sender.start()
        try:
            while not receiver.received and time.monotonic() - started < 10:
                time.sleep(0.02)
            fast_after = time.monotonic() - started
            assert receiver.received, "the fast receiver was sent nothing"
            assert fast_after < 2.0, f"the fast receiver waited {fast_after:.1f} s behind the slow ones"
            names = [c["changes"]["first_name"] for b in receiver.bodies() for c in b["data"]
                     if c["subject_type"] == "contact"]
            assert names == ["Fast"]
            while len(slow.received) < 3 and time.monotonic() - started < 15:
                time.sleep(0.05)
            assert len(slow.received) == 3  # each slow webhook was sent its change too
        finally:
            stop.set()
            sender.join(timeout=15)
    finally:
        slow.server.shutdown()
