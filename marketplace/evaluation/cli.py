"""`flask evaluation …`: the yearly evaluation from the command line (the same services as the pages)."""

from __future__ import annotations

from collections import Counter

import click
from flask.cli import AppGroup

from .. import vocab
from ..core.errors import DomainError
from ..extensions import db
from . import export, results, services
from .models import CampaignPhase

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


@evaluation_cli.command("publish")
@click.argument("year", type=click.IntRange(1900, 2999))
def publish_command(year: int) -> None:
    """Publish the computed results of YEAR; the platforms' operators are told."""
    campaign = campaign_or_exit(year)
    try:
        results.publish_from_command_line(campaign)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException("；".join(message for _field, message in exc.errors)) from None
    db.session.commit()
    click.echo(f"{campaign.title}：结果已公布（{len(campaign.participants)} 个平台）。")


@evaluation_cli.command("export")
@click.argument("year", type=click.IntRange(1900, 2999))
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(year: int, path: str) -> None:
    """Write the score sheet of YEAR to PATH (.xlsx): one row per platform in rank order."""
    campaign = campaign_or_exit(year)
    if campaign.status not in (CampaignPhase.COMPUTED, CampaignPhase.PUBLISHED, CampaignPhase.LOCKED):
        raise click.ClickException(f"{year} 年度的结果尚未计算（当前：{campaign.status_label}）。")
    try:
        export.workbook(campaign).save(path)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {path}：{exc}") from None
    click.echo(f"已导出 {results.participant_count(campaign)} 个平台的评分表：{path}")
