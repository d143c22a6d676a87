#!/usr/bin/env bash
# A private, throwaway PostgreSQL cluster on a free loopback port (fsync off: for tests and benches).
#
# Sourced (scripts/test.sh):  pg_start DBNAME   starts it in a new temporary folder, creates DBNAME and sets
#                                               PGPORT, PGDATA and PG_URL (a SQLAlchemy URL);
#                             pg_stop           stops it and removes its folder.
# As a command (bench/bench_scale.py):  pg.sh start DBNAME   prints PGPORT=…, PGDATA=… and PG_URL=… lines
#                                                            and leaves the cluster running;
#                                       pg.sh stop PGDATA    stops it and removes the folder.
# Needs the Debian package postgresql (pg_bin: the newest installed server's bin folder).

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)

_as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_start() {
  local db=$1
  [ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || {
    echo "PostgreSQL is not installed: sudo apt-get install postgresql" >&2
    return 1
  }
  PGPORT=${PGPORT:-55432}
  while (exec 3<>/dev/tcp/127.0.0.1/$PGPORT) 2>/dev/null; do PGPORT=$((PGPORT + 1)); done
  PGDATA=$(mktemp -d /tmp/marketplace-pg.XXXXXX)
  if [ "$(id -u)" = 0 ]; then chown postgres "$PGDATA"; fi
  _as_pg "$pg_bin/initdb" -D "$PGDATA/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  _as_pg "$pg_bin/pg_ctl" -D "$PGDATA/data" -l "$PGDATA/log" -w \
    -o "-p $PGPORT -k $PGDATA -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
  _as_pg "$pg_bin/createdb" -h 127.0.0.1 -p "$PGPORT" -U postgres "$db"
  PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PGPORT/$db"
}

pg_stop() {
  [ -n "${PGDATA:-}" ] || return 0
  _as_pg "$pg_bin/pg_ctl" -D "$PGDATA/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGDATA" || true
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  case "${1:-}" in
    start)
      pg_start "${2:?database name}"
      echo "PGPORT=$PGPORT"
      echo "PGDATA=$PGDATA"
      echo "PG_URL=$PG_URL"
      ;;
    stop) PGDATA=${2:?PGDATA folder} pg_stop ;;
    *) echo "usage: $0 start DBNAME | stop PGDATA" >&2; exit 2 ;;
  esac
fi
