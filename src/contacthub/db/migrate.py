"""Runs the Alembic migrations shipped inside the package."""

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


class NotOurs(Exception):
    """The database holds another application's tables and no contacthub schema."""

    def __init__(self, tables: list[str]):
        shown = ", ".join(tables[:3]) + (f" and {len(tables) - 3} more" if len(tables) > 3 else "")
        super().__init__(f"it holds other tables ({shown}) and no contacthub schema; use an empty database "
                         "(or a new SQLite file)")
        self.tables = tables


def refuse_another_applications(connection: Connection) -> None:
    """A database with tables but no alembic_version is another application's: migrating it would
    add contacthub's tables beside that application's (the URL named the wrong database)."""
    tables = sorted(inspect(connection).get_table_names())
    if tables and "alembic_version" not in tables:
        raise NotOurs(tables)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> None:
    before = current_revision(url)
    command.upgrade(alembic_config(url), "head")
    if before is not None and _number(before) < _number("0004_identity"):
        file_contacts_stored_before_identity(url)


def current_revision(url: str) -> str | None:
    """The store's revision (None: a new store, or one no contacthub has migrated)."""
    from alembic.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def _number(revision: str) -> int:
    return int(revision.split("_", 1)[0])


def file_contacts_stored_before_identity(url: str) -> None:
    """0004 made the identity index, empty: contacts stored before it were unknown to merges and
    matches until `contacthub dedupe` ran. An upgrade across it files them at once, with the
    app's own rules (they read whole contacts, so they run on the schema at head, not inside a
    migration written for an older one)."""
    from contacthub.core import identity
    from contacthub.core.actor import Actor
    from contacthub.db.engine import Database
    from contacthub.repositories import simple

    db = Database(url)
    try:
        with db.read() as session:
            workspace_ids = [w.id for w in simple.workspaces(session)]
        for workspace_id in workspace_ids:
            identity.index_all_missing(db, Actor(workspace_id, None, "cli"))
    finally:
        db.dispose()
