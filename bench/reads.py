"""Read latency in a large workspace, every door, each read beside an indexed point read timed in the same run.

    python bench/reads.py                                   # 100,000 contacts, SQLite, in a temporary folder
    python bench/reads.py --db /tmp/reads.db                # keep the store ...
    python bench/reads.py --db /tmp/reads.db --reuse        # ... and time it again without rebuilding it
    scripts/with-postgres.sh python bench/reads.py --backend postgresql
    CONTACTHUB_DATABASE_URL=postgresql+psycopg://... python bench/reads.py --backend postgresql --reuse

The workspace is made the way a user makes one: a generated CSV (first and last names, some
non-ASCII, e.g. Zoë, Müller, Işık; an email, an E.164 phone, an employer, a city, a tier column
and zero to two group tags per row) goes through `contacthub import --create-groups` in its own
process, and a list gets every tenth contact. One uvicorn process serves the app; one httpx
client times each read --runs times. The baseline is GET /v1/contacts/{id}: an indexed point read
through the whole stack, so a read's ratio to it is what the read costs beyond a request's own
overhead, whatever the machine's load at the moment.
"""

import argparse
import csv
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import free_port, fresh_postgres_database, start  # noqa: E402

CONTACTHUB = str(Path(sys.executable).parent / "contacthub")
WORKSPACE_NAME = "reads-bench"

# Names as a real address book has them: a few very common last names (a filter that finds
# thousands), a few non-ASCII ones (whose case folding is not plain lower(), see db/case_fold.py),
# and a long tail of made-up rare ones (a filter that finds one or none cannot stop at the first
# page). The name filter, as q, folds case and accents (muller finds Müller).
FIRST = ["James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "William", "Elizabeth",
         "David", "Susan", "Zoë", "Émile", "Søren", "José", "François", "Chloé", "Björn", "Ana", "Mei", "Hiroshi",
         "Fatima", "Olga", "Priya", "Noah", "Emma", "Liam", "Olivia", "Ava"]
COMMON = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis"]
SPECIAL = ["Müller", "Straße", "Işık", "Øvergård", "Dvořák", "O'Brien", "Nguyen", "Kowalski"]
EMPLOYERS = ["Acme Corp", "Globex", "Initech", "Umbrella", "Hooli", "Müller GmbH", "Société Générale", "Soylent"]
CITIES = ["New York", "San Francisco", "Chicago", "Boston", "München", "Zürich", "São Paulo", "Paris", "Tokyo"]
TAGS = ["vip", "newsletter", "customer", "lead", "partner"]
AREAS = ["212", "415", "650", "312", "617", "206", "303", "512"]
RARE = "Zyxwvutsrq"  # the last name of exactly one contact (row rare_row(n))
MISS = "Nomatchxyz"  # nobody's


def probe_row(n: int) -> int:
    return n // 3  # the contact whose email, phone and id the point reads use


def rare_row(n: int) -> int:
    return n // 2


def email_of(i: int, first: str, last: str) -> str:
    ascii_ = [unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().lower().replace("'", "") or "x"
              for s in (first, last)]
    return f"{ascii_[0]}.{ascii_[1]}.{i}@example{i % 50}.com"


def phone_of(i: int) -> str:
    # area, exchange and line together encode i, so every phone is distinct (and valid: exchange 200-999)
    return f"+1{AREAS[i % 8]}{200 + (i // 10000) % 800}{i % 10000:04d}"


def tail_names(seed: int = 42) -> list[str]:
    rng = random.Random(seed)
    consonants, vowels = "bcdfghklmnprstvz", "aeiou"
    return ["".join(rng.choice(vowels if k % 2 else consonants) for k in range(rng.randint(5, 9))).capitalize()
            for _ in range(20_000)]


def person(i: int, n: int, tail: list[str]) -> list[str]:
    """Row i of the file: a function of i alone (its own seeded draws), so that a run on a reused
    store knows the name and email of any row without the file."""
    rng = random.Random(i)
    first, roll = rng.choice(FIRST), rng.random()
    last = rng.choice(COMMON) if roll < 0.30 else rng.choice(SPECIAL) if roll < 0.36 else rng.choice(tail)
    if i == rare_row(n):
        last = RARE
    tags = "; ".join(rng.sample(TAGS, rng.randint(0, 2)))
    return [first, last, email_of(i, first, last), phone_of(i), rng.choice(EMPLOYERS), rng.choice(CITIES), tags,
            rng.choice(["gold", "silver", "bronze"])]


def generate(path: Path, n: int) -> None:
    tail = tail_names()
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["First Name", "Last Name", "Email", "Phone", "Company", "City", "Groups", "metadata.tier"])
        writer.writerows(person(i, n, tail) for i in range(n))


