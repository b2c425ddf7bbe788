"""API write latency while `serve`'s embedded worker runs a large import, beside the same writes
with no import running, in the same run (SQLite, one `contacthub serve` process).

    python bench/writes_during_import.py [--rows 50000] [--clients 4] [--seconds 20] [--worker-process]

--worker-process runs the import in a `contacthub worker` process of its own
(CONTACTHUB_IMPORT_EMBEDDED_WORKER=false for serve) instead of serve's embedded thread.

An import writes batch after batch (CONTACTHUB_IMPORT_BATCH_SIZE rows a transaction); SQLite
has one writer at a time, so an API write waits for the batch being written, and should wait
for no more than that one.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def creates(base: str, key: str, clients: int, seconds: float, tag: str, until=None) -> list[float]:
    """Latencies (ms) of native creates by `clients` threads for `seconds` (or until `until()`)."""
    times: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(n: int) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as http:
            i = 0
            while time.monotonic() < stop_at and not (until and until()):
                i += 1
                body = {"first_name": "Lat", "last_name": tag, "emails": [f"{tag}-{n}-{i}@example.net"]}
                started = time.perf_counter()
                response = http.post("/v1/contacts", json=body)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 201, response.text
                with lock:
                    times.append(elapsed)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def summary(label: str, times: list[float]) -> str:
    q = statistics.quantiles(times, n=100)
    return (f"{label:<28} {len(times):>6} writes  p50 {q[49]:7.1f} ms  p99 {q[98]:7.1f} ms  "
            f"max {max(times):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--worker-process", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="contacthub-bench-"))
    env = {**os.environ, "CONTACTHUB_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}"}
    run = [sys.executable, "-m", "contacthub.cli"]
    key = json.loads(subprocess.run([*run, "init", "--json"], env=env, check=True, capture_output=True,
                                    text=True).stdout)["api_key"]
    port = free_port()
    if args.worker_process:
        env["CONTACTHUB_IMPORT_EMBEDDED_WORKER"] = "false"
    server = subprocess.Popen([*run, "serve", "--port", str(port)], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = subprocess.Popen([*run, "worker", "--poll", "0.2", "--no-webhooks"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) if args.worker_process else None
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{base}/health", timeout=0.5)
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        quiet = creates(base, key, args.clients, args.seconds / 2, "quiet")
        source = folder / "people.csv"
        source.write_text("First Name,Last Name,Email,Phone\n" + "".join(
            f"F{i},L{i},row{i}@example.org,+1202{i % 10_000_000:07d}\n" for i in range(args.rows)))
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=120) as http:
            job = http.post("/v1/imports", files={"file": ("people.csv", source.read_bytes(), "text/csv")}).json()
            started = time.monotonic()

            def finished() -> bool:
                return http.get(f"/v1/imports/{job['id']}").json()["status"] in ("succeeded", "failed")

            done = threading.Event()

            def watch() -> None:
                while not finished():
                    time.sleep(0.2)
                done.set()

            threading.Thread(target=watch, daemon=True).start()
            busy = creates(base, key, args.clients, args.seconds, "busy", until=done.is_set)
            done.wait()
            took = time.monotonic() - started
            status = http.get(f"/v1/imports/{job['id']}").json()
        print(f"import run by {'a worker process' if args.worker_process else 'serve (embedded thread)'}, "
              f"batches of {os.environ.get('CONTACTHUB_IMPORT_BATCH_SIZE', '5000')} rows")
        print(summary("creates, no import", quiet))
        print(summary("creates, during the import", busy))
        print(f"import: {status['processed']:,} rows in {took:.1f} s ({status['processed'] / took:,.0f} rows/s, "
              f"its own writes interleaved with the creates), {status['status']}")
    finally:
        for process in filter(None, (server, worker)):
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
