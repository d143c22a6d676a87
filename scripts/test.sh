#!/usr/bin/env bash
# Runs the whole suite twice, side by side: on SQLite (jobs queued in SQLite), and production-like on a
# throwaway PostgreSQL cluster with jobs queued in a throwaway Redis server, both started here.
# Installs PostgreSQL, Redis, Chromium, nodejs and npm from Debian packages when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

source scripts/pg.sh  # pg_bin, pg_start, pg_stop
need=()
[ -n "$pg_bin" ] && [ -x "$pg_bin/initdb" ] || need+=(postgresql)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# Chart.js in static/vendor/ (pinned by package-lock.json), as `make test` builds it
make --no-print-directory static/vendor/chart.umd.min.js

# --- a private PostgreSQL cluster on a free port (scripts/pg.sh), removed on exit ---
REDISDIR=$(mktemp -d /tmp/marketplace-redis.XXXXXX)
cleanup() {
  pg_stop
  if [ -s "$REDISDIR/redis.pid" ]; then
    local pid; pid=$(cat "$REDISDIR/redis.pid")
    kill "$pid" 2>/dev/null || true
    # Redis writes its last log lines while it exits: wait for it before removing its folder.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$REDISDIR" || true
}
trap cleanup EXIT
pg_start marketplace_test

# --- a private Redis on a free loopback port, no persistence, removed on exit ---
REDISPORT=${REDISPORT:-56379}
while (exec 3<>/dev/tcp/127.0.0.1/$REDISPORT) 2>/dev/null; do REDISPORT=$((REDISPORT + 1)); done
redis-server --bind 127.0.0.1 --port "$REDISPORT" --dir "$REDISDIR" --save "" --appendonly no \
  --daemonize yes --pidfile "$REDISDIR/redis.pid" --logfile "$REDISDIR/log"
for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/$REDISPORT) 2>/dev/null && break; sleep 0.1; done
(exec 3<>/dev/tcp/127.0.0.1/$REDISPORT) 2>/dev/null || { echo "redis-server did not start:"; cat "$REDISDIR/log"; exit 1; }

echo "== ruff (format and lint)"
$BIN/ruff format --check --quiet . || { echo "run: .venv/bin/ruff format ."; exit 1; }
$BIN/ruff check --quiet .

# The two passes run side by side (one core each), each in its own temporary folder; the PostgreSQL
# pass's output follows the SQLite pass's.
RUNDIR=$(mktemp -d /tmp/marketplace-test.XXXXXX)
trap 'cleanup; rm -rf "$RUNDIR"' EXIT
echo "== test suite on SQLite, and on PostgreSQL (port $PGPORT) with jobs on Redis (port $REDISPORT) beside it"
MARKETPLACE_TEST_DATABASE_URL="$PG_URL" \
MARKETPLACE_TEST_JOBS_BACKEND=redis MARKETPLACE_TEST_JOBS_REDIS_URL="redis://127.0.0.1:$REDISPORT/0" \
  $BIN/python -m pytest --basetemp="$RUNDIR/postgresql" "$@" >"$RUNDIR/postgresql.log" 2>&1 &
pg_pass=$!
status=0
$BIN/python -m pytest --basetemp="$RUNDIR/sqlite" "$@" || status=$?
pg_status=0
wait $pg_pass || pg_status=$?
echo "== test suite on PostgreSQL (port $PGPORT), jobs on Redis (port $REDISPORT)"
cat "$RUNDIR/postgresql.log"
[ $pg_status = 0 ] || status=$pg_status
exit $status
