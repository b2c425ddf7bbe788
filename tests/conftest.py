"""Every test that touches the store runs twice: on a SQLite file and on PostgreSQL.

PostgreSQL is used when CONTACTHUB_TEST_POSTGRES_URL names a server we may create databases on
(`.ci/run` starts a throwaway one); without it those runs are skipped, never faked. Tests are
isolated by workspace, the same way tenants are in production: each test gets a new one.
"""

import os
import threading
import time
import uuid

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from contacthub.app import create_app
from contacthub.core import workspaces
from contacthub.db.engine import Database
from contacthub.db.migrate import upgrade
from contacthub.settings import Settings

POSTGRES_ADMIN_URL = os.environ.get("CONTACTHUB_TEST_POSTGRES_URL")


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _postgres_database() -> str:
    return fresh_postgres_database("contacthub_test")


def fresh_postgres_database(prefix: str) -> str:
    """The URL of an empty database named `prefix` and this xdist worker's name on the test
    server (made anew: one left by an earlier run is dropped first)."""
    name = f"{prefix}_{_worker()}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    if request.param == "postgresql":
        if not POSTGRES_ADMIN_URL:
            pytest.skip("CONTACTHUB_TEST_POSTGRES_URL is not set (.ci/run sets it)")
        url = _postgres_database()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'contacthub.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def settings(database_url) -> Settings:
    return Settings(database_url=database_url)


@pytest.fixture(scope="session")
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def app(settings, db):
    return create_app(settings, db)


@pytest.fixture
def workspace(db) -> workspaces.NewKey:
    with db.write() as session:
        return workspaces.create_workspace(session, f"test-{uuid.uuid4().hex[:8]}")


@pytest.fixture
def read_only_key(db, workspace) -> str:
    """A second key of the fresh workspace, one that may only read."""
    with db.write() as session:
        return workspaces.create_key(session, workspace.workspace_id, "reports", read_only=True).api_key


@pytest.fixture
def client(app) -> TestClient:
    return TestClient(app)


@pytest.fixture
def api(client, workspace) -> TestClient:
    """A client whose requests carry the fresh workspace's key (Bearer, the native scheme)."""
    client.headers["Authorization"] = f"Bearer {workspace.api_key}"
    return client


@pytest.fixture(scope="session")
def live_server(app):
    """The app on a real socket, for clients that open their own connections (vendor SDKs)."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    httpx.get(base + "/health").raise_for_status()
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """Runs `contacthub ...` in-process against a SQLite file of its own."""
    from typer.testing import CliRunner

    from contacthub.cli import app as cli_app
    from contacthub.settings import get_settings

    monkeypatch.setenv("CONTACTHUB_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()
    runner = CliRunner()
    # input: what the user types (the answer to a question)
    yield lambda *args, input=None: runner.invoke(cli_app, list(args), input=input, catch_exceptions=False)
    get_settings.cache_clear()
