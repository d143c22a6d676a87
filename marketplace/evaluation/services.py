"""Use cases of the yearly evaluation. Each takes the acting user and checks permission and phase;
the caller commits."""

from __future__ import annotations

from ..core.errors import DomainError, Forbidden
from ..extensions import db
from . import scoring, template
from .models import (
    CAMPAIGN_WORKFLOW,
    EvaluationCampaign,
    EvaluationDimension,
    EvaluationIndicator,
)


def _require_admin(user) -> None:
    if not (user and user.is_admin):
        raise Forbidden()


def create_campaign(user, year: int, title: str | None = None) -> EvaluationCampaign:
    """A draft campaign for `year`, its indicator system copied from the template that ships."""
    _require_admin(user)
    if db.session.scalar(db.select(EvaluationCampaign.id).where(EvaluationCampaign.year == year)):
        raise DomainError(("year", f"{year} 年度的绩效评价已经创建。"))
    campaign = EvaluationCampaign(
        year=year, title=title or f"{year} 年度中试平台绩效评价", created_by_id=user.id
    )
    dimensions = {}
    for position, (code, name) in enumerate(template.DIMENSIONS):
        dimensions[code] = EvaluationDimension(code=code, name=name, position=position)
        campaign.dimensions.append(dimensions[code])
    positions: dict[str, int] = {}
    for spec in template.INDICATORS:
        spec = dict(spec)
        dimension = dimensions[spec.pop("dimension")]
        positions[dimension.code] = positions.get(dimension.code, -1) + 1
        indicator = EvaluationIndicator(dimension=dimension, position=positions[dimension.code], **spec)
        campaign.indicators.append(indicator)
    db.session.add(campaign)
    db.session.flush()
    CAMPAIGN_WORKFLOW.record_entry(campaign, by=user)
    return campaign


def indicator_specs(campaign: EvaluationCampaign) -> list[scoring.IndicatorSpec]:
    """The campaign's indicators as `scoring.compute` reads them."""
    return [
        scoring.IndicatorSpec(
            code=i.code,
            dimension=i.dimension.code,
            weight=i.weight,
            rule=i.rule,
            higher_is_better=i.higher_is_better,
            target=i.target,
            bands=tuple((b["at"], b["score"]) for b in (i.bands or ())),
        )
        for i in campaign.indicators
    ]
