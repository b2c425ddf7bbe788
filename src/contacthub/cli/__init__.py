"""The `contacthub` command: serve, init, keys, import, export, dedupe, erase, worker, migrate. It calls
the same core services as the HTTP doors; events it causes are recorded with door "cli". Each
command lives in the module of its concern; importing them registers them on `app`."""

# in the order `contacthub --help` lists them
from contacthub.cli import serve, keys, importing, export, dedupe, erase  # noqa: F401,I001 (they register their commands)
from contacthub.cli.common import app, friendly, keys_app

for _info in app.registered_commands + keys_app.registered_commands:
    _info.callback = friendly(_info.callback)

__all__ = ["app"]
