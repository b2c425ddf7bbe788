"""The change feed's promise where writers really interleave (PostgreSQL): a change that commits
after a later-made one is still handed out, after it, rather than passed over."""

import time
import uuid

import pytest

from contacthub.core import events
from contacthub.core.actor import Actor


def test_a_change_that_commits_late_is_handed_out_after_the_ones_seen(db, database_url, workspace):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite runs one writing transaction at a time: no change can commit after a later one")
    actor = Actor(workspace.workspace_id, workspace.key_id, "native")
    slow_subject, quick_subject = uuid.uuid4(), uuid.uuid4()
    with db.write() as slow:
        events.record(slow, actor, "contact", slow_subject, "created")  # its id is made first
        time.sleep(0.005)  # ids are ordered by the millisecond
        with db.write() as quick:
            events.record(quick, actor, "contact", quick_subject, "created")
        with db.write() as reader:
            first = events.changes_since(reader, actor, 0, 10)
        assert [(e.subject_id, e.seq) for e in first.events] == [(quick_subject, 1)]
    with db.write() as reader:  # the slow transaction has committed
        later = events.changes_since(reader, actor, first.last_seq, 10)
    assert [(e.subject_id, e.seq) for e in later.events] == [(slow_subject, 2)]
    # paging by id, as /v1/events does, would have passed it over for good
    assert later.events[0].id < first.events[0].id
