"""API schemas of bookings and orders, blocked periods, availability, reviews and outcomes.

Times are ISO 8601 with an offset both ways: a time without one is refused (its zone is unknown),
and every time the API returns is in the marketplace's zone (TIMEZONE, +08:00)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from marshmallow import ValidationError, fields, validate, validates_schema

from ..api.schemas import ApiSchema, PageArgs
from ..core.timeutil import to_local
from ..offerings.models import NUMBERS
from .models import BookingKind, BookingStatus, Outcome
from .services import NOTE_MAX

#: Actions a client may ask for (the system's own, expire, is not one of them).
ACTIONS = ("accept", "decline", "cancel", "start", "complete", "confirm", "no_show")
#: The longest range one availability request covers.
AVAILABILITY_MAX_DAYS = 92
#: Times outside these years are refused: they are no booking, and far ones overflow conversions.
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class LocalDateTime(fields.AwareDateTime):
    """ISO 8601 with an offset (required on input); returned in the marketplace's zone."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "metadata", {"description": "ISO 8601，须带时区偏移，例如 2026-03-02T09:00:00+08:00"}
        )
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST <= moment < LATEST:
            raise ValidationError("时间应在 2000 年到 2099 年之间。")
        return moment

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else to_local(value).isoformat()


# ---------------------------------------------------------------- bookings


class BookingCreate(ApiSchema):
    offering_ref = fields.String(required=True, validate=validate.Length(min=1, max=80))
    start = LocalDateTime(required=True)
    end = LocalDateTime(required=True)
    quantity = fields.Integer(
        load_default=1,
        validate=validate.Range(min=1, max=int(NUMBERS["booking_capacity"].maximum)),
        metadata={"description": "台/套数，不超过资源的可同时预约数量"},
    )
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


class BookingFilterArgs(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in BookingStatus]))
    kind = fields.String(validate=validate.OneOf([k.value for k in BookingKind]))


class TransitionIn(ApiSchema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    reason = fields.String(
        allow_none=True,
        validate=validate.Length(max=NOTE_MAX),
        metadata={"description": "拒绝、取消时必填（对方可见）；complete 时为完成情况说明，必填。"},
    )


class ReviewIn(ApiSchema):
    rating = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


class ReplyIn(ApiSchema):
    reply = fields.String(required=True, validate=validate.Length(min=1, max=NOTE_MAX))


class OutcomeIn(ApiSchema):
    outcome = fields.String(required=True, validate=validate.OneOf([o.value for o in Outcome]))
    note = fields.String(load_default="", validate=validate.Length(max=NOTE_MAX))


class PlatformRef(ApiSchema):
    id = fields.Integer()
    name = fields.String()


class OrganizationRef(ApiSchema):
    name = fields.String()


class ReviewOut(ApiSchema):
    rating = fields.Integer()
    comment = fields.String()
    reply = fields.String(allow_none=True)
    created_at = LocalDateTime()
    replied_at = LocalDateTime(allow_none=True)


class BookingOut(ApiSchema):
    """A booking or order as its firm, its platform and administrators see it."""

    ref = fields.String()
    kind = fields.String(metadata={"enum": [k.value for k in BookingKind]})
    status = fields.String(metadata={"enum": [s.value for s in BookingStatus]})
    status_label = fields.String()
    title = fields.String()
    offering_ref = fields.String(allow_none=True)
    platform = fields.Nested(PlatformRef)
    organization = fields.Nested(OrganizationRef)
    start = LocalDateTime(allow_none=True)
    end = LocalDateTime(allow_none=True)
    quantity = fields.Integer()
    note = fields.String()
    price = fields.Float(allow_none=True, metadata={"description": "元；面议为 null"})
    price_unit = fields.String(allow_none=True)
    price_basis = fields.String()
    terms = fields.String()
    created_at = LocalDateTime()
    responded_at = LocalDateTime(allow_none=True)
    completed_at = LocalDateTime(allow_none=True)
    completion_report = fields.String()
    outcome = fields.String(allow_none=True)
    outcome_note = fields.String()
    allowed_actions = fields.List(
        fields.String(), metadata={"description": "调用者当前可执行的操作（transitions 的 action）"}
    )
    review = fields.Nested(ReviewOut, allow_none=True)


def booking_data(booking, actions: list[str]) -> dict:
    """The fields of BookingOut for one booking; `actions` are the caller's allowed actions."""
    review = booking.review
    return {
        "ref": booking.ref,
        "kind": booking.kind,
        "status": booking.status,
        "status_label": booking.status_label,
        "title": booking.title,
        "offering_ref": booking.offering.ref if booking.offering is not None else None,
        "platform": {"id": booking.platform.id, "name": booking.platform.name},
        "organization": {"name": booking.organization.name},
        "start": booking.start_at,
        "end": booking.end_at,
        "quantity": booking.quantity,
        "note": booking.note,
        "price": booking.price_amount,
        "price_unit": booking.price_unit,
        "price_basis": booking.price_basis,
        "terms": booking.terms,
        "created_at": booking.created_at,
        "responded_at": booking.responded_at,
        "completed_at": booking.completed_at,
        "completion_report": booking.completion_report,
        "outcome": booking.outcome,
        "outcome_note": booking.outcome_note,
        "allowed_actions": actions,
        "review": None
        if review is None
        else {
            "rating": review.rating,
            "comment": review.comment,
            "reply": review.reply,
            "created_at": review.created_at,
            "replied_at": review.replied_at,
        },
    }


# ---------------------------------------------------------------- blocked periods and availability


class BlockIn(ApiSchema):
    start = LocalDateTime(required=True)
    end = LocalDateTime(required=True)
    reason = fields.String(required=True, validate=validate.Length(min=1, max=200))


class BlockOut(ApiSchema):
    id = fields.Integer()
    start = LocalDateTime(attribute="start_at")
    end = LocalDateTime(attribute="end_at")
    reason = fields.String()
    created_at = LocalDateTime()


class AvailabilityArgs(ApiSchema):
    start = LocalDateTime(required=True)
    end = LocalDateTime(
        required=True,
        metadata={"description": f"ISO 8601，须带时区偏移；与 start 相隔不超过 {AVAILABILITY_MAX_DAYS} 天"},
    )

    @validates_schema
    def _bounded(self, data, **kwargs):
        if "start" not in data or "end" not in data:
            return
        if data["end"] <= data["start"]:
            raise ValidationError("结束时间应晚于开始时间。", "end")
        if data["end"] - data["start"] > timedelta(days=AVAILABILITY_MAX_DAYS):
            raise ValidationError(f"查询范围不能超过 {AVAILABILITY_MAX_DAYS} 天。", "end")


class FreeInterval(ApiSchema):
    start = LocalDateTime()
    end = LocalDateTime()
    free_units = fields.Integer(metadata={"description": "该时段仍可预约的台/套数"})


class BookedInterval(ApiSchema):
    start = LocalDateTime()
    end = LocalDateTime()


class BlockedInterval(ApiSchema):
    start = LocalDateTime()
    end = LocalDateTime()
    reason = fields.String()


class AvailabilityOut(ApiSchema):
    """Open time of [start, end) split into free (some unit free), booked (no unit free) and blocked
    periods; never who booked."""

    offering_id = fields.Integer()
    offering_ref = fields.String()
    booking_capacity = fields.Integer()
    start = LocalDateTime()
    end = LocalDateTime()
    free = fields.List(fields.Nested(FreeInterval))
    booked = fields.List(fields.Nested(BookedInterval))
    blocked = fields.List(fields.Nested(BlockedInterval))
