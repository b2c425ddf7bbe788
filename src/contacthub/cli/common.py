"""What every command shares: the typer apps, the console (stderr: stdout carries data and
--json), opening the database, the workspace to act on, progress bars, and the wrapper that
turns any failure into one line and an exit code."""

import json
import os
import signal
import sys
import threading
import time
import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)

from contacthub.core import workspaces
from contacthub.core.actor import Actor
from contacthub.core.errors import DomainError, reason_of
from contacthub.db.engine import Database
from contacthub.db.migrate import upgrade
from contacthub.repositories import simple as simple_repo
from contacthub.settings import get_settings, unknown_variables

app = typer.Typer(help="contacthub: a self-hosted contacts service. Every command works on the database named by "
                        "CONTACTHUB_DATABASE_URL (default sqlite:///./contacthub.db), bringing its schema up to date "
                        "first.", no_args_is_help=True, add_completion=False)


@app.callback()
def _before_every_command() -> None:
    """Says which CONTACTHUB_ variables nothing reads (a warning: the command goes on)."""
    for name, close in unknown_variables(os.environ):
        maybe = f"; did you mean {close}?" if close else ""
        console.print(f"[yellow]Unknown setting {name}[/] (ignored){maybe}", soft_wrap=True)


keys_app = typer.Typer(help="Create, list and revoke API keys.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


# soft_wrap: a message is one line however narrow the terminal, or the pipe (80 columns to rich),
# so a log line or an id in it is never cut in two; tables still fit the width
console = Console(stderr=True, soft_wrap=True)


JsonFlag = Annotated[bool, typer.Option("--json", help="Print one JSON object for scripts.")]


def database() -> Database:
    settings = get_settings()
    upgrade_or_exit(settings.database_url)
    return Database(settings.database_url, settings.write_wait_seconds)


def shown_url(url: str) -> str:
    """The database URL as it may be printed: without its password."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url


class Refused(typer.Exit):
    """A command that cannot begin (exit 1), its one-line reason printed on stderr already and
    kept here for a command whose --json prints it too."""

    def __init__(self, reason: str):
        super().__init__(1)
        self.reason = reason


def upgrade_or_exit(url: str) -> None:
    """Migrates, or says in one line why the database cannot be used (exit 1)."""
    try:
        upgrade(url)
    except Exception as exc:  # a bad URL, a missing driver, a server that is down, a file that is no database
        reason = first_line(getattr(exc, "orig", None) or exc)
        hint, misspelt = _what_to_do(url, reason)
        hint = f" ({hint})" if hint else ""
        # how a URL is written, only where the URL is written wrong (a fine URL of a server that is
        # down, a newer schema, a folder this user may not write: each has its own hint)
        fix_url = (" Set CONTACTHUB_DATABASE_URL to a SQLite file (sqlite:///path/contacthub.db) or "
                   "postgresql+psycopg://user:pass@host/db.") if misspelt else ""
        console.print(f"[red]Cannot use the database {shown_url(url)}:[/] {reason}{hint}.{fix_url}", soft_wrap=True)
        raise Refused(f"cannot use the database {shown_url(url)}: {reason}{hint}") from None


def _what_to_do(url: str, reason: str) -> tuple[str, bool]:
    """A hint fitting why the database could not be used, and whether the URL is written wrong
    (no URL, another engine, a driver contacthub does not have)."""
    sqlite = url.startswith("sqlite")
    if not url.startswith(("sqlite", "postgresql")):
        return "contacthub stores its data in SQLite or PostgreSQL", True
    if "Could not parse" in reason or "No module named" in reason or "Can't load plugin" in reason:
        return "", True
    if "Can't locate revision" in reason:
        return ("its schema was made by a newer contacthub, or by another application: upgrade contacthub, "
                "or name another database"), False
    if sqlite and "unable to open" in reason:
        from sqlalchemy.engine import make_url

        path = make_url(url).database or ""
        if path and os.path.isfile(path):
            return ("SQLite makes its -wal and -shm files beside the database: may this user write the folder "
                    f"{os.path.dirname(os.path.abspath(path))}?"), False
        return "does its directory exist, and may this user write there?", False
    if sqlite and "readonly" in reason:
        return "may this user write the file and its folder?", False
    if sqlite and "not a database" in reason:
        return "that file is no SQLite database: name a contacthub store, or a new file", False
    if "Connection refused" in reason:
        return "is PostgreSQL running, and listening on that host and port?", False
    if "resolve host" in reason:
        return "is the host name in CONTACTHUB_DATABASE_URL right?", False
    if "database" in reason and "does not exist" in reason:
        return "create it first, with createdb or CREATE DATABASE, or name an existing one", False
    if "password authentication failed" in reason or ("role" in reason and "does not exist" in reason):
        return "check the user and password in CONTACTHUB_DATABASE_URL", False
    if "permission denied" in reason:
        return ("this user may not connect to it or create tables in it: grant it that, or run "
                "`contacthub migrate` once as its owner"), False
    if "timeout expired" in reason:
        return "is the PostgreSQL server reachable from here?", False
    return "", False


def first_line(exc: BaseException | str) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0].rstrip(".")


def workspace_actor(db: Database, workspace: str | None) -> Actor:
    with db.read() as session:
        if workspace:
            try:
                workspace_id = uuid.UUID(workspace)
            except ValueError:
                raise typer.BadParameter("not a workspace id", param_hint="--workspace") from None
            if all(w.id != workspace_id for w in simple_repo.workspaces(session)):
                console.print(f"[red]No workspace {workspace_id}.[/] `contacthub init --json` prints a new "
                              "workspace's id.", soft_wrap=True)
                raise Refused(f"no workspace {workspace_id}")
        else:
            first = simple_repo.first_workspace(session)
            if first is None:
                console.print("[red]No workspace yet.[/] Run [bold]contacthub init[/] first.")
                raise Refused("no workspace yet: run contacthub init first")
            workspace_id = first.id
    return Actor(workspace_id, None, "cli")


def confirmed(question: str) -> bool:
    """Asks on stderr and reads the answer from stdin (y or yes); no answer (no terminal, an
    empty line) is no. Click's confirm left a space on stdout, which --json keeps for its JSON."""
    console.print(f"{question} [y/N]: ", end="")
    try:
        answer = sys.stdin.readline()
    except (OSError, ValueError):
        answer = ""
    return answer.strip().lower() in ("y", "yes")


def print_key(new: workspaces.NewKey, json_out: bool, headline: str) -> None:
    if json_out:
        print(json.dumps({"workspace_id": str(new.workspace_id), "api_key": new.api_key, "key_id": str(new.key_id),
                          "read_only": new.read_only}))
        return
    console.print(f"[green]{headline}[/] workspace {new.workspace_id}")
    console.print(f"API key (shown once{', read-only' if new.read_only else ''}): [bold]{new.api_key}[/]")


def progress_bar(disabled: bool, share: bool = False) -> Progress:
    """A progress bar that counts items done of a known total, or (`share`) shows a percentage,
    for work measured by how far it has read (an import, through its file). Where stderr is no
    terminal (a pipe, a service's log), a plain line now and then instead (see _LoggedProgress)."""
    if not disabled and not console.is_terminal:
        return _LoggedProgress(share)
    done = TaskProgressColumn() if share else MofNCompleteColumn()
    return Progress(TextColumn("{task.description}"), BarColumn(), done, TimeRemainingColumn(),
                    console=console, disable=disabled)


class _LoggedProgress(Progress):
    """Progress where rich draws no bar (it draws one only at the end when stderr is no
    terminal): a line every LOG_EVERY_SECONDS and one at the end, so long work in a log is seen
    to move."""

    LOG_EVERY_SECONDS = 10.0

    def __init__(self, share: bool):
        super().__init__(console=console, disable=True)
        self.share = share
        self.logged_at = time.monotonic()

    def update(self, task_id, **changes) -> None:
        super().update(task_id, **changes)
        self._log_now_and_then(task_id)

    def advance(self, task_id, advance: float = 1) -> None:
        super().advance(task_id, advance)
        self._log_now_and_then(task_id)

    def stop(self) -> None:
        super().stop()
        for task in self.tasks:
            self._log(task)

    def _log_now_and_then(self, task_id) -> None:
        if time.monotonic() - self.logged_at >= self.LOG_EVERY_SECONDS:
            self._log(next(t for t in self.tasks if t.id == task_id))

    def _log(self, task) -> None:
        self.logged_at = time.monotonic()
        if self.share or not task.total:
            done = f"{task.percentage:.0f}%"
        else:
            done = f"{int(task.completed):,}/{int(task.total):,}"
        console.print(f"{task.description} {done}", highlight=False)


_TERMINATED = threading.Event()


def note_signal(signum: int) -> None:
    """A command handling its signals itself says it was sent SIGTERM: the process then ends by
    it once the command has stopped (see friendly)."""
    if signum == signal.SIGTERM:
        _TERMINATED.set()


def _terminated(signum, frame):
    # SIGTERM (kill, timeout, systemd, docker stop) stops a command as Ctrl-C does: an overwrite
    # import fails with nothing changed instead of being left for a worker to run later, an
    # export removes its partial file, a worker leaves its job to the next. Then the process
    # ends by the signal all the same (see friendly): what a service manager reads as a stop.
    _TERMINATED.set()
    raise KeyboardInterrupt


def _die_by_sigterm() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def friendly(command):
    """Wraps a command so a failure is one line on stderr and an exit code, never a traceback:
    1 for a refused request (a domain error, a database that cannot be reached, a file system
    error), 130 for Ctrl-C; SIGTERM stops the command as Ctrl-C does, then the process ends by
    the signal. CONTACTHUB_CLI_TRACEBACK=1 shows the traceback of an unexpected
    error instead (for a bug report)."""
    import functools

    import click
    import typer.exceptions
    from pydantic import ValidationError
    from sqlalchemy.exc import SQLAlchemyError

    from contacthub.core.errors import Busy

    @functools.wraps(command)
    def run(*args, **kwargs):
        main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _terminated) if main else None
        try:
            return _run_interruptible(*args, **kwargs)
        finally:
            if main:
                signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
            if _TERMINATED.is_set():
                _die_by_sigterm()

    def _run_interruptible(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException, click.exceptions.Exit,
                click.exceptions.ClickException, click.exceptions.Abort, SystemExit):
            raise  # typer's own: usage errors, exit codes
        except KeyboardInterrupt:
            console.print("[yellow]Interrupted.[/]")
            raise typer.Exit(130) from None
        except BrokenPipeError:  # `contacthub export | head`: the reader has what it wanted
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
            except (OSError, ValueError):
                pass
            raise typer.Exit(141) from None
        except Busy:
            console.print("[red]The database is busy with another writer[/] (an overwrite import?); try again "
                          "when it is done.", soft_wrap=True)
            raise typer.Exit(1) from None
        except DomainError as exc:
            console.print(f"[red]{exc.message}[/]", soft_wrap=True)
            raise typer.Exit(1) from None
        except SQLAlchemyError as exc:
            console.print(f"[red]Database error:[/] {first_line(getattr(exc, 'orig', None) or exc)} "
                          f"({shown_url(get_settings().database_url)})", soft_wrap=True)
            raise typer.Exit(1) from None
        except ValidationError as exc:  # the settings: CONTACTHUB_* variables
            if exc.title != "Settings":
                if os.environ.get("CONTACTHUB_CLI_TRACEBACK"):
                    raise
                console.print(f"[red]Unexpected error:[/] {first_line(exc)}", soft_wrap=True)
                raise typer.Exit(1) from None
            faults = "; ".join(f"CONTACTHUB_{'_'.join(str(x) for x in e['loc']).upper()}: {reason_of(e)}"
                               for e in exc.errors())
            console.print(f"[red]Bad setting[/] {faults}", soft_wrap=True)
            raise typer.Exit(1) from None
        except OSError as exc:
            where = f" {exc.filename}" if exc.filename else ""
            console.print(f"[red]Error:[/] {exc.strerror or first_line(exc)}{where}", soft_wrap=True)
            raise typer.Exit(1) from None
        except Exception as exc:
            if os.environ.get("CONTACTHUB_CLI_TRACEBACK"):
                raise
            console.print(f"[red]Unexpected error:[/] {type(exc).__name__}: {first_line(exc)} (run again with "
                          "CONTACTHUB_CLI_TRACEBACK=1 for the details, and report it)", soft_wrap=True)
            raise typer.Exit(1) from None

    return run
