"""Throughput and latency of the native API next to a bare FastAPI endpoint, in the same run.

    python bench/api.py                       # SQLite
    scripts/with-postgres.sh python bench/api.py --backend postgresql

Every server is one uvicorn process; the load comes from `wrk` (Debian package `wrk`) on the
same machine. Prints requests/s and p50/p99 for POST /v1/contacts (person with email + phone)
and GET /v1/contacts/{id}, each beside the bare endpoint's figures, and create latency on an
empty store vs. with --fill contacts already stored. A third server, ours with a create's
database work skipped (bench/stub_write_app.py), splits the POST's cost into the door's and the
core write's.
"""

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent

# Every body carries a new email and phone (one wrk thread; OFFSET differs per round, since
# wrk's Lua random numbers repeat from run to run): every create passes the duplicate check.
POST_LUA = r"""
local counter = 0
request = function()
  counter = counter + 1
  local n = OFFSET + counter
  local body = string.format('{"first_name":"Ada","last_name":"Lovelace","emails":["ada%d@example.com"],"phones":["+1415%07d"]}', n, n %% 10000000)
  return wrk.format("POST", PATH, HEADERS, body)
end
"""

GET_LUA = r"""
local ids = {IDS}
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", PATH .. ids[(counter %% #ids) + 1], HEADERS)
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(app: str, port: int, env: dict, factory: bool = False) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "uvicorn", app, "--port", str(port), "--log-level", "warning", "--no-access-log"]
    if factory:
        cmd.append("--factory")
    proc = subprocess.Popen(cmd, env={**os.environ, **env}, cwd=ROOT)
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=0.5)
            return proc
        except httpx.HTTPError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"{app} did not start")


def wrk(url: str, script: str, seconds: int, connections: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script)
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", f.name, url],
        capture_output=True, text=True, check=True,
    ).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = {p: _ms(re.search(rf"\s{p}%\s+([\d.]+\w+)", out).group(1)) for p in ("50", "99")}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p50": lat["50"], "p99": lat["99"], "non2xx": int(errors.group(1)) if errors else 0}


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def lua(template: str, path: str, headers: dict, ids: list[str] | None = None, offset: int = 0) -> str:
    header_lua = "{" + ", ".join(f'["{k}"]="{v}"' for k, v in headers.items()) + "}"
    script = template.replace("%%", "%")
    script = f'PATH = "{path}"\nHEADERS = {header_lua}\nOFFSET = {offset}\n' + script
    if ids is not None:
        script = script.replace("{IDS}", "{" + ", ".join(f'"{i}"' for i in ids) + "}")
    return script


def new_store(backend: str, folder: Path):
    """(its URL, the key of its one workspace) of a new, migrated store: a SQLite file in
    `folder`, or a fresh database on the throwaway PostgreSQL."""
    from contacthub.core import workspaces
    from contacthub.db.engine import Database
    from contacthub.db.migrate import upgrade

    url = fresh_postgres_database() if backend == "postgresql" else f"sqlite:///{folder / 'bench.db'}"
    upgrade(url)
    db = Database(url)
    with db.write() as session:
        key = workspaces.create_workspace(session, "bench")
    db.dispose()
    return url, key


def fresh_postgres_database() -> str:
    """The URL of an empty database `contacthub_bench` on the server scripts/with-postgres.sh started."""
    admin = os.environ.get("CONTACTHUB_TEST_POSTGRES_URL")
    if not admin:
        sys.exit("run under scripts/with-postgres.sh (or set CONTACTHUB_TEST_POSTGRES_URL)")
    from sqlalchemy import create_engine, text

    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS contacthub_bench WITH (FORCE)"))
        conn.execute(text("CREATE DATABASE contacthub_bench"))
    engine.dispose()
    return admin.rsplit("/", 1)[0] + "/contacthub_bench"


def fill(database_url: str, workspace_id: str, count: int, folder: Path) -> None:
    """Stores `count` contacts through the bulk import pipeline (the same rows, points and
    identity index entries a create writes), so a 100,000-contact store takes seconds, not an hour."""
    import uuid

    from contacthub.core import import_jobs, imports
    from contacthub.core.actor import Actor
    from contacthub.db.engine import Database
    from contacthub.settings import Settings

    path = folder / "fill.csv"
    with path.open("w") as f:
        f.write("First Name,Last Name,Email,Phone\n")
        for i in range(count):
            f.write(f"F{i},L{i},fill{i}@example.org,+1212{i:07d}\n")
    db = Database(database_url)
    job = import_jobs.import_now(db, Actor(uuid.UUID(workspace_id), None, "bench"), imports.SourceSpec(path=str(path)),
                                 imports.ImportOptions(on_duplicate="create"), Settings(database_url=database_url))
    print(f"  filled {job.created} contacts ({job.status})", file=sys.stderr)
    db.dispose()


def create_latency(base: str, headers: dict, n: int, tag: str) -> list[float]:
    times = []
    with httpx.Client(base_url=base, headers=headers) as client:
        for i in range(n):
            body = {"first_name": "Lat", "last_name": tag, "emails": [f"lat-{tag}-{i}@example.net"],
                    "phones": [f"+1646{(hash(tag) % 1000):03d}{i:04d}"]}
            start_t = time.perf_counter()
            response = client.post("/v1/contacts", json=body)
            times.append((time.perf_counter() - start_t) * 1000)
            assert response.status_code == 201, response.text
    return times


def pct(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100)[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each scenario, alternating; the median counts")
    parser.add_argument("--fill", type=int, default=100_000, help="contacts stored before the second latency run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("bench/api.py needs wrk: apt-get install wrk")

    tmp = Path(tempfile.mkdtemp(prefix="contacthub-bench-"))
    url, key = new_store(args.backend, tmp)
    headers = {"Authorization": f"Bearer {key.api_key}", "Content-Type": "application/json"}

    ours_port, bare_port, skip_port = free_port(), free_port(), free_port()
    ours = start("contacthub.app:create_app", ours_port, {"CONTACTHUB_DATABASE_URL": url}, factory=True)
    bare = start("bench.bare_app:app", bare_port, {"PYTHONPATH": str(ROOT)})
    # ours with the create's database work skipped (bench/stub_write_app.py): where the time goes
    skipped = start("bench.stub_write_app:create_app", skip_port,
                    {"CONTACTHUB_DATABASE_URL": url, "PYTHONPATH": str(ROOT)}, factory=True)
    results = {}
    try:
        ours_base, bare_base = f"http://127.0.0.1:{ours_port}", f"http://127.0.0.1:{bare_port}"
        skip_base = f"http://127.0.0.1:{skip_port}"
        sample = create_latency(ours_base, headers, 200, "warm")
        ids = [r["id"] for r in httpx.get(f"{ours_base}/v1/contacts?limit=200", headers=headers).json()["data"]]
        del sample
        json_headers = {"Content-Type": "application/json"}
        def scenarios(round_: int) -> dict[str, tuple[str, str]]:
            offset = 2_000_000 + round_ * 1_000_000  # phones +1415 2xx-xxxx and up: valid, new each round
            return {
                "POST bare": (bare_base + "/echo", lua(POST_LUA, "/echo", json_headers, offset=offset)),
                "POST /v1/contacts": (ours_base, lua(POST_LUA, "/v1/contacts", headers, offset=offset)),
                "POST, write skipped": (skip_base, lua(POST_LUA, "/v1/contacts", headers, offset=offset)),
                "GET bare": (bare_base, lua(GET_LUA, "/echo/", json_headers, ids)),
                "GET /v1/contacts/{id}": (ours_base, lua(GET_LUA, "/v1/contacts/", headers, ids)),
            }

        # Rounds alternate ours and bare, so a burst of other work on the machine hits both;
        # each figure is the round with the median rate.
        rounds: dict[str, list[dict]] = {name: [] for name in scenarios(0)}
        for round_ in range(args.rounds):
            for name, (url_, script) in scenarios(round_).items():
                rounds[name].append(wrk(url_, script, args.seconds, args.connections))
        for name, runs in rounds.items():
            results[name] = sorted(runs, key=lambda r: r["rps"])[len(runs) // 2]

        # Create latency: one client, one request at a time, on a store with few contacts and then with --fill more.
        lat_empty = create_latency(ours_base, headers, 500, "empty")
        fill(url, str(key.workspace_id), args.fill, tmp)
        lat_full = create_latency(ours_base, headers, 500, "full")
    finally:
        for server in (ours, bare, skipped):
            server.terminate()
            server.wait()
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"\nbackend: {args.backend}   wrk -t1 -c{args.connections} -d{args.seconds}s, median of {args.rounds} "
          f"alternating rounds   cores: {os.cpu_count()}")
    print(f"{'scenario':<24}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(f"{name:<24}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['non2xx']:>10}")
    post_ratio = results["POST /v1/contacts"]["rps"] / results["POST bare"]["rps"]
    get_ratio = results["GET /v1/contacts/{id}"]["rps"] / results["GET bare"]["rps"]
    skipped_ratio = results["POST, write skipped"]["rps"] / results["POST bare"]["rps"]
    print(f"POST ratio to bare: {post_ratio:.0%}   GET ratio to bare: {get_ratio:.0%}   "
          f"POST with the write skipped, ratio to bare: {skipped_ratio:.0%}")
    e50, f50 = pct(lat_empty, 50), pct(lat_full, 50)
    print(f"create latency p50/p99 ms: nearly empty {e50:.2f}/{pct(lat_empty, 99):.2f}   "
          f"with {args.fill:,} more stored {f50:.2f}/{pct(lat_full, 99):.2f}   growth {f50 / e50:.2f}x")
    print(json.dumps({"backend": args.backend, "results": results, "post_ratio": post_ratio, "get_ratio": get_ratio,
                      "post_write_skipped_ratio": skipped_ratio,
                      "create_p50_empty": e50, "create_p50_full": f50}))


if __name__ == "__main__":
    main()
