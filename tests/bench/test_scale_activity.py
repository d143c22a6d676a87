"""The scale bench's activity (bench/scale_activity.py) on a small generated corpus: the pages it
feeds render with its data, its states hold together, and the year's evaluation is published."""

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from bench.scale_activity import populate
from marketplace.bookings.models import HOLDING, Booking, Review
from marketplace.core.models import AuditLog
from marketplace.core.timeutil import local_today
from marketplace.evaluation.models import CampaignParticipant, EvaluationCampaign
from marketplace.interchange.services import import_document


@pytest.fixture
def corpus(shared_eval, tmp_path):
    """A generated zhongshi/v1 corpus of 200 offerings on 20 platforms and 200 demands, imported."""
    out = tmp_path / "corpus.json"
    generator = shared_eval.parent / "bench" / "gen_corpus.py"
    subprocess.run([sys.executable, str(generator), "200", "200", str(out), "7"], check=True)
    return json.loads(out.read_text())


def test_populated_activity_feeds_the_pages_and_publishes_the_campaign(app, db, client, corpus):
    import_document(corpus)
    db.session.commit()
    year = local_today().year - 1

    found = populate(app, year=year, seed=3)

    counts = found["counts"]
    assert 300 <= counts["bookings"] <= 400  # two per offering, minus windows that no longer fit
    states = set(db.session.scalars(select(Booking.status).distinct()))
    assert {
        "requested",
        "accepted",
        "in_progress",
        "completed",
        "confirmed",
        "declined",
        "cancelled",
    } <= states
    assert db.session.scalar(select(func.count(Review.id))) > 0
    # Every booking has its audit trail from the request to its state, and none overbooks its offering.
    trails = db.session.execute(
        select(AuditLog.object_id, func.count(AuditLog.id), func.max(AuditLog.id))
        .where(AuditLog.object_type == "booking")
        .group_by(AuditLog.object_id)
    ).all()
    assert len(trails) == counts["bookings"]
    last_states = dict(
        db.session.execute(
            select(AuditLog.object_id, AuditLog.new_state).where(AuditLog.id.in_([t[2] for t in trails]))
        ).all()
    )
    for booking in db.session.scalars(select(Booking)):
        assert last_states[booking.id] == booking.status
    holding = db.session.scalars(select(Booking).where(Booking.status.in_(HOLDING))).all()
    for booking in holding:
        overlapping = [
            b
            for b in holding
            if b.offering_id == booking.offering_id
            and b.start_at < booking.end_at
            and booking.start_at < b.end_at
        ]
        assert len(overlapping) <= booking.offering.booking_capacity

    campaign = db.session.scalar(select(EvaluationCampaign).where(EvaluationCampaign.year == year))
    assert campaign.status == "published"
    assert campaign.participants and all(p.total is not None for p in campaign.participants)
    assert (
        db.session.scalar(
            select(func.count(CampaignParticipant.id)).where(CampaignParticipant.grade.is_(None))
        )
        == 0
    )

    public_pages = [
        "/",
        f"/offerings/{found['booked_offering_ids'][0]}",
        f"/offerings/{found['booked_offering_ids'][0]}/calendar",
        f"/platforms/{found['platform_ids'][0]}",
        f"/evaluation/{year}/",
        f"/evaluation/{year}/platforms/{found['platform_refs'][0]}",
    ]
    for path in public_pages:
        assert client.get(path).status_code == 200, path

    firm, operator = found["firms"][0], found["operators"][0]
    for email, pages in (
        (firm["email"], ["/my/bookings", "/workbench/firm", f"/demands/{firm['demand_ids'][0]}"]),
        (operator["email"], ["/platform/bookings", f"/workbench/platforms/{operator['platform_id']}"]),
    ):
        response = client.post("/account/login", data={"email": email, "password": found["password"]})
        assert response.status_code == 302, email
        for path in pages:
            response = client.get(path)
            assert response.status_code == 200, path
        client.post("/account/logout")
    assert found["year"] == year
