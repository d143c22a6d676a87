"""The workflow mechanism: one table of transitions, guards, audit rows and the state_changed signal."""

from enum import StrEnum

import pytest
from sqlalchemy import select

from marketplace import signals
from marketplace.core.errors import DomainError
from marketplace.core.models import AuditLog
from marketplace.core.state import Workflow
from marketplace.platforms.models import PLATFORM_WORKFLOW, PlatformStatus
from tests import factories


class Lamp(StrEnum):
    OFF = "off"
    ON = "on"


LAMP = Workflow(
    object_type="lamp",
    states=Lamp,
    labels={"off": "关", "on": "开"},
    transitions={(Lamp.OFF, "switch_on"): Lamp.ON, (Lamp.ON, "switch_off"): Lamp.OFF},
    action_labels={"switch_on": "打开", "switch_off": "关闭"},
)


class Thing:
    def __init__(self):
        self.id = 7
        self.status = Lamp.OFF


def test_a_transition_outside_the_table_is_refused_in_words_the_user_reads(db):
    thing = Thing()
    with pytest.raises(DomainError) as refused:
        LAMP.apply(thing, "switch_off", by=None)
    assert refused.value.errors == [("status", "当前状态“关”不允许此操作。")]
    assert thing.status == Lamp.OFF
    assert db.session.scalar(select(AuditLog.id)) is None


def test_a_guard_can_refuse_an_allowed_transition_with_its_own_field_and_message(db):
    thing = Thing()
    full = lambda obj, by: ("quantity", "该时段已约满。")  # noqa: E731
    with pytest.raises(DomainError) as refused:
        LAMP.apply(thing, "switch_on", by=None, guards=[full])
    assert refused.value.errors == [("quantity", "该时段已约满。")]
    assert thing.status == Lamp.OFF
    assert LAMP.apply(thing, "switch_on", by=None, guards=[lambda obj, by: None]) == Lamp.ON


def test_applying_writes_the_audit_row_and_announces_the_change(db, admin_user):
    platform = factories.PlatformFactory(status=PlatformStatus.SUBMITTED)
    heard = []

    def listener(obj, **kw):
        heard.append((obj, kw["action"], kw["old"], kw["new"], kw["by"]))

    signals.state_changed.connect(listener)
    try:
        PLATFORM_WORKFLOW.apply(platform, "approve", by=admin_user, reason="材料齐全")
    finally:
        signals.state_changed.disconnect(listener)
    assert heard == [(platform, "approve", "submitted", "approved", admin_user)]
    row = PLATFORM_WORKFLOW.history(platform)[-1]
    assert (row.actor_id, row.old_state, row.new_state, row.reason) == (
        admin_user.id,
        "submitted",
        "approved",
        "材料齐全",
    )


def test_allowed_actions_follow_the_table():
    assert PLATFORM_WORKFLOW.allowed_actions(PlatformStatus.SUBMITTED) == ["approve", "return", "reject"]
    assert PLATFORM_WORKFLOW.allowed_actions(PlatformStatus.APPROVED, among={"suspend", "submit"}) == [
        "suspend"
    ]
    assert PLATFORM_WORKFLOW.allowed_actions(PlatformStatus.REJECTED) == []
