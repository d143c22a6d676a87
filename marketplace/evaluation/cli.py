"""`flask evaluation …`: the yearly evaluation's commands (compute here; publish and export join
the same group)."""

from __future__ import annotations

from collections import Counter

import click
from flask.cli import AppGroup

from .. import vocab
from ..core.errors import DomainError
from ..extensions import db
from . import services

evaluation_cli = AppGroup("evaluation", help="年度绩效评价 / yearly evaluation of platforms")


def campaign_or_exit(year: int):
    """The campaign of `year`, or exit 1 with the reason in Chinese."""
    try:
        return services.get_campaign(year)
    except LookupError:
        raise click.ClickException(f"没有 {year} 年度的绩效评价。") from None


@evaluation_cli.command("compute")
@click.argument("year", type=int)
def compute_command(year: int) -> None:
    """Compute the results of YEAR's campaign (in expert review, or computed already); prints a
    summary line. Exit 1 with the reason when refused."""
    campaign = campaign_or_exit(year)
    try:
        participants = services.compute(services.CLI, campaign)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException("；".join(message for _field, message in exc.errors)) from None
    db.session.commit()
    counts = Counter(p.grade for p in participants)
    spread = "，".join(f"{label} {counts[grade]}" for grade, label in vocab.GRADES.items() if counts[grade])
    click.echo(f"{year} 年度：已计算 {len(participants)} 个参评平台的结果（{spread}）。")
