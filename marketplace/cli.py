"""Application-level commands that span features (so they live here, not in core):
`flask bootstrap`, everything `make run` needs before serving, and `flask jobs worker`."""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from flask_migrate import upgrade

from .extensions import db


def ensure_secret_key(instance_path: str) -> bool:
    """Write a random secret key into instance/ once; never into the repository."""
    key_file = Path(instance_path) / "secret_key"
    if key_file.exists():
        return False
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return True


@click.command("bootstrap")
def bootstrap_command() -> None:
    """Secret key, migrations, demo data when empty, search index; then list the demo accounts."""
    from .core.cache import clear_pages
    from .coverage import services as coverage
    from .demands.services import expire_overdue
    from .demo import services as demo
    from .matching import indexer

    if ensure_secret_key(current_app.instance_path):
        click.echo("已生成 instance/secret_key")
    upgrade()
    if demo.database_is_empty():
        counts = demo.seed_demo()
        db.session.commit()
        click.echo("已加载演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    expired = expire_overdue()
    db.session.commit()
    if expired:
        click.echo(f"{expired} 条需求已过截止日期")
    clear_pages(Path(current_app.config["PAGE_CACHE_DIR"]))  # kept by an earlier version of the code
    indexer.open_index(current_app)  # builds the index when missing or unusable
    indexer.drain(current_app, wait=30.0)
    click.echo(f"搜索索引就绪：{current_app.config['SEARCH_INDEX_DIR']}")
    matched = coverage.refresh(current_app.config["COVERAGE_REFRESH_LIMIT"])
    if matched:
        click.echo(f"已为 {matched} 条需求计算最佳匹配（供需覆盖）")
    click.echo(f"\n演示账户（密码均为 {demo.DEMO_PASSWORD}）：")
    for email, label, _role in demo.DEMO_ACCOUNTS:
        click.echo(f"  {label:<8} {email}")
    click.echo(f"\n打开 http://127.0.0.1:{os.environ.get('FLASK_RUN_PORT', '5000')}\n")


jobs_cli = AppGroup("jobs", help="后台任务 / background jobs")


@jobs_cli.command("worker")
@click.option("--workers", type=int, default=None, help="worker threads (default: JOBS_WORKERS)")
def worker_command(workers: int | None) -> None:
    """Run queued and periodic jobs until stopped (SIGTERM: finish running jobs first; Ctrl-C: at once)."""
    from .core.jobs import describe_backend, huey
    from .matching.jobs import follow_outbox

    if huey.immediate:
        raise click.UsageError("JOBS_IMMEDIATE 已开启：任务在提交它的进程里立即执行，不需要 worker。")
    workers = workers or current_app.config["JOBS_WORKERS"]
    click.echo(
        f"后台任务 worker：队列 {describe_backend(current_app)}，{workers} 个线程，日志写到标准错误输出",
        err=True,
    )
    consumer = huey.create_consumer(
        workers=workers, periodic=True, worker_type="thread", graceful_signal="TERM", shutdown_timeout=30
    )
    # The broker is shared by every host; this host's search index follows the outbox on its own.
    stop = threading.Event()
    follow_outbox(current_app._get_current_object(), stop)
    try:
        consumer.run()
    finally:
        stop.set()
