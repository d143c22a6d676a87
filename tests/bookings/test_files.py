"""Files on a booking: each side deletes only its own, and nothing once the work is confirmed."""

from __future__ import annotations

from marketplace.attachments import services as attachments
from tests import factories


def test_each_side_deletes_only_its_own_files_and_none_after_confirmation(client, auth, db):
    booking = factories.BookingFactory(status="completed")
    firm = booking.requested_by
    operator = factories.UserFactory(role="operator", organization=booking.platform.organization)
    report = factories.AttachmentFactory(owner=booking, uploaded_by_id=operator.id, filename="report.pdf")
    sample = factories.AttachmentFactory(owner=booking, uploaded_by_id=firm.id, filename="sample.png")
    assert attachments.can_manage(operator, report) and attachments.can_manage(firm, sample)
    assert not attachments.can_manage(firm, report) and not attachments.can_manage(operator, sample)
    db.session.commit()

    auth.as_(firm)
    assert client.post(f"/attachments/{report.id}/delete").status_code == 404
    assert db.session.get(type(report), report.id) is not None

    booking.status = "confirmed"
    assert not attachments.can_manage(operator, report) and not attachments.can_manage(firm, sample)
