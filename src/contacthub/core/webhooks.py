"""Webhooks: addresses the workspace's change feed (core/events.py) is sent to as it grows, each
keeping its own place in it. Creating, reading, changing and removing them; the sending is
core/webhook_delivery.py's."""

import base64
import re
import secrets
import uuid
from urllib.parse import urlsplit

from pydantic import Field
from sqlalchemy.orm import Session

from contacthub.core import events, outbound
from contacthub.core.actor import Actor
from contacthub.core.errors import FieldError, InvalidInput, NotFound
from contacthub.core.inputs import Strict
from contacthub.core.pagination import decode_cursor, page_of
from contacthub.core.views import Page
from contacthub.db.models import Webhook
from contacthub.db.types import new_id, utcnow
from contacthub.repositories import webhooks as repo

_NAME = re.compile(r"[a-z_]+")
PURPOSE = "receive webhooks"  # finishes outbound's refusals: "only http and https URLs can …"


EVENTS_HELP = ("The changes it is sent: `<subject>.<action>` (`contact.created`), `<subject>.*`, or `*` "
               "for all. Subjects: contact, list, attribute_definition, account, data_source, webhook.")


class WebhookInput(Strict):
    url: str = Field(min_length=1, max_length=2048, description="http(s); a private address only where allowed")
    description: str | None = Field(default=None, max_length=2000)
    events: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=50, description=EVENTS_HELP)
    since: int | None = Field(default=None, ge=0, description=(
        "Where in the feed to start: after this `seq` (0: every change from the first). "
        "By default, after the last change made before the webhook."))


class WebhookPatch(Strict):
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    description: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1, max_length=50, description=EVENTS_HELP)
    active: bool | None = Field(default=None, description="false stops the sending; true takes it up again at once")


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 24 random bytes (the HMAC key)."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def wanted(patterns: list[str], event) -> bool:
    """Whether a webhook sent the changes `patterns` name is sent this event."""
    return any(p in ("*", f"{event.subject_type}.*", f"{event.subject_type}.{event.action}") for p in patterns)


def _checked_patterns(patterns: list[str]) -> list[str]:
    errors = []
    for i, pattern in enumerate(patterns):
        subject, dot, action = pattern.partition(".")
        if pattern == "*":
            continue
        if not dot or not _NAME.fullmatch(action) and action != "*":
            errors.append(FieldError(f"events[{i}]", "a change is named <subject>.<action> (contact.created), "
                                                     "<subject>.* or *"))
        elif subject not in events.SUBJECT_TYPES:
            errors.append(FieldError(f"events[{i}]", f"no changes are about {subject!r}; "
                                                     f"one of {', '.join(events.SUBJECT_TYPES)}"))
        elif action != "*" and action not in events.ACTIONS[subject]:  # it would never fire
            errors.append(FieldError(f"events[{i}]", f"no {subject} change is {action!r}; "
                                                     f"one of {', '.join(events.ACTIONS[subject])} or *"))
    if errors:
        raise InvalidInput(errors)
    return list(dict.fromkeys(patterns))


def _checked(url: str | None, patterns: list[str] | None, allow_private: bool) -> list[str] | None:
    """The URL and the event patterns (those given) checked together, every fault of both
    reported at once; answers the patterns as kept."""
    errors, kept = [], None
    if url is not None:
        try:
            outbound.check_url(url, allow_private, "url", PURPOSE)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if patterns is not None:
        try:
            kept = _checked_patterns(patterns)
        except InvalidInput as exc:
            errors.extend(exc.errors)
    if errors:
        raise InvalidInput(errors)
    return kept


def create(session: Session, actor: Actor, data: WebhookInput, allow_private: bool) -> Webhook:
    patterns = _checked(data.url, data.events, allow_private)
    start = end = events.feed_end(session, actor)
    if data.since is not None:
        events.check_since(data.since, end)
        start = data.since
    now = utcnow()
    row = Webhook(workspace_id=actor.workspace_id, id=new_id(), url=data.url, description=data.description,
                  secret=new_secret(), events=patterns, active=True, delivered_seq=start, failures=0,
                  created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    # in the feed after where the webhook starts: its first delivery says it was made
    events.record(session, actor, "webhook", row.id, "created", changes={"url": origin_of(data.url), "events": patterns})
    return row


def origin_of(url: str) -> str:
    """A webhook's URL as its history names it: its scheme and host alone. The rest may be the
    receiver's token (a chat service's incoming-hook URL is), and the history is the change feed,
    sent to every other receiver of the workspace."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"  # (user and password left out too)


def get(session: Session, actor: Actor, webhook_id: uuid.UUID) -> Webhook:
    row = repo.get(session, actor.workspace_id, webhook_id)
    if row is None:
        raise NotFound("webhook", webhook_id)
    return row


def page(session: Session, actor: Actor, cursor: str | None, limit: int) -> Page:
    rows = repo.page(session, actor.workspace_id, decode_cursor(cursor), limit + 1)
    return page_of(rows, limit)


def update(session: Session, actor: Actor, webhook_id: uuid.UUID, patch: WebhookPatch, allow_private: bool) -> Webhook:
    """Changes what is given. Turned on again (`active`), a webhook that was failing is tried at
    once, from where it stopped."""
    row = get(session, actor, webhook_id)
    given = patch.model_fields_set
    for name in ("url", "active", "events"):
        if name in given and getattr(patch, name) is None:
            raise InvalidInput(FieldError(name, "cannot be null"))
    patterns = _checked(patch.url if "url" in given else None, patch.events if "events" in given else None,
                        allow_private)
    wanted_now = {name: patterns if name == "events" else getattr(patch, name) for name in given}
    changes = {name: [getattr(row, name), value] for name, value in wanted_now.items() if getattr(row, name) != value}
    for name, (_, value) in changes.items():
        setattr(row, name, value)
    if "url" in changes:
        changes["url"] = [origin_of(url) for url in changes["url"]]
    if "events" in changes:
        # a batch waiting to be sent again is chosen anew, under an id of its own (message_id)
        row.sending_through = None
    if "active" in changes and row.active:
        row.failures, row.failing_since, row.next_attempt_at, row.last_error = 0, None, None, None
    if changes:
        row.updated_at = utcnow()
        events.record(session, actor, "webhook", row.id, "updated", changes=changes)
    return row


def rotate_secret(session: Session, actor: Actor, webhook_id: uuid.UUID) -> Webhook:
    """A new signing secret (a leaked one is then worthless); deliveries from now on are signed
    with it. The webhook keeps its place in the feed. The history records that it changed, not
    the secret."""
    row = get(session, actor, webhook_id)
    row.secret = new_secret()
    row.updated_at = utcnow()
    events.record(session, actor, "webhook", row.id, "updated", changes={"secret": ["…", "…"]})
    return row


def give_up(session: Session, actor: Actor, webhook_id: uuid.UUID, hours: float) -> None:
    """Turns off a webhook whose deliveries have failed for `hours`: its receiver is gone, or
    refuses. The change is in the feed like any other; turned on again, it takes up where it
    stopped."""
    row = get(session, actor, webhook_id)
    if row.active:
        row.active = False
        row.last_error = f"{row.last_error} (turned off after {hours:g} hours of failures)"[:500]
        row.updated_at = utcnow()
        events.record(session, actor, "webhook", row.id, "updated", changes={"active": [True, False]})


def delete(session: Session, actor: Actor, webhook_id: uuid.UUID) -> None:
    row = get(session, actor, webhook_id)
    events.record(session, actor, "webhook", row.id, "deleted", before={"url": origin_of(row.url)})
    session.delete(row)
