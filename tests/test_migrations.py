"""The migrations build exactly the schema the models describe, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from contacthub.db.models import Base


def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diff == []


def test_every_table_is_keyed_by_workspace_first():
    for table in Base.metadata.sorted_tables:
        first = list(table.primary_key.columns)[0].name
        assert first in ("workspace_id",) or table.name == "workspaces", table.name
