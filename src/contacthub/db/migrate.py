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
    command.upgrade(alembic_config(url), "head")
