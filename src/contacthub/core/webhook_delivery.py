"""Sends each webhook the changes it has not taken yet, in the feed's order, a batch at a time.

Signed as Standard Webhooks (standardwebhooks.com) says, so a receiver can check a delivery with
that project's libraries: headers `webhook-id` (the message), `webhook-timestamp` (Unix seconds)
and `webhook-signature` ("v1," and the base64 HMAC-SHA256 of "{id}.{timestamp}.{body}", keyed
by the bytes of the secret after `whsec_`).

At least once, in order: a batch the receiver does not take with a 2xx answer is sent again, the
same changes under the same `webhook-id`, after 5 s, 10 s, 20 s… (at most an hour between
tries), and nothing after it goes first. Whoever sends holds a lease on the webhook, so several
serving processes never send one webhook's batches side by side. The request itself is made
outside any transaction: a slow receiver holds no lock of the store."""

import base64
import functools
import hashlib
import hmac
import json
import logging
import ssl
import time
import uuid
from collections.abc import Callable
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

import httpx

from contacthub import __version__
from contacthub.core import events, outbound, webhooks
from contacthub.core.actor import Actor
from contacthub.core.errors import InvalidInput
from contacthub.db.engine import Database
from contacthub.db.models import Event, Webhook
from contacthub.db.types import utcnow
from contacthub.repositories import webhooks as repo
from contacthub.settings import Settings

log = logging.getLogger("contacthub.webhooks")

FIRST_RETRY_SECONDS = 5
LONGEST_WAIT_SECONDS = 3600
# the body of one delivery, in the door's wire shape: (webhook, its changes, the last one's number)
BodyOf = Callable[[Webhook, list[Event], int], bytes]


@dataclass
class Delivery:
    url: str
    secret: str
    message_id: str
    body: bytes


# Webhooks sent at once by one process, and at most so many of one workspace's: a receiver that
# answers slowly (or not at all, until the timeout) holds up its own webhook, never the others.
SENDERS = 8
SENDERS_PER_WORKSPACE = 2

Key = tuple[uuid.UUID, uuid.UUID]  # (workspace, webhook)


def deliver_due(db: Database, settings: Settings, body_of: BodyOf) -> int:
    """One round: every webhook that has changes waiting and is not waiting out a failure is
    sent its next batch, several at once. Answers how many webhooks moved on: a batch sent
    (taken or not), or passed over when it holds none of the changes the webhook is sent."""
    with ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook-send") as pool:
        return sum(pool.map(lambda key: _attempt(db, settings, body_of, *key), _due(db)))


def deliver_forever(db: Database, stop, settings: Settings, body_of: BodyOf, poll_seconds: float = 1.0) -> None:
    """Sends until `stop` (a threading.Event) is set: each due webhook on a sender of its own,
    as soon as a sender is free and its previous batch is done; an error never ends the loop."""
    sending: dict[Key, Future] = {}
    with ThreadPoolExecutor(SENDERS, thread_name_prefix="webhook-send") as pool:
        while not stop.is_set():
            moved = False
            for key, future in list(sending.items()):
                if future.done():
                    del sending[key]
                    try:
                        moved |= future.result()
                    except Exception:
                        log.exception("webhook delivery error")
            try:
                due = _due(db)
            except Exception:
                log.exception("webhook delivery error")
                due = []
            for key in due:
                per_workspace = sum(1 for other in sending if other[0] == key[0])
                if key not in sending and len(sending) < SENDERS and per_workspace < SENDERS_PER_WORKSPACE:
                    sending[key] = pool.submit(_attempt, db, settings, body_of, *key)
            if moved:
                continue  # a batch went: the next one may be waiting already
            if sending:  # until one finishes, or the next look at what is due
                futures.wait(sending.values(), timeout=poll_seconds, return_when=futures.FIRST_COMPLETED)
            else:
                stop.wait(poll_seconds)


def _due(db: Database) -> list[Key]:
    with db.read() as session:  # a look with nothing to send takes no write lock
        return repo.due(session, utcnow())


