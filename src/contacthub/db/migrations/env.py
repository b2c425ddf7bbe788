from alembic import context
from sqlalchemy import create_engine, event, pool, text

from contacthub.db.migrate import refuse_another_applications
from contacthub.db.models import Base

config = context.config

# Any number, the same in every process: the key of the PostgreSQL lock migrations take turns on.
MIGRATION_LOCK = 7_212_001_042
# How long a migration waits for another process migrating the same SQLite file.
SQLITE_WAIT_SECONDS = 600


def run_migrations() -> None:
    """Every pending migration in one transaction, all or nothing, one process at a time: a
    migration killed half-way leaves the schema as it was (and a second process starting
    meanwhile waits, then finds nothing left to do)."""
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=Base.metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    sqlite = url.startswith("sqlite")
    engine = create_engine(url, poolclass=pool.NullPool,
                           connect_args={"timeout": SQLITE_WAIT_SECONDS} if sqlite else {})
    if sqlite:
        # SQLite's DDL is transactional, but Python's driver runs a statement outside any
        # transaction unless it began one itself (for DML only): begin it ourselves, taking the
        # write lock at once, so the version read below is already ours alone.
        @event.listens_for(engine, "connect")
        def _own_transactions(dbapi_connection, _record):
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin_immediate(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,
            transactional_ddl=True,
        )
        with context.begin_transaction():
            if not sqlite:
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
            refuse_another_applications(connection)
            context.run_migrations()
    engine.dispose()


run_migrations()