def build(url: str, n: int, folder: Path) -> None:
    """A new workspace of n contacts, imported by the CLI as a user would, and a list of every tenth one."""
    from contacthub.core import lists
    from contacthub.core.actor import Actor
    from contacthub.db.engine import Database
    from contacthub.db.migrate import upgrade
    from contacthub.db.models import Contact

    upgrade(url)
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": url}
    made = subprocess.run([CONTACTHUB, "init", "--name", WORKSPACE_NAME, "--json"], env=env, check=True,
                          capture_output=True)
    workspace = json.loads(made.stdout)["workspace_id"]
    csv_path = folder / "contacts.csv"
    generate(csv_path, n)
    started = time.perf_counter()
    done = subprocess.run([CONTACTHUB, "import", str(csv_path), "--json", "--create-groups", "--workspace", workspace],
                          env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"contacthub import failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"  imported {n:,} rows in {time.perf_counter() - started:.0f} s: "
          f"{ {k: summary.get(k) for k in ('created', 'merged', 'invalid')} }", file=sys.stderr)

    db = Database(url)
    actor = Actor(uuid.UUID(workspace), None, "bench")
    with db.read() as session:
        people = session.query(Contact.id).filter_by(workspace_id=actor.workspace_id, kind="person",
                                                     merged_into=None).order_by(Contact.id).all()
    with db.write() as session:
        big = lists.create(session, actor, lists.ListInput(name="every tenth contact"))
        big_id = big.id
    members = [row.id for row in people[::10]]
    for start_ in range(0, len(members), 1000):  # a thousand a transaction, not one long write
        with db.write() as session:
            lists.add_members(session, actor, big_id, members[start_:start_ + 1000])
    db.dispose()
    print(f"  list of {len(members):,} members made", file=sys.stderr)


