"""How `serve` and `worker` log: a line per record on stderr, with its time, level and logger name
(contacthub.webhooks, uvicorn.error...), contacthub's loggers and uvicorn's alike. No record
holds an API key or a body; the access log (off unless asked for) holds no query string."""

import logging
import sys

from contacthub.dialects.errors_base import logged_already

LEVELS = ("debug", "info", "warning", "error", "critical")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class WithoutQuery(logging.Filter):
    """An access log line without the query string, where searches carry names and emails
    (`?email=…`, `?lastName=…`): method, path, status and the client's address only."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and isinstance(args[2], str):  # uvicorn's access record
            client, method, path, version, status = args
            record.args = (client, method, path.split("?", 1)[0], version, status)
        return True


class OnceEach500(logging.Filter):
    """uvicorn logs again ("Exception in ASGI application") the failure a door's handler logged
    already with its request (Starlette raises it on after answering 500): one record is enough."""

    def filter(self, record: logging.LogRecord) -> bool:
        failure = record.exc_info[1] if record.exc_info else None
        return not (record.name.startswith("uvicorn") and failure is not None and logged_already(failure))


class Stderr(logging.StreamHandler):
    """stderr as it is when a record comes, not when logging was set up (a command run in-process,
    by a test, has its stderr swapped for a while)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def log_config(level: str, access_log: bool) -> dict:
    """logging's dictConfig for `level` (one of LEVELS) of contacthub's and uvicorn's loggers
    (other libraries: warnings and worse), on the root logger's handler; the access log at info
    whatever the level, on a handler of its own, when it is on (else uvicorn turns it off)."""
    level = level.upper()
    stderr = {"class": f"{__name__}.Stderr", "formatter": "plain"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": FORMAT}},
        "filters": {"once": {"()": OnceEach500}, "without_query": {"()": WithoutQuery}},
        "handlers": {
            "stderr": {**stderr, "filters": ["once"]},
            "access": {**stderr, "filters": ["without_query"]},
        },
        "root": {"handlers": ["stderr"], "level": "WARNING"},
        "loggers": {
            "contacthub": {"level": level},
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO" if access_log else "WARNING",
                               "propagate": False},
        },
    }


def configure(level: str) -> None:
    """For a command that runs no server (`worker`): contacthub's loggers as `serve` has them."""
    import logging.config

    logging.config.dictConfig(log_config(level, access_log=False))
