"""Hypothesis strategies shared by the vendor doors' fuzz tests (tests/dialects/<door>/test_fuzz.py).

Bodies are sent as raw JSON text written by Python's own encoder (`raw_json`): lone surrogates
travel as \\u escapes and NaN / Infinity as the bare words Python's parser lets in, so every value
a hostile client could put in a JSON document reaches the door.
"""

import json
import os
import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Few examples per test: the three vendor fuzz files together stay within a few seconds.
# CONTACTHUB_FUZZ_EXAMPLES=500 digs deeper by hand.
def fuzz(examples: int) -> settings:
    return settings(max_examples=int(os.environ.get("CONTACTHUB_FUZZ_EXAMPLES", examples)), deadline=None,
                    suppress_health_check=list(HealthCheck), database=None)


FUZZ = fuzz(12)

# Text for bodies: anything, surrogates and NUL included. Text for URLs: what a URL can carry.
any_text = st.text(max_size=30)
url_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
hostile_text = st.one_of(
    st.sampled_from(["", " ", "\x00", "a\x00b", "\ud800", "é", "𝔘", "null", "<script>", "'; DROP TABLE contacts; --",
                     "%", "_", "\\", "1e999"]),
    st.sampled_from([65, 101, 201, 301, 501, 2001, 10_001]).map(lambda n: "x" * n),  # just past the limits
)
numbers = st.one_of(st.integers(), st.integers(min_value=2**63 - 2, max_value=2**70),
                    st.integers(min_value=-(2**70), max_value=-(2**63) + 2), st.floats())
scalars = st.one_of(st.none(), st.booleans(), numbers, any_text, hostile_text)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(any_text, inner, max_size=4)),
    max_leaves=10,
)
uuids = st.uuids().map(str)
emails = st.one_of(st.emails().map(lambda e: e[:320]), st.sampled_from(
    ["a@example.com", "A@Example.COM", "not-an-email", "a@", "@b.c", "a@b", "a@@b.com", "a b@c.com",
 "ünï@exämple.com", "a@localhost"]))
phones = st.one_of(st.sampled_from(
    ["+14155550100", "+1 212 555 0100", "(212) 555-0199", "12", "+999999999999999999", "phone", "+", "0",
     "+44 20 7946 0958", "555-0100 ext. 7", "+1" + "9" * 60]), st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True))


def loose(*good, odds: int = 4):
    """A field's value: mostly (`odds` in `odds`+1) one a client would send (`good`), else anything."""
    return st.one_of(*weighted(st.one_of(*good), odds), json_values)


def weighted(strategy, times: int) -> list:
    """`times` distinct copies of a strategy, for one_of (which draws the same object only once)."""
    return [strategy.map(lambda v: v) for _ in range(times)]


def raw_json(value) -> bytes:
    return json.dumps(value).encode()


JSON = {"Content-Type": "application/json"}


def unknown_id(prefix: str = "") -> str:
    return prefix + str(uuid.uuid4())


def junk_bodies():
    """Bodies that are not JSON objects at all, or not JSON."""
    return st.one_of(json_values.filter(lambda v: not isinstance(v, dict)).map(raw_json),
                     st.binary(max_size=40), st.sampled_from([b"", b"{", b"{nope", b"\xff\xfe", b"[]", b"null",
                                                               b'{"a": NaN}', b'{"a": 1e999}', b'{"a":"\\ud800"}']))


def native_contacts(client, api_key: str) -> list[dict]:
    """Every live contact of the key's workspace as the native door shows it (all pages)."""
    out, cursor = [], None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/contacts", params=params, headers={"Authorization": f"Bearer {api_key}"}).json()
        out += page["data"]
        cursor = page.get("next_cursor")
        if not page.get("has_more") or not cursor:
            return out


def bodies(*objects):
    """Mostly (4 in 5) the door's own body shapes, else something that is no such body at all."""
    return st.one_of(*weighted(st.one_of(*objects), 4), junk_bodies())


def same_json(a, b) -> bool:
    """Equal as JSON documents: numbers by value (PostgreSQL's jsonb gives 1e17 back as
    100000000000000000, the same JSON number in other digits)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or float(a) == float(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b))
    return a == b
