"""`serve`, `worker` and `migrate`: running the service and its import workers."""

import os
from typing import Annotated

import typer

from contacthub.app import DOORS
from contacthub.cli.logs import LEVELS
from contacthub.cli.common import app, console, database, shown_url, upgrade_or_exit
from contacthub.core import import_jobs, workspaces
from contacthub.db.engine import Database
from contacthub.repositories import simple as simple_repo
from contacthub.settings import get_settings, path_prefix, trusted_addresses


def _a_level(value: str | None) -> str | None:
    if value is not None and value.lower() not in LEVELS:
        raise typer.BadParameter(f"use {', '.join(LEVELS)}", param_hint="--log-level")
    return value.lower() if value else None


LogLevel = Annotated[str | None, typer.Option(
    help=f"The least a record must be to be logged on stderr: {', '.join(LEVELS)}. Default: CONTACTHUB_LOG_LEVEL, "
         "else warning.", callback=_a_level)]


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (PostgreSQL only; SQLite serves from one).",
                                         min=1)] = 1,
    root_path: Annotated[str | None, typer.Option(
        help="The path prefix a reverse proxy serves this under, such as /crm (the proxy strips it before "
             "passing a request on); links and docs name it. Default: CONTACTHUB_ROOT_PATH, else none.",
        callback=lambda value: _checked(path_prefix, value, "--root-path"))] = None,
    forwarded_allow_ips: Annotated[str | None, typer.Option(
        help="Addresses (or networks, or *) whose X-Forwarded-Proto and X-Forwarded-For are believed: your "
             "proxy's. Default: CONTACTHUB_FORWARDED_ALLOW_IPS, else 127.0.0.1 and ::1.",
        callback=lambda value: _checked(trusted_addresses, value, "--forwarded-allow-ips"))] = None,
    log_level: LogLevel = None,
    access_log: Annotated[bool | None, typer.Option(
        "--access-log/--no-access-log",
        help="A line per request: method, path (without its query), status, client address. "
             "Default: CONTACTHUB_ACCESS_LOG, else off.")] = None,
):
    """Serve every API. On an empty database, creates the first workspace and prints its key."""
    import uvicorn

    from contacthub.cli.logs import log_config

    settings = get_settings()
    root_path = settings.root_path if root_path is None else root_path
    forwarded_allow_ips = forwarded_allow_ips or settings.forwarded_allow_ips
    log_level = log_level or settings.log_level
    access_log = settings.access_log if access_log is None else access_log
    _check_port_free(host, port)
    db = database()
    with db.write() as session:
        first = simple_repo.first_workspace(session)
        new = workspaces.create_workspace(session) if first is None else None
    base = f"http://{host}:{port}"
    if new:
        console.print(f"[green]Created the first workspace[/] {new.workspace_id}")
        console.print(f"API key (shown once, keep it): [bold]{new.api_key}[/]")
        console.print("Try:")
        console.print(
            f"  curl -s -X POST {base}/v1/contacts -H 'Authorization: Bearer {new.api_key}' "
            "-H 'Content-Type: application/json' "
            "-d '{\"first_name\": \"Ada\", \"last_name\": \"Lovelace\", \"emails\": [\"ada@example.com\"]}'",
            soft_wrap=True,
        )
    else:
        console.print(f"Workspace {first.id} exists; make a key with [bold]contacthub keys create[/].")
    for name, mount, client_base in DOORS:
        console.print(f"  {name:<11} {base}{client_base:<16} docs {base}{mount}/docs", soft_wrap=True)
    console.print(f"Database: {shown_url(settings.database_url)}", soft_wrap=True)
    _warn_if_read_only(settings.database_url)
    db.dispose()
    _sweep_stale_import_copies()
    label = import_jobs.worker_label("serve")
    importing = _start_import_worker(settings, label=label)
    _start_webhook_worker(settings)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("[yellow]SQLite serves from one process; ignoring --workers.[/]")
        workers = 1
    try:
        uvicorn.run("contacthub.app:create_app", factory=True, host=host, port=port, workers=workers,
                    root_path=root_path, forwarded_allow_ips=forwarded_allow_ips,
                    log_config=log_config(log_level, access_log), log_level=None, access_log=access_log)
    finally:  # uvicorn has stopped (Ctrl-C, SIGTERM, which it raises again once it has)
        if importing is not None:  # the embedded worker's job goes on elsewhere
            importing.set()
            _worker_stopped(db, label, quiet_when_idle=True)
        # SQLite's -wal folded into the .db: the file alone is whole afterwards (README, Backups);
        # a SIGTERM could end the process before its connections closed and folded it
        db.fold_log()


