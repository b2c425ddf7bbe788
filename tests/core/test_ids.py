"""The ids the app makes (UUIDv7)."""

import uuid

from contacthub.db.types import new_id


def test_ids_made_in_one_millisecond_still_sort_in_the_order_made():
    ids = [new_id() for _ in range(20_000)]  # several thousand fall in each millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
