#!/usr/bin/env bash
# Start a throw-away PostgreSQL server from this machine's own binaries, for the tests.
#
#   eval "$(scripts/postgres-test-server.sh start)"   # exports TEST_DATABASE_URL and PG_TEST_DIR
#   scripts/postgres-test-server.sh stop "$PG_TEST_DIR"
#
# PostgreSQL refuses to run as root, so when we are root the server runs as the `postgres`
# user. It listens on a free loopback port and a socket in its own temporary directory, with
# trust authentication: it is for tests on this machine only, and is removed by `stop`.
set -euo pipefail

find_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$found" ] || { echo "PostgreSQL ($name) saknas: installera Debian-paketet postgresql" >&2; exit 1; }
  echo "$found"
}

as_pg() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "${1:-}" in
  start)
    INITDB=$(find_bin initdb)
    PG_CTL=$(find_bin pg_ctl)
    dir=$(mktemp -d /tmp/eb-postgres.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = "0" ] && chown postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    as_pg "$INITDB" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$PG_CTL" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "export PG_TEST_DIR=$dir"
    echo "export TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    dir=${2:?usage: $0 stop DIR}
    PG_CTL=$(find_bin pg_ctl)
    as_pg "$PG_CTL" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
