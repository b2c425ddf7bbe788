"""A key's rate (`CONTACTHUB_RATE_LIMIT_PER_SECOND`, `CONTACTHUB_RATE_LIMIT_BURST`): counted across
every door together, answered 429 with Retry-After in each door's own error format, per key."""

import base64
import uuid

import pytest
from fastapi.testclient import TestClient

from contacthub.app import create_app
from contacthub.core import rate_limits, workspaces
from contacthub.core.errors import RateLimited
from contacthub.core.rate_limits import RateLimiter


class Clock:
    """Stands in for time.monotonic inside core/rate_limits.py: the test moves it."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(rate_limits, "time", clock)
    return clock


def test_a_bucket_holds_its_burst_and_refills_at_its_rate(clock):
    limiter = RateLimiter(per_second=0.5, burst=2)
    key, other = uuid.uuid4(), uuid.uuid4()
    limiter.take(key)
    limiter.take(key)
    with pytest.raises(RateLimited) as refused:
        limiter.take(key)
    assert refused.value.retry_after_seconds == 2  # one request earned every 2 s
    assert "0.5 per second" in refused.value.message
    limiter.take(other)  # each key has its own bucket
    clock.now += 1.0
    with pytest.raises(RateLimited) as refused:
        limiter.take(key)
    assert refused.value.retry_after_seconds == 1  # half a request earned: a second to go
    clock.now += 1.0
    limiter.take(key)
    clock.now += 3600.0  # a long pause refills the bucket to its burst, no more
    limiter.take(key)
    limiter.take(key)
    with pytest.raises(RateLimited):
        limiter.take(key)


def test_no_rate_means_no_limit_and_the_burst_defaults_to_a_second_s_worth(clock):
    unlimited = RateLimiter()
    for _ in range(10_000):
        unlimited.take(uuid.uuid4())
    assert not unlimited.enabled
    assert RateLimiter(per_second=20).burst == 20 and RateLimiter(per_second=0.2).burst == 1


@pytest.fixture
def limited_app(settings, db):
    """The app with a rate of one request a second after a burst of five."""
    return create_app(settings.model_copy(update={"rate_limit_per_second": 1.0, "rate_limit_burst": 5}), db)


def _clients(app, key: str, ws: uuid.UUID) -> dict[str, tuple[TestClient, str]]:
    """A client and a read path for each door, each with the door's own way of giving the key."""
    token = base64.b64encode(f"apiuser:{key}".encode()).decode()
    chartmogul = TestClient(app)
    chartmogul.auth = (key, "")
    return {
        "native": (TestClient(app, headers={"Authorization": f"Bearer {key}"}), "/v1/contacts"),
        "bird": (TestClient(app, headers={"Authorization": f"AccessKey {key}"}), f"/bird/workspaces/{ws}/contacts"),
        "chartmogul": (chartmogul, "/chartmogul/v1/ping"),
        "ngpvan": (TestClient(app, headers={"Authorization": f"Basic {token}"}), "/ngpvan/v2/contacts"),
        "packagex": (TestClient(app, headers={"PX-API-KEY": key}), "/packagex/v1/contacts"),
    }


def test_a_key_s_requests_count_across_doors_and_each_door_refuses_in_its_own_format(
        limited_app, workspace, db, clock):
    doors = _clients(limited_app, workspace.api_key, workspace.workspace_id)
    for client, path in doors.values():  # the burst of five: one request through each door
        assert client.get(path).status_code == 200, path

    refused = {name: client.get(path) for name, (client, path) in doors.items()}
    for name, response in refused.items():
        assert response.status_code == 429, (name, response.text)
        assert response.headers["retry-after"] == "1", name
    native, bird, chartmogul, van, px = (refused[n].json() for n in doors)
    assert native["error"]["type"] == "rate_limited" and "1 per second" in native["error"]["message"]
    assert bird["code"] == "TooManyRequests"
    assert chartmogul["code"] == 429 and "too many requests" in chartmogul["message"]
    assert van["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert (px["status"], px["code"]) == (429, "too_many_requests")

    # a write refused for its rate wrote nothing
    client, _ = doors["native"]
    assert client.post("/v1/contacts", json={"first_name": "Ada"}).status_code == 429

    # another key, and a key that is no key, are not held back by this one's rate
    with db.write() as session:
        other = workspaces.create_workspace(session, f"other-{uuid.uuid4().hex[:8]}")
    client, path = _clients(limited_app, other.api_key, other.workspace_id)["native"]
    assert client.get(path).status_code == 200
    assert TestClient(limited_app, headers={"Authorization": "Bearer nope"}).get("/v1/contacts").status_code == 401

    # a second later one more request goes through
    clock.now += 1.0
    client, path = doors["native"]
    assert client.post("/v1/contacts", json={"first_name": "Ada"}).status_code == 201
    assert client.get(path).status_code == 429
    clock.now += 1.0
    assert [c["first_name"] for c in client.get(path).json()["data"]] == ["Ada"]  # the refused create left nothing


def test_a_read_only_key_s_refused_writes_count_toward_its_rate(limited_app, read_only_key, clock):
    """Refused writes cost the server too: a read-only key sending them was never held back."""
    reader = TestClient(limited_app, headers={"Authorization": f"Bearer {read_only_key}"})
    answers = [reader.post("/v1/contacts", json={"first_name": "Ada"}).status_code for _ in range(6)]
    assert answers == [403] * 5 + [429]
    assert reader.get("/v1/contacts").status_code == 429


def test_without_a_rate_a_key_is_never_refused(api):
    for _ in range(60):
        assert api.get("/v1/contacts").status_code == 200
