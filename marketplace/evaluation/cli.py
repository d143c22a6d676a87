"""`flask evaluation …`: the yearly evaluation from the command line (the same services as the pages)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..core.errors import DomainError
from ..extensions import db
from . import export, results
from .models import CampaignPhase, EvaluationCampaign

evaluation_cli = AppGroup("evaluation", help="年度绩效评价 / yearly performance evaluation")


def _campaign(year: int) -> EvaluationCampaign:
    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    if campaign is None:
        raise click.ClickException(f"没有 {year} 年度的绩效评价。")
    return campaign


@evaluation_cli.command("publish")
@click.argument("year", type=click.IntRange(1900, 2999))
def publish_command(year: int) -> None:
    """Publish the computed results of YEAR; the platforms' operators are told."""
    campaign = _campaign(year)
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
    campaign = _campaign(year)
    if campaign.status not in (CampaignPhase.COMPUTED, CampaignPhase.PUBLISHED, CampaignPhase.LOCKED):
        raise click.ClickException(f"{year} 年度的结果尚未计算（当前：{campaign.status_label}）。")
    try:
        export.workbook(campaign).save(path)
    except OSError as exc:
        raise click.ClickException(f"无法写入 {path}：{exc}") from None
    click.echo(f"已导出 {len(campaign.participants)} 个平台的评分表：{path}")
