"""The change feed and webhooks: how fast a reader drains the feed, and how fast a webhook
sends it, each next to a baseline measured in the same run.

    python bench/changes.py                       # 50,000 changes, SQLite
    python bench/changes.py --changes 200000
    scripts/with-postgres.sh python bench/changes.py --backend postgresql

A workspace gets --changes contacts through the bulk import (one `created` event each, none
numbered yet). Then, in this process:
- drain: `events.changes_since` page after page (--page changes each, a write transaction
  each, numbering the events on the way), as `GET /v1/changes` runs it; baseline: the same
  events read page by page by id in read transactions (`events.page`, what `/v1/events` runs),
  which numbers nothing;
- webhook: a webhook made with `since: 0` is sent the whole feed by `deliver_due` rounds (what
  `serve`'s sender thread runs) to a receiver on a loopback port; baseline: the same number of
  bodies of the same size POSTed by httpx to the same receiver, one at a time over one kept
  connection.
"""

import argparse
import http.server
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import fill, new_store  # noqa: E402


class Receiver:
    """Takes every POST with 200 and counts what it was sent."""

    def __init__(self):
        self.bodies = 0
        self.bytes = 0
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.bodies += 1
                receiver.bytes += len(body)
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--changes", type=int, default=50_000)
    parser.add_argument("--page", type=int, default=200, help="changes per page of the feed")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()

    from contacthub.core import events, webhooks
    from contacthub.core.actor import Actor
    from contacthub.core.webhook_delivery import deliver_due
    from contacthub.db.engine import Database
    from contacthub.dialects.native.schemas import webhook_body
    from contacthub.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="contacthub-bench-"))
    url, key = new_store(args.backend, tmp)
    fill(url, str(key.workspace_id), args.changes, tmp)
    db = Database(url)
    actor = Actor(key.workspace_id, key.key_id, "bench")

    # baseline: the history read by id, numbering nothing
    started, seen, cursor = time.perf_counter(), 0, None
    while True:
        with db.read() as session:
            rows = events.page(session, actor, None, cursor, args.page)
        seen += len(rows)
        if len(rows) < args.page:
            break
        cursor = rows[-1].id
    by_id = time.perf_counter() - started

    started, fed, since = time.perf_counter(), 0, 0
    while True:
        with db.write() as session:
            found = events.changes_since(session, actor, since, args.page)
        fed += len(found.events)
        since = found.last_seq
        if not found.more:
            break
    feed = time.perf_counter() - started
    print(f"history by id (baseline): {seen:,} events in {by_id:.2f}s = {seen / by_id:,.0f} events/s")
    print(f"change feed, numbering as it goes: {fed:,} changes in {feed:.2f}s = {fed / feed:,.0f} changes/s "
          f"({by_id / feed:.0%} of the baseline's rate)")

    receiver = Receiver()
    settings = Settings(database_url=url, webhook_allow_private_urls=True)
    with db.write() as session:
        hook = webhooks.create(session, actor, webhooks.WebhookInput(url=receiver.url, since=0), True)
    started = time.perf_counter()
    while deliver_due(db, settings, webhook_body):
        pass
    sent = time.perf_counter() - started
    deliveries, sent_bytes = receiver.bodies, receiver.bytes
    with db.read() as session:
        delivered = webhooks.get(session, actor, hook.id).delivered_seq

    body = b"x" * (sent_bytes // max(deliveries, 1))
    started = time.perf_counter()
    with httpx.Client(timeout=10) as client:  # one client, its connection kept: the least a POST can cost
        for _ in range(deliveries):
            client.post(receiver.url, content=body, headers={"Content-Type": "application/json",
                                                             "webhook-id": uuid.uuid4().hex})
    posted = time.perf_counter() - started
    print(f"bare POSTs of the same bodies (baseline): {deliveries:,} in {posted:.2f}s = "
          f"{deliveries / posted:,.0f} POSTs/s, {deliveries * settings.webhook_batch_size / posted:,.0f} changes/s")
    print(f"webhook: {delivered:,} changes in {deliveries:,} deliveries ({sent_bytes / deliveries / 1024:,.0f} KB each) "
          f"in {sent:.2f}s = {delivered / sent:,.0f} changes/s ({posted / sent:.0%} of the baseline's rate)")
    receiver.server.shutdown()
    db.dispose()


if __name__ == "__main__":
    main()
