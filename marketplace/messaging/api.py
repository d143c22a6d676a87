"""Message endpoints: the one thread of each booking or order, inquiry and proposal
(`/<subjects>/<ref>/messages`, read oldest first and written by its firm and its platform), and the
caller's unread count (`/messages/unread`). Same services and rules as the pages: 401 without a token,
404 for a subject the caller is not party to, 422 naming the field."""

from __future__ import annotations

from flask.views import MethodView

from ..api import Blueprint
from ..api.auth import token_user
from ..api.schemas import PageArgs, page_schema
from ..core.pagination import paginate
from ..extensions import db
from . import services
from .schemas import MessageIn, MessageOut, UnreadOut, message_data

REFUSALS = {
    401: "缺少或无效的 API 令牌",
    404: "不存在，或调用者不是该会话的一方（企业或平台）",
}
blp = Blueprint("api_messages", __name__, description="预约、订单、咨询与方案的消息", refusals=REFUSALS)
MessagePage = page_schema(MessageOut, "MessagePage")
#: The subjects with a thread in the API: (path segment, registered thread type, what it is called).
SUBJECTS = (
    ("bookings", "booking", "预约或订单"),
    ("inquiries", "inquiry", "咨询"),
    ("proposals", "proposal", "方案或报价"),
)


def _thread_endpoints(segment: str, type_name: str, label: str) -> None:
    """GET and POST `/<segment>/<ref>/messages` for the subjects registered as `type_name`."""

    class Thread(MethodView):
        @blp.endpoint(
            refuses=(401, 404),
            schema=MessagePage,
            query=PageArgs,
            summary=f"{label}的消息",
            description=f"{label}的消息，从早到晚分页列出；返回的消息同时标记为已读。",
        )
        def get(self, args, ref: str):
            user = token_user()
            subject = services.get_usable_by_ref(user, type_name, ref)
            page = paginate(services.thread_statement(user, subject), args["page"], args["per_page"])
            if page.items:  # read as far as this page goes (pages run oldest first)
                services.mark_read(user, subject, page.items[-1].id)
                db.session.commit()
            return page.map(message_data)

        @blp.endpoint(
            refuses=(401, 404),
            status=201,
            schema=MessageOut,
            body=MessageIn,
            summary=f"给{label}发消息",
            description=f"在{label}的会话中发消息；对方在站内和邮件中收到通知。",
        )
        def post(self, payload, ref: str):
            user = token_user()
            subject = services.get_usable_by_ref(user, type_name, ref)
            message = services.post_message(user, subject, payload["body"])
            db.session.commit()
            return message_data(message)

    Thread.__name__ = Thread.__qualname__ = f"{type_name.title()}Messages"
    blp.route(f"/{segment}/<ref>/messages", endpoint=f"{type_name}_messages")(Thread)


for _segment, _type_name, _label in SUBJECTS:
    _thread_endpoints(_segment, _type_name, _label)


@blp.route("/messages/unread")
class Unread(MethodView):
    @blp.endpoint(refuses=(401,), schema=UnreadOut)
    def get(self):
        """How many messages by others the caller has not read in its threads (the navigation's count)."""
        return {"count": services.unread_count(token_user())}
