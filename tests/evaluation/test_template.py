"""The indicator system that ships, copied into a new campaign."""

import pytest

from marketplace.core.errors import DomainError, Forbidden
from marketplace.evaluation.services import create_campaign, indicator_specs
from marketplace.evaluation.template import DIMENSIONS
from tests.factories import UserFactory


def test_a_new_campaign_copies_the_template_whose_weights_sum_to_100(db):
    campaign = create_campaign(UserFactory(role="admin"), 2025)
    assert campaign.status == "draft" and campaign.title == "2025 年度中试平台绩效评价"
    assert [d.name for d in campaign.dimensions] == [name for _code, name in DIMENSIONS]
    assert campaign.weight_total == 100
    sources = {i.source for i in campaign.indicators}
    assert sources == {"computed", "self_reported", "expert"}
    assert len(indicator_specs(campaign)) == len(campaign.indicators)


def test_one_campaign_per_year_and_only_administrators_create_them(db):
    admin = UserFactory(role="admin")
    create_campaign(admin, 2025)
    with pytest.raises(DomainError) as refused:
        create_campaign(admin, 2025)
    assert "已经创建" in refused.value.errors[0][1]
    with pytest.raises(Forbidden):
        create_campaign(UserFactory(role="operator"), 2026)
