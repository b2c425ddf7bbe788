"""The third server of bench/api.py: contacthub's whole app, but a create's database work is
replaced by a canned answer, still run on the writer thread and handed back. Everything else of
the POST is real: routing, the key check, body validation, the hand-off, the response.

Its rate beside the bare echo is what the door itself costs; beside the real POST, what the
core write (normalization, identity filing, history, the SQL) costs."""

import asyncio

from bench.bare_app import STORED
from contacthub.app import create_app as create_real_app
from contacthub.db.engine import Database
from contacthub.dialects.responses import FastJSONResponse


async def _write_skipped(self: Database, work):
    return await asyncio.get_running_loop().run_in_executor(
        self._hot_threads(), lambda: FastJSONResponse(STORED, status_code=201))


def create_app():
    Database.write_soon = _write_skipped  # this process only: the bench starts it on its own
    return create_real_app()
