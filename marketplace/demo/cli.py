"""`flask seed-demo`."""

import click

from ..extensions import db
from . import services


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Load invented demo data (platforms, offerings, demands, users) into an empty database."""
    if not services.database_is_empty():
        raise click.ClickException("数据库不为空，未加载演示数据。")
    counts = services.seed_demo()
    db.session.commit()
    click.echo("已加载演示数据：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    click.echo(f"演示账户（密码均为 {services.DEMO_PASSWORD}）：")
    for email, label, _role in services.DEMO_ACCOUNTS:
        click.echo(f"  {label:<8} {email}")
