"""How one subscription mails and, for the matcher's push, the least score it delivers."""

from wtforms import BooleanField, IntegerField, SelectField
from wtforms.validators import DataRequired, Optional

from .. import vocab
from ..core.forms import Form
from .services import THRESHOLD


class SubscriptionForm(Form):
    frequency = SelectField(
        "提醒方式", choices=list(vocab.MAIL_FREQUENCIES.items()), validators=[DataRequired()]
    )
    threshold = IntegerField("匹配度门槛（%）", validators=[Optional(), THRESHOLD.wtforms()])
    active = BooleanField("开启")


def form_for(subscription, formdata=None) -> SubscriptionForm:
    """The settings form of one subscription (its own prefix: a page holds one per subscription)."""
    prefix = f"s{subscription.id}" if subscription.id else "matches"
    return SubscriptionForm(
        formdata=formdata,
        prefix=prefix,
        frequency=subscription.frequency,
        threshold=round((subscription.threshold or 0) * 100) if subscription.threshold else None,
        active=subscription.active,
    )
