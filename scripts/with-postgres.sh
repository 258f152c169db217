#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster on loopback, then stop and remove it.
#   scripts/with-postgres.sh pytest ...      (DATABASE_URL is set for the command)
#   LOCALTRACE_PG_KEEP=/var/tmp/bench-pg scripts/with-postgres.sh ...   keeps the cluster's data in that
#   folder (made on first use) and only stops the server at the end, so a benchmark can reuse its data.
# Uses Debian's postgresql package (initdb/pg_ctl); as root it runs the server as `postgres`.
set -euo pipefail

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL is not installed: run 'make test-deps' as root, or apt-get install postgresql." >&2
  exit 1
fi

keep=${LOCALTRACE_PG_KEEP:-}
if [ -n "$keep" ]; then
  mkdir -p "$keep"
  dir=$(cd "$keep" && pwd)
else
  dir=$(mktemp -d /tmp/localtrace-pg.XXXXXX)
fi
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres "$dir"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

stop() {
  as_pg "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  [ -n "$keep" ] || rm -rf "$dir"
}
trap stop EXIT

fresh=1
if [ -n "$keep" ] && [ -f "$dir/data/PG_VERSION" ]; then
  fresh=0
else
  as_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
fi
# Durability is pointless for a throwaway test database; speed is not.
as_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-h 127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >/dev/null
[ "$fresh" = 0 ] || as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U postgres localtrace

echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
DATABASE_URL="postgres://postgres@127.0.0.1:$port/localtrace" "$@"
