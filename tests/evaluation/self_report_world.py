"""A campaign taking self-reports (the shipped indicator system, deadline 31 March 2026) with one
platform enrolled as `open_self_report` enrols it (one value row per indicator), its operator, and
everybody else who must not see its report."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from marketplace.attachments.models import Attachment
from tests import factories

DEADLINE = date(2026, 3, 31)
#: 10:00 Beijing time, ten days before the deadline.
BEFORE = datetime(2026, 3, 21, 2, tzinfo=UTC)
#: The deadline's last minutes (23:30 Beijing time) and the next day's first (00:10).
LAST_MINUTES = datetime(2026, 3, 31, 15, 30, tzinfo=UTC)
NEXT_DAY = datetime(2026, 3, 31, 16, 10, tzinfo=UTC)

PDF = b"%PDF-1.4\n%evidence\n"
#: Every self-reported indicator of the shipped template, filled.
FULL = {"rd_spending": "350.5", "patents": "3", "standards": "0", "staff": "28"}


class World:
    def __init__(self, db, *, phase: str = "self_report", deadline: date | None = DEADLINE):
        self.campaign = factories.campaign_from_template(2025, status=phase)
        self.campaign.self_report_deadline = deadline
        self.operator = factories.UserFactory(role="operator", name="平台运营")
        self.colleague = factories.UserFactory(role="operator", organization=self.operator.organization)
        self.platform = factories.PlatformFactory(
            organization=self.operator.organization, name="青岛海洋生物发酵中试平台"
        )
        self.participant = factories.CampaignParticipantFactory(
            campaign=self.campaign, platform=self.platform
        )
        for indicator in self.campaign.indicators:
            factories.IndicatorValueFactory(participant=self.participant, indicator=indicator, value=None)
        other_operator = factories.UserFactory(role="operator")
        other_platform = factories.PlatformFactory(
            organization=other_operator.organization, name="淄博化工中试基地"
        )
        self.other = factories.CampaignParticipantFactory(campaign=self.campaign, platform=other_platform)
        self.admin = factories.UserFactory(role="admin")
        self.expert = factories.UserFactory(role="expert")
        factories.EvaluationAssignmentFactory(
            participant=self.participant, campaign_id=self.campaign.id, expert=self.expert
        )
        self.users = {
            "anonymous": None,
            "firm": factories.UserFactory(role="firm"),
            "other operator": other_operator,
            "unassigned expert": factories.UserFactory(role="expert"),
            "assigned expert": self.expert,
            "admin": self.admin,
            "operator": self.operator,
        }
        db.session.commit()

    @property
    def url(self) -> str:
        return f"/self-reports/{self.participant.id}"


def form_data(values: dict[str, str], action: str = "save", **explanations: str) -> dict[str, str]:
    data = {"action": action}
    for code, value in values.items():
        data[f"value_{code}"] = value
        data[f"explanation_{code}"] = explanations.get(code, "")
    return data


def upload_evidence(client, participant, name: str = "审计报告.pdf"):
    return client.post(
        f"/attachments/evaluation_self_report/{participant.id}",
        data={"file": (io.BytesIO(PDF), name), "purpose": "evidence"},
        content_type="multipart/form-data",
    )


def evidence_of(db, participant) -> list[Attachment]:
    db.session.expire_all()
    return [a for a in participant.attachments if a.purpose == "evidence"]


def login(auth, user) -> None:
    if user is None:
        auth.logout()
    else:
        auth.as_(user)
