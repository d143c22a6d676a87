"""`flask demands expire`."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import services

demands_cli = AppGroup("demands", help="中试需求 / demands")


@demands_cli.command("expire")
def expire_command() -> None:
    """Close open demands whose deadline has passed (`flask jobs worker` also does it every hour)."""
    count = services.expire_overdue()
    db.session.commit()
    click.echo(f"{count} 条需求已过期")
