#!/usr/bin/env bash
# Runs a command with CONTACTHUB_TEST_POSTGRES_URL pointing at a throwaway PostgreSQL.
#
# If the variable is already set, that server is used. Otherwise, when the Debian `postgresql`
# package is installed, a fresh cluster is made in a temporary folder, started on a spare port
# (as the `postgres` user when we are root), and removed when the command ends. Without
# PostgreSQL the command still runs, and the PostgreSQL half of the suite is reported skipped.
set -euo pipefail

if [ -n "${CONTACTHUB_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"
fi

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
  echo "with-postgres: PostgreSQL is not installed (apt-get install postgresql); running on SQLite only" >&2
  exec "$@"
fi

dir=$(mktemp -d /tmp/contacthub-pg.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
as_pg() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = "0" ]; then chown postgres "$dir"; fi

as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
# Durability is pointless for a throwaway test server; turning it off makes the suite faster.
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
  start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }

cleanup() {
  as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

export CONTACTHUB_TEST_POSTGRES_URL="postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
echo "with-postgres: throwaway PostgreSQL on port $port" >&2
"$@"