def _checked(check, value: str | None, option: str) -> str | None:
    """An option checked as its setting is (settings.py), refused as a bad option (exit 2)."""
    if value is None:
        return None
    try:
        return check(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _warn_if_read_only(url: str) -> None:
    """A SQLite file (or its folder, where the WAL goes) this user may not write serves reads,
    and every write answers 503 "read-only": said once at start, not discovered per request."""
    from sqlalchemy.engine import make_url

    if not url.startswith("sqlite"):
        return
    path = make_url(url).database or ""
    if not path or path == ":memory:" or path.startswith("file:"):
        return
    path = os.path.abspath(path)
    if not (os.access(path, os.W_OK) and os.access(os.path.dirname(path), os.W_OK)):
        console.print(f"[yellow]The database file {path} (or its folder) is read-only for this user:[/] reads "
                      "work, every write answers 503.")


def _sweep_stale_import_copies() -> None:
    """What a process killed mid-import left in the temporary folder (see sweep_stale_copies)."""
    from contacthub.core.import_sources import STALE_COPY_HOURS, sweep_stale_copies

    if removed := sweep_stale_copies():
        console.print(f"Removed {removed} copies of imported files older than {STALE_COPY_HOURS} h "
                      "(left by processes stopped mid-import).")


def _check_port_free(host: str, port: int) -> None:
    """Says in one line, before anything is printed or created, that the address is taken."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise typer.BadParameter(f"cannot listen on {host}: {exc.strerror}", param_hint="--host") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            console.print(f"[red]Cannot listen on {host}:{port}:[/] {exc.strerror}. Pick another with "
                          "[bold]--port[/] (or stop what is listening there).", soft_wrap=True)
            raise typer.Exit(1) from None


@app.command()
def migrate():
    """Bring the database schema up to date (every other command does it too)."""
    from contacthub.db.migrate import current_revision

    url = get_settings().database_url
    try:
        before = current_revision(url)
    except Exception:  # (no database there yet, or none reachable: upgrade_or_exit says which)
        before = None
    upgrade_or_exit(url)
    after = current_revision(url)
    done = "is up to date" if before == after else (f"was upgraded from revision {before} to {after}" if before
                                                     else f"was made, at revision {after}")
    console.print(f"[green]Database {done}:[/] {shown_url(url)}", soft_wrap=True)


@app.command()
def worker(
    name: Annotated[str | None, typer.Option(help="A name for this worker in the jobs it claims "
                                                "(default: host:pid).")] = None,
    once: Annotated[bool, typer.Option(help="Run the queued jobs (and those whose worker died), then stop "
                                            "(default: keep waiting for jobs until Ctrl-C).")] = False,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.", min=0.05)] = 1.0,
    webhooks: Annotated[bool, typer.Option(help="Send webhooks their waiting changes too, as `serve` does.")] = True,
    log_level: LogLevel = None,
):
    """Run queued import jobs (start as many as you like on PostgreSQL: each job goes to one) and
    send webhooks (each webhook is sent by one process at a time)."""
    import threading

    from contacthub.cli import logs

    logs.configure(log_level or get_settings().log_level)
    from contacthub.core import webhook_delivery
    from contacthub.dialects.native.schemas import webhook_body

    db = database()
    _sweep_stale_import_copies()
    label = name or import_jobs.worker_label("worker")
    if once:
        done = 0
        try:
            while import_jobs.work_once(db, label) is not None:
                done += 1
        except KeyboardInterrupt:
            _worker_stopped(db, label)
            raise
        console.print(f"Ran {done} import job(s).")
        if webhooks:
            sent = 0
            while moved := webhook_delivery.deliver_due(db, get_settings(), webhook_body):
                sent += moved
            console.print(f"Webhooks: {sent} batch(es) of changes sent or passed over.")
        return
    stop = threading.Event()
    sender = _webhook_sender(get_settings(), poll) if webhooks else None
    doing = "waiting for import jobs" + (" and sending webhooks" if webhooks else "")
    console.print(f"Worker {label} {doing} (Ctrl-C stops).")
    try:
        import_jobs.work_forever(db, stop, label, poll)
    except KeyboardInterrupt:
        stop.set()
        if sender is not None:
            sender.set()
        _worker_stopped(db, label)


def _worker_stopped(db: Database, label: str, quiet_when_idle: bool = False) -> None:
    """Hands the jobs `label` was running to the next worker at once (not when their leases run
    out). Its thread may still write a batch before the process ends: each write checks the job
    is still its own, and the next worker skips rows already written."""
    handed = import_jobs.hand_over(db, label)
    if not handed and quiet_when_idle:
        return
    held = ("; the import job it was running keeps the batches it wrote and goes to the next worker now "
            "(an overwrite, all or nothing, changed nothing and ends failed)") if handed else ""
    console.print(f"Worker {label} stopped{held}.")


def _start_import_worker(settings, poll_seconds: float = 1.0, label: str | None = None):
    """The embedded import worker: one daemon thread in the serving process. Answers the event
    that stops it (None when turned off)."""
    if not settings.import_embedded_worker:
        return None
    label = label or import_jobs.worker_label("serve")
    return _background("import-worker", settings,
                       lambda db, stop: import_jobs.work_forever(db, stop, label, poll_seconds))


def _start_webhook_worker(settings, poll_seconds: float = 1.0):
    """The embedded webhook sender: one daemon thread in the serving process. Answers the event
    that stops it (None when turned off)."""
    if not settings.webhook_embedded_worker:
        return None
    return _webhook_sender(settings, poll_seconds)


def _webhook_sender(settings, poll_seconds: float):
    """A daemon thread sending the native door's deliveries; answers the event that stops it."""
    from contacthub.core import webhook_delivery
    from contacthub.dialects.native.schemas import webhook_body

    return _background("webhook-sender", settings, lambda db, stop: webhook_delivery.deliver_forever(
        db, stop, settings, webhook_body, poll_seconds))


def _background(name: str, settings, work):
    """Runs `work(db, stop)` on a daemon thread with a Database of its own; answers `stop`."""
    import threading

    db = Database(settings.database_url, settings.write_wait_seconds)
    stop = threading.Event()
    threading.Thread(target=work, args=(db, stop), daemon=True, name=name).start()
    return stop
