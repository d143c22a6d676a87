"""A campaign with participants and experts, for the experts' tests."""

from __future__ import annotations

from sqlalchemy import select

from marketplace.evaluation.models import EvaluationAssignment, ExpertScore
from marketplace.extensions import db
from marketplace.notifications.models import Notification
from tests import factories


def review_campaign(status: str = "expert_review", platforms: int = 2, year: int = 2025):
    """The shipped indicator system in `status`, with `platforms` approved participants."""
    campaign = factories.campaign_from_template(year, status)
    participants = [
        factories.CampaignParticipantFactory(campaign=campaign, platform=factories.PlatformFactory())
        for _ in range(platforms)
    ]
    db.session.flush()
    return campaign, participants


def assign(participant, expert=None, submitted: bool = False, points: float | None = None, **kwargs):
    """An assignment made directly (for tests of what follows it); with points, one per expert indicator."""
    from marketplace.core.models import utcnow

    expert = expert or factories.UserFactory(role="expert")
    assignment = EvaluationAssignment(
        campaign_id=participant.campaign_id,
        participant=participant,
        expert=expert,
        submitted_at=utcnow() if submitted else None,
        comment="评语" if submitted else "",
        **kwargs,
    )
    db.session.add(assignment)
    db.session.flush()
    if points is not None:
        for indicator in participant.campaign.indicators:
            if indicator.source == "expert":
                db.session.add(ExpertScore(assignment=assignment, indicator=indicator, points=points))
        db.session.flush()
    return assignment


def notices(user) -> list[str]:
    return list(db.session.scalars(select(Notification.message).where(Notification.user_id == user.id)))


def assignment_ids(expert) -> list[int]:
    return list(
        db.session.scalars(
            select(EvaluationAssignment.participant_id).where(EvaluationAssignment.expert_id == expert.id)
        )
    )