def prepare(url: str) -> dict:
    """What the reads need from the store: a new key, the workspace's size, ids to point at."""
    from sqlalchemy import func, select

    from contacthub.core import workspaces
    from contacthub.db.engine import Database
    from contacthub.db.models import Contact, ContactList, Workspace

    db = Database(url)
    with db.write() as session:
        ws = session.scalars(select(Workspace).where(Workspace.name == WORKSPACE_NAME)
                             .order_by(Workspace.id.desc())).first()
        if ws is None:
            sys.exit(f"no workspace {WORKSPACE_NAME!r} in {url}: build one first (drop --reuse)")
        key = workspaces.create_key(session, ws.id, "bench/reads.py")  # keys are shown once: a new one each run
    with db.read() as session:
        live = (Contact.workspace_id == ws.id) & Contact.merged_into.is_(None)
        n = session.scalar(select(func.count()).select_from(Contact).where(live, Contact.kind == "person"))
        # the native list's order is id order (UUIDv7: creation order); a cursor 90% of the way in
        deep = session.scalar(select(Contact.id).where(live).order_by(Contact.id).offset(n * 9 // 10).limit(1))
        list_id = session.scalar(select(ContactList.id).where(ContactList.workspace_id == ws.id))
    db.dispose()
    return {"workspace": str(ws.id), "api_key": key.api_key, "n": n, "deep": deep, "list": str(list_id)}


def cursor(contact_id: uuid.UUID) -> str:
    from contacthub.core.pagination import encode_cursor
    return encode_cursor(contact_id)


def reads(info: dict, point_id: str, email: str, phone: str) -> list[tuple]:
    """(name, method, path, params, json, headers, auth) of each read timed; the baseline first."""
    key, n = info["api_key"], info["n"]
    native = {"Authorization": f"Bearer {key}"}
    bird = {"Authorization": f"AccessKey {key}"}
    px = {"PX-API-KEY": key}
    cm, ngp = (key, ""), ("apiuser", key)
    bw = f"/bird/workspaces/{info['workspace']}"
    v, p = "/v1/contacts", "/packagex/v1/contacts"
    return [
        ("native GET /v1/contacts/{id} (baseline)", "GET", f"{v}/{point_id}", None, None, native, None),
        ("native list, first page", "GET", v, None, None, native, None),
        ("native list, cursor 90% in", "GET", v, {"cursor": cursor(info["deep"])}, None, native, None),
        ("native name=Smith (common)", "GET", v, {"name": "Smith"}, None, native, None),
        ("native name=müller (non-ASCII, any case)", "GET", v, {"name": "müller"}, None, native, None),
        (f"native name={RARE} (one)", "GET", v, {"name": RARE}, None, native, None),
        (f"native name={MISS} (none)", "GET", v, {"name": MISS}, None, native, None),
        ("native email=", "GET", v, {"email": email}, None, native, None),
        ("native phone=", "GET", v, {"phone": phone}, None, native, None),
        ("native q=smith (hit)", "GET", v, {"q": "smith"}, None, native, None),
        (f"native q={MISS.lower()} (miss)", "GET", v, {"q": MISS.lower()}, None, native, None),
        (f"native list= ({n // 10:,} members)", "GET", v, {"list": info["list"]}, None, native, None),
        ("native attributes.tier=gold", "GET", v, {"attributes.tier": "gold"}, None, native, None),
        ("ChartMogul contacts?email=", "GET", "/chartmogul/v1/contacts", {"email": email}, None, {}, cm),
        ("Bird contacts/search emailaddress", "POST", f"{bw}/contacts/search", None,
         {"identifier": {"key": "emailaddress", "value": email}}, bird, None),
        ("NGP VAN firstName=Zoë", "GET", "/ngpvan/v2/contacts", {"firstName": "Zoë"}, None, {}, ngp),
        ("NGP VAN lastName=Smith", "GET", "/ngpvan/v2/contacts", {"lastName": "Smith"}, None, {}, ngp),
        (f"NGP VAN lastName={MISS} (none)", "GET", "/ngpvan/v2/contacts", {"lastName": MISS}, None, {}, ngp),
        ("PackageX list, page 1", "GET", p, None, None, px, None),
        (f"PackageX page={n * 9 // 10 // 25:,} (90% in)", "GET", p, {"page": n * 9 // 10 // 25}, None, px, None),
        ("PackageX search=smith", "GET", p, {"search": "smith"}, None, px, None),
        (f"PackageX search={MISS.lower()} (miss)", "GET", p, {"search": MISS.lower()}, None, px, None),
        ("PackageX order_by=name", "GET", p, {"order_by": "name"}, None, px, None),
        ("PackageX type=group", "GET", p, {"type": "group"}, None, px, None),
    ]


def found(body: dict) -> str:
    """How many items the answer holds (and the total, where the door counts one): a read that
    finds nothing by mistake would look fast."""
    for field in ("data", "entries", "results", "items"):
        if isinstance(body.get(field), list):
            total = body.get("count", (body.get("pagination") or {}).get("total_count"))
            return f"{len(body[field])}" + (f" of {total:,}" if isinstance(total, int) else "")
    return "1" if body.get("id") else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--db", type=Path, help="the SQLite file to build (or, with --reuse, to read); default: a "
                                                "temporary one, removed at the end")
    parser.add_argument("--reuse", action="store_true", help="time the workspace already built in --db (SQLite) or "
                                                             "CONTACTHUB_DATABASE_URL (PostgreSQL)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="contacthub-reads-"))
    if args.backend == "postgresql":
        url = os.environ.get("CONTACTHUB_DATABASE_URL") or (None if args.reuse else fresh_postgres_database())
        if not url or not url.startswith("postgresql"):
            sys.exit("--backend postgresql needs CONTACTHUB_DATABASE_URL (or, to build afresh, scripts/with-postgres.sh)")
    else:
        db_path = (args.db or tmp / "reads.db").resolve()
        if args.reuse and not db_path.exists():
            sys.exit(f"--reuse: no {db_path}")
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db_path}"

    server = None
    try:
        if not args.reuse:
            print(f"building a workspace of {args.contacts:,} contacts ...", file=sys.stderr)
            build(url, args.contacts, tmp)
        info = prepare(url)
        n = info["n"]
        email, phone = person(probe_row(n), n, tail_names())[2:4]
        port = free_port()
        server = start("contacthub.app:create_app", port, {"CONTACTHUB_DATABASE_URL": url}, factory=True)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600)
        point = client.get("/v1/contacts", params={"email": email},
                           headers={"Authorization": f"Bearer {info['api_key']}"}).json()["data"][0]["id"]
        todo = reads(info, point, email, phone)

        # One untimed round first (the server's first requests fill its caches and the OS's page
        # cache), then --runs rounds, each read once a round in turn: a burst of other work on this
        # shared machine lands on every read alike. The baseline is timed before every other read,
        # not once a round: a point read right after a read of seconds took 4-10x its usual time
        # (1 ms alone), and its median over all those samples is what the ratios divide by.
        baseline, others = todo[0], todo[1:]
        times: dict[str, list[float]] = {name: [] for name, *_ in todo}
        answers: dict[str, str] = {}

        def timed(read: tuple, keep: bool) -> None:
            name, method, path, params, body, headers, auth = read
            started = time.perf_counter()
            response = client.request(method, path, params=params, json=body, headers=headers, auth=auth)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                sys.exit(f"{name}: {response.status_code} {response.text[:300]}")
            if keep:
                times[name].append(elapsed)
            else:
                answers[name] = found(response.json())

        for round_ in range(args.runs + 1):
            for read in others:
                timed(baseline, keep=round_ > 0)
                timed(read, keep=round_ > 0)
            print(f"  round {round_}/{args.runs} done", file=sys.stderr)
        client.close()
    finally:
        if server is not None:
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    base_ms = statistics.median(times[baseline[0]])
    print(f"\nbackend: {args.backend}   {n:,} contacts   {args.runs} runs of each read, alternating "
          f"(the baseline: {len(times[baseline[0]])}, one before each)   cores: {os.cpu_count()}")
    print(f"{'read':<44}{'median ms':>11}{'max ms':>10}{'x baseline':>12}   found")
    rows = []
    for name, *_ in todo:
        median, worst = statistics.median(times[name]), max(times[name])
        rows.append({"read": name, "median_ms": median, "max_ms": worst, "ratio": median / base_ms,
                     "found": answers[name]})
        print(f"{name:<44}{median:>11.1f}{worst:>10.1f}{median / base_ms:>11.1f}x   {answers[name]}")
    if args.json:
        args.json.write_text(json.dumps({"backend": args.backend, "contacts": n, "runs": args.runs, "reads": rows},
                                        indent=1))


if __name__ == "__main__":
    main()
