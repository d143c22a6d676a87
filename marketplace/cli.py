"""`flask bootstrap`: everything `make run` needs before serving (it spans features, so it lives
at the application level, not in core)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import current_app
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
    indexer.open_index(current_app)  # builds the index when missing or unusable
    indexer.drain(current_app, wait=30.0)
    click.echo(f"搜索索引就绪：{current_app.config['SEARCH_INDEX_DIR']}")
    click.echo(f"\n演示账户（密码均为 {demo.DEMO_PASSWORD}）：")
    for email, label, _role in demo.DEMO_ACCOUNTS:
        click.echo(f"  {label:<8} {email}")
    click.echo("\n打开 http://127.0.0.1:5000\n")
