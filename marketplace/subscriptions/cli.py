"""`flask notify scan` and `flask notify send-digests` (the worker runs both on its schedule)."""

import click
from flask.cli import AppGroup

from . import services
from .models import Frequency

notify_cli = AppGroup("notify", help="订阅推送 / subscriptions and digests")


@notify_cli.command("scan")
def scan_command() -> None:
    """Deliver new and changed offerings and demands to their subscribers now."""
    click.echo(f"delivered {services.scan()}")


@notify_cli.command("send-digests")
@click.option(
    "--frequency",
    type=click.Choice([Frequency.DAILY.value, Frequency.WEEKLY.value]),
    default=Frequency.DAILY.value,
    show_default=True,
)
def send_digests_command(frequency: str) -> None:
    """Mail each user the items of their daily (or weekly) subscriptions not mailed yet. Run again at
    once, it sends nothing; after a crash half-way it sends the rest."""
    services.scan()  # what changed until now belongs in this digest
    click.echo(f"sent {services.send_digests(frequency)}")
