"""A small computed campaign for the results tests: the shipped indicator system, three platforms
whose raw values are chosen so that one reaches every target (100), one sits in between and one
fails, computed by `services.store_results` (scoring.compute over the stored values)."""

from __future__ import annotations

from marketplace.core.models import utcnow
from marketplace.evaluation import services
from marketplace.evaluation.models import IndicatorValue
from marketplace.extensions import db
from tests import factories

#: Raw values per platform ref: a (every target reached), b (in between), c (weak).
RAW = {
    "rd_spending": (500, 300, 20),
    "patents": (10, 6, 0),
    "standards": (3, 2, 0),
    "staff": (30, 18, 3),
    "conversions": (8, 5, 0),
    "selected_cases": (3, 1, 0),
    "completed_work": (50, 30, 5),
    "distinct_firms": (20, 12, 2),
    "utilisation": (60, 36, 6),
    "response_hours": (12, 30, 100),
    "average_rating": (4.8, 4.0, 2.5),
    "revenue": (300, 180, 10),
    "fee_published": (100, 60, 10),
    "rules_published": (2, 2, 1),
    "expert_judgement": (92, 75, 40),
}
REFS = ("plat-a", "plat-b", "plat-c")
CITIES = ("济南", "青岛", "淄博")


def computed_campaign(year: int = 2025, status: str = "computed", refs: tuple[str, ...] = REFS):
    """(campaign, {ref: participant}) with results stored; `status` computed, published or locked.
    More than three refs repeat the three platforms' values and cities."""
    campaign = factories.campaign_from_template(year, "computed")
    participants = {}
    for index, ref in enumerate(refs):
        operator = factories.UserFactory(role="operator")
        platform = factories.PlatformFactory(
            ref=ref,
            name=f"{CITIES[index % 3]}中试平台{ref[-1].upper()}",
            city=CITIES[index % 3],
            organization=operator.organization,
        )
        participant = factories.CampaignParticipantFactory(
            campaign=campaign, platform=platform, status="submitted"
        )
        for indicator in campaign.indicators:
            participant.values.append(
                IndicatorValue(indicator=indicator, value=float(RAW[indicator.code][index % 3]))
            )
        participants[ref] = participant
    db.session.flush()
    services.store_results(campaign)
    campaign.computed_at = utcnow()
    if status in ("published", "locked"):
        campaign.status = "published"
        campaign.published_at = utcnow()
    if status == "locked":
        campaign.status = "locked"
    db.session.commit()
    return campaign, participants


def text_of(html: str) -> str:
    """The page's text as a reader sees it: tags and scripts dropped, entities decoded, spaces collapsed."""
    import re
    from html import unescape

    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()
