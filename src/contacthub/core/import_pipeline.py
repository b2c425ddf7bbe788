"""Reading and validating an import file's rows, batch by batch, in file order.

Parsing a row (csv, email-validator, phonenumbers, the row's identity profile and keys) costs
about as much CPU as writing it, so on a large file it runs in a child process while this
process resolves and writes the previous batch: two cores instead of one. The child reads the
file itself (nothing but parsed batches crosses the pipe), at most one batch ahead of the
writer (memory stays flat), and sends them in file order, so every row keeps its index. A
small file is parsed inline (starting a child costs more than it saves). Both ways run the same
code (`_batches`), so the outcome of every row is the same.

Groups: when the file has a Type column, the rows of type group come first (a first pass over
the file), so that rows naming groups can join them; in a JSONL file, organizations come first
too, so that lines naming them can join them.
"""

import dataclasses
import gc
import logging
import multiprocessing
import signal
import threading
from contextlib import contextmanager
from collections.abc import Iterator

from contacthub.core.errors import DomainError
from contacthub.core.import_sources import SourceFile, _BrokenRow, open_rows

log = logging.getLogger("contacthub.imports")

_DONE = "done"
_FAILED = "failed"

# Signals that stop a process on purpose (Ctrl-C, `kill`, a service manager, a closed terminal):
# a parser ended by one of them was stopped with the import, not broken by the file.
_STOPPING_SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM, signal.SIGHUP})


class ParserStopped(RuntimeError):
    """The parser process was ended by a stopping signal (SIGTERM sent to the whole process
    group, say): the import is interrupted, and can be resumed, rather than failed."""


_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_saved_threshold: tuple[int, int, int] | None = None
_NEVER = 2**31 - 1


@contextmanager
def gc_paused() -> Iterator[None]:
    """Python's full (oldest-generation) garbage collections paused while an import runs.

    An import keeps hundreds of thousands of objects alive per batch; each full collection walks
    all of them (a fifth of the import's CPU time). Reference counting frees each batch. The
    young generations are still collected, so a server's own short-lived cycles (requests served
    meanwhile) are freed as usual; full collections resume when the last running import ends."""
    global _gc_pausers, _gc_saved_threshold
    with _gc_lock:
        _gc_pausers += 1
        if _gc_pausers == 1:
            _gc_saved_threshold = gc.get_threshold()
            young, middle, _ = _gc_saved_threshold
            gc.set_threshold(young, middle, _NEVER)
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_saved_threshold is not None:
                gc.set_threshold(*_gc_saved_threshold)
                _gc_saved_threshold = None
                gc.collect()


def _batches(source: SourceFile, reader, parser, batch_size: int) -> Iterator[tuple[list, float]]:
    """(batch of ParsedRow, progress in [0, 1]) in file order; blank lines are left out."""
    passes = ("first", "other") if parser.knows_kinds else ("all",)
    for which in passes:
        # the first pass (groups; see RowParser.first_kinds) reads the file on its own; the main
        # reader (and its progress) is the last pass
        pass_reader = open_rows(source) if which == "first" else reader
        batch = []
        for index, cells in enumerate(pass_reader.rows):
            if not isinstance(cells, _BrokenRow) and not any(c.strip() for c in cells):
                continue  # a blank line: no contact, no outcome
            if which != "all":
                first = not isinstance(cells, _BrokenRow) and parser.kind_of(cells) in parser.first_kinds
                if (which == "first") != first:
                    continue
            batch.append(parser.parse_prepared(index, cells))
            if len(batch) >= batch_size:
                yield batch, reader.position()
                batch = []
        if batch:
            yield batch, reader.position()


def parsed_batches(source: SourceFile, reader, parser, batch_size: int, parallel: bool) -> Iterator[tuple[list, float]]:
    """The file's rows, parsed, in batches: in a child process when `parallel`, else inline.
    `reader` is the file opened by the caller (headers read)."""
    if not parallel:
        yield from _batches(source, reader, parser, batch_size)
        return
    reader.rows.close()  # the child reads the file itself
    context = multiprocessing.get_context("spawn")  # never fork a process that may run threads
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        # the file as the child's own (not temporary: the parent discards it)
        target=_child, args=(dataclasses.replace(source, temporary=False), parser, batch_size, sender),
        name="contacthub-import-parser", daemon=True,
    )
    _start_deaf_to_ctrl_c(child)
    sender.close()  # the child's end: ours closes so that its exit is seen as the end of the pipe
    try:
        while True:
            # A pipe, not a queue: the child blocks on a full pipe, so it is at most one batch
            # ahead of the writer (memory stays flat), and no feeder thread holds extra copies.
            while not receiver.poll(5):
                if not child.is_alive():
                    raise _ended(child)
            try:
                kind, payload, position = receiver.recv()
            except (EOFError, OSError):  # OSError: the child ended in the middle of a batch
                child.join(timeout=5)
                raise _ended(child) from None
            if kind == _DONE:
                break
            if kind == _FAILED:
                is_domain, message = payload
                raise DomainError(message) if is_domain else RuntimeError(message)
            yield payload, position
    finally:
        receiver.close()  # a child still sending sees a broken pipe and ends
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)


def _ended(child) -> RuntimeError:
    """Why the parser process ended before its last batch."""
    code = child.exitcode
    if code is not None and code < 0 and -code in _STOPPING_SIGNALS:
        return ParserStopped(f"the import's parser process was stopped ({signal.Signals(-code).name})")
    return RuntimeError(f"the import's parser process ended unexpectedly ({code})")


def _start_deaf_to_ctrl_c(child) -> None:
    """Starts the parser process ignoring SIGINT (a Ctrl-C reaches the whole process group): the
    importing process alone handles it, and closing the pipe ends the child, without a
    KeyboardInterrupt traceback of its own. A spawned Python keeps an inherited SIG_IGN."""
    if threading.current_thread() is not threading.main_thread():
        child.start()  # a worker thread cannot touch signal handlers (nor receives SIGINT)
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child.start()
    finally:
        signal.signal(signal.SIGINT, previous)


def _child(source: SourceFile, parser, batch_size: int, out) -> None:
    """The parser process: reads and parses the file, sends batches, then _DONE (or _FAILED)."""
    gc.disable()  # a short-lived process whose batches are freed by reference counting
    try:
        reader = open_rows(source)
        for batch, position in _batches(source, reader, parser, batch_size):
            out.send(("batch", batch, position))
            del batch
        out.send((_DONE, None, 1.0))
    except (BrokenPipeError, ConnectionResetError):
        pass  # the parent stopped reading (its import failed): nothing to tell
    except BaseException as exc:  # handed to the parent, which fails the job with it
        if not isinstance(exc, DomainError):
            log.exception("import parser failed")
        message = exc.message if isinstance(exc, DomainError) else f"the import's parser failed: {exc!r}"
        try:
            out.send((_FAILED, (isinstance(exc, DomainError), message), 0.0))
        except OSError:
            pass
    finally:
        out.close()
