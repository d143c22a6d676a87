#!/usr/bin/env bash
# `make run`: the job worker in the background (mail, index drains, hourly expiry of demands) and the
# web server in the foreground; stopping the server (Ctrl-C) stops the worker too.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
export FLASK_APP=marketplace
INSTANCE=${MARKETPLACE_INSTANCE_PATH:-instance}
mkdir -p "$INSTANCE"
LOG=$INSTANCE/jobs-worker.log

$BIN/flask jobs worker >>"$LOG" 2>&1 &
worker=$!
stop_worker() { kill -TERM "$worker" 2>/dev/null && wait "$worker" 2>/dev/null || true; }
trap stop_worker EXIT
echo "后台任务 worker 已启动（进程 $worker），日志（含开发环境下截获的邮件）：$LOG"

$BIN/flask run --host 127.0.0.1 --port "${FLASK_RUN_PORT:-5000}"
