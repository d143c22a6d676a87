"""`flask coverage refresh`: match open demands again so the dashboard knows which have a good match."""

import click
from flask.cli import AppGroup

from . import services

coverage_cli = AppGroup("coverage", help="供需覆盖 / supply and demand coverage")


@coverage_cli.command("refresh")
@click.option(
    "--all", "everything", is_flag=True, help="every open demand, not only those never or long ago matched"
)
@click.option("--limit", type=click.IntRange(1), default=None, help="at most this many demands")
def refresh_command(everything: bool, limit: int | None) -> None:
    """Match the open demands never matched, or last matched over COVERAGE_REFRESH_DAYS ago."""
    click.echo(f"matched {services.refresh(limit, everything=everything)}")