def _attempt(db: Database, settings: Settings, body_of: BodyOf, workspace_id: uuid.UUID, webhook_id: uuid.UUID) -> bool:
    now = utcnow()
    with db.write() as session:
        lease = now + timedelta(seconds=settings.webhook_timeout_seconds + 60)
        if not repo.take(session, workspace_id, webhook_id, now, lease):
            return False  # another deliverer has it, or it changed since the round began
        hook = repo.get(session, workspace_id, webhook_id)
        found = events.changes_since(session, Actor(workspace_id, None, "webhook"), hook.delivered_seq,
                                     settings.webhook_batch_size)
        batch = [e for e in found.events if hook.sending_through is None or e.seq <= hook.sending_through]
        if not batch:
            repo.set_columns(session, workspace_id, webhook_id, leased_until=None)
            return False
        through = batch[-1].seq
        batch = [e for e in batch if webhooks.wanted(hook.events, e)]
        if not batch:  # none of these is a change it is sent: passed over, nothing to send
            repo.set_columns(session, workspace_id, webhook_id, delivered_seq=through, leased_until=None)
            return True
        repo.set_columns(session, workspace_id, webhook_id, sending_through=through)
        delivery = Delivery(hook.url, hook.secret, message_id(webhook_id, hook.delivered_seq + 1, through, hook.events),
                            body_of(hook, batch, through))
        failures, failing_since = hook.failures, hook.failing_since
    error = send(delivery, settings)
    done = utcnow()
    with db.write() as session:
        if error is None:
            repo.set_columns(session, workspace_id, webhook_id, delivered_seq=through, sending_through=None,
                             failures=0, failing_since=None, last_error=None, last_attempt_at=done,
                             next_attempt_at=None, leased_until=None)
        else:
            failures += 1
            failing_since = failing_since or done
            give_up = settings.webhook_give_up_hours
            gives_up = bool(give_up) and done - failing_since >= timedelta(hours=give_up)
            # turned off, it is tried again only once it is turned on (at once, then)
            next_at = None if gives_up else done + retry_wait(failures)
            repo.set_columns(session, workspace_id, webhook_id, failures=failures, failing_since=failing_since,
                             last_error=error[:500], last_attempt_at=done, next_attempt_at=next_at, leased_until=None)
            # a warning: a receiver that is down is what an operator looks for (the error names
            # no URL, which may hold a token, and no body)
            log.warning("webhook %s of workspace %s: %s (failure %d in a row; %s)", webhook_id, workspace_id, error,
                        failures, "no more tries" if gives_up else f"next try in {retry_wait(failures).total_seconds():g} s")
            if gives_up:
                webhooks.give_up(session, Actor(workspace_id, None, "webhook"), webhook_id, give_up)
                log.warning("webhook %s of workspace %s turned off: its deliveries have failed for %g hours",
                            webhook_id, workspace_id, give_up)
    return True


def message_id(webhook_id: uuid.UUID, first: int, through: int, patterns: list[str]) -> str:
    """The `webhook-id` of a batch: the feed's numbers it spans and a mark of the changes it is
    sent. A receiver drops a repeat by this id, so one id must never name two contents: when a
    webhook's `events` change while a batch waits, the batch is chosen anew over the same
    numbers (what the receiver has not taken yet is sent as it now asks: freezing the old batch
    would send changes it no longer wants and pass over those it now does), and goes under an
    id of its own. The same filter again makes the same batch, so it may take the same id."""
    mark = hashlib.sha256(json.dumps(sorted(set(patterns))).encode()).hexdigest()[:12]
    return f"msg_{webhook_id.hex}_{first}_{through}_{mark}"


def retry_wait(failures: int) -> timedelta:
    """How long after its `failures`-th failure in a row a batch is tried again."""
    return timedelta(seconds=min(FIRST_RETRY_SECONDS * 2 ** min(failures - 1, 20), LONGEST_WAIT_SECONDS))


def send(delivery: Delivery, settings: Settings) -> str | None:
    """Posts the delivery; None when the receiver took it (a 2xx answer), else what went wrong
    (the webhook's `last_error`). The URL is checked again: the name may point elsewhere now."""
    try:
        address = outbound.check_url(delivery.url, settings.webhook_allow_private_urls, "url", webhooks.PURPOSE)
    except InvalidInput as exc:
        return str(exc)
    target, host, extensions = outbound.pinned(delivery.url, address)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json", "User-Agent": f"contacthub-webhooks/{__version__}",
        "webhook-id": delivery.message_id, "webhook-timestamp": timestamp,
        "webhook-signature": signature(delivery.secret, delivery.message_id, timestamp, delivery.body), **host,
    }
    timeout = settings.webhook_timeout_seconds
    # the whole delivery within the timeout (a receiver answering a byte at a time held a sender
    # past its lease, and another process then sent the same batch again)
    with outbound.Deadline(timeout) as deadline:
        try:
            # a client of its own per delivery, so no connection made for one host name is used for
            # another (addresses are pinned: two names on one address would share it)
            with httpx.Client(timeout=timeout, follow_redirects=False, verify=_tls()) as client, \
                    client.stream("POST", target, content=delivery.body, headers=headers,
                                  extensions=deadline.extensions(extensions)) as answer:
                status = answer.status_code  # the answer's body is never read: a receiver cannot make us hold it
        except httpx.TimeoutException:
            return f"no answer within {timeout:g} seconds"
        except httpx.HTTPError as exc:
            if deadline.passed:
                return f"no answer within {timeout:g} seconds"
            return f"could not be sent: {exc.__class__.__name__}"
    return None if 200 <= status < 300 else f"the receiver answered HTTP {status}"


@functools.cache
def _tls() -> ssl.SSLContext:
    """The certificate store, loaded once: loading it costs ~30 ms, more than a delivery."""
    return httpx.create_ssl_context()


def signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()
