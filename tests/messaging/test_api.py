"""Message API: the one thread of a booking or order, an inquiry and a proposal, written and read by
its firm and its platform (oldest first, paginated, read marks as far as a page goes), the unread
count; 401 without a token, 404 for a thread the caller is not party to, 422 naming the field."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from marketplace.accounts.services import create_api_token
from marketplace.messaging.models import Message
from tests import factories


def headers_for(db, user) -> dict:
    _, token = create_api_token(user, "tests")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


class Parties:
    """A booking, an inquiry and a proposal between one firm and one platform, with both sides' tokens."""

    def __init__(self, db):
        self.firm = factories.UserFactory(role="firm", name="张经理")
        self.operator = factories.UserFactory(role="operator", name="李工程师")
        self.platform = factories.PlatformFactory(organization=self.operator.organization)
        offering = factories.OfferingFactory(platform=self.platform)
        self.subjects = {
            "bookings": factories.BookingFactory(offering=offering, requested_by=self.firm),
            "inquiries": factories.InquiryFactory(offering=offering, created_by=self.firm),
            "proposals": factories.ProposalFactory(
                platform=self.platform, demand=factories.DemandFactory(organization=self.firm.organization)
            ),
        }
        db.session.commit()
        self.firm_headers = headers_for(db, self.firm)
        self.operator_headers = headers_for(db, self.operator)

    def url(self, kind: str) -> str:
        return f"/api/v1/{kind}/{self.subjects[kind].ref}/messages"


@pytest.fixture
def parties(db):
    return Parties(db)


def unread(client, headers) -> int:
    response = client.get("/api/v1/messages/unread", headers=headers)
    assert response.status_code == 200, response.json
    return response.json["count"]


@pytest.mark.parametrize("kind", ["bookings", "inquiries", "proposals"])
def test_both_sides_write_and_read_the_thread(client, db, parties, mail, kind):
    url = parties.url(kind)
    sent = client.post(url, json={"body": "  请问样品需要提前几天寄到？ "}, headers=parties.firm_headers)
    assert sent.status_code == 201, sent.json
    message = sent.json
    assert message["body"] == "请问样品需要提前几天寄到？"
    assert message["author"] == {"name": "张经理", "organization": parties.firm.organization.name}
    assert message["created_at"].endswith("+08:00") and isinstance(message["id"], int)
    assert parties.operator.email in [m["to"] for m in mail]  # the other side is told

    assert unread(client, parties.firm_headers) == 0  # one's own messages are read
    assert unread(client, parties.operator_headers) == 1
    reply = client.post(url, json={"body": "提前三天即可。"}, headers=parties.operator_headers)
    assert reply.status_code == 201 and reply.json["author"]["name"] == "李工程师"

    thread = client.get(url, headers=parties.firm_headers)
    assert thread.status_code == 200, thread.json
    assert [m["body"] for m in thread.json["items"]] == ["请问样品需要提前几天寄到？", "提前三天即可。"]
    assert thread.json["total"] == 2
    assert unread(client, parties.firm_headers) == 0 and unread(client, parties.operator_headers) == 0


def test_reading_a_page_marks_the_thread_read_as_far_as_that_page_goes(client, db, parties):
    url = parties.url("bookings")
    for n in range(3):
        client.post(url, json={"body": f"第 {n + 1} 条"}, headers=parties.operator_headers)
    assert unread(client, parties.firm_headers) == 3
    first = client.get(url, query_string={"per_page": 2}, headers=parties.firm_headers).json
    assert [m["body"] for m in first["items"]] == ["第 1 条", "第 2 条"] and first["total"] == 3
    assert unread(client, parties.firm_headers) == 1
    second = client.get(url, query_string={"per_page": 2, "page": 2}, headers=parties.firm_headers).json
    assert [m["body"] for m in second["items"]] == ["第 3 条"]
    assert unread(client, parties.firm_headers) == 0
    past = client.get(url, query_string={"page": 9}, headers=parties.firm_headers).json
    assert past["items"] == [] and unread(client, parties.firm_headers) == 0


def test_the_unread_count_covers_every_thread_of_the_caller(client, db, parties):
    for kind in ("bookings", "inquiries", "proposals"):
        client.post(parties.url(kind), json={"body": "您好"}, headers=parties.operator_headers)
    assert unread(client, parties.firm_headers) == 3
    client.get(parties.url("inquiries"), headers=parties.firm_headers)
    assert unread(client, parties.firm_headers) == 2
    stranger = headers_for(db, factories.UserFactory(role="firm"))
    assert unread(client, stranger) == 0


@pytest.mark.parametrize(
    "body, words",
    [
        ({"body": "   "}, "请填写消息内容"),
        ({"body": "长" * 5001}, ""),
        ({}, "缺少必填字段"),
        ({"body": "x", "author_id": 1}, "未知字段"),
    ],
)
def test_bad_messages_are_422_naming_the_field(client, db, parties, body, words):
    response = client.post(parties.url("inquiries"), json=body, headers=parties.firm_headers)
    assert response.status_code == 422, response.json
    field = "author_id" if "author_id" in body else "body"
    assert words in " ".join(response.json["errors"]["json"][field])
    assert db.session.scalar(select(func.count(Message.id))) == 0


@pytest.mark.parametrize("kind", ["bookings", "inquiries", "proposals"])
def test_other_peoples_threads_are_404(client, db, parties, kind):
    client.post(parties.url(kind), json={"body": "内部报价 9 万"}, headers=parties.firm_headers)
    strangers = [
        factories.UserFactory(role="firm"),
        factories.UserFactory(role="operator"),
        factories.UserFactory(role="admin"),  # administrators see subjects, not their conversations
    ]
    for stranger in strangers:
        headers = headers_for(db, stranger)
        read = client.get(parties.url(kind), headers=headers)
        assert read.status_code == 404 and "内部报价" not in read.get_data(as_text=True), stranger.role
        written = client.post(parties.url(kind), json={"body": "我也来说一句"}, headers=headers)
        assert written.status_code == 404, stranger.role
    assert client.get(f"/api/v1/{kind}/missing-ref/messages", headers=parties.firm_headers).status_code == 404
    assert db.session.scalar(select(func.count(Message.id))) == 1


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/api/v1/messages/unread"),
        ("get", "/api/v1/bookings/{ref}/messages"),
        ("post", "/api/v1/bookings/{ref}/messages"),
        ("get", "/api/v1/inquiries/{ref}/messages"),
        ("post", "/api/v1/proposals/{ref}/messages"),
    ],
)
def test_every_message_endpoint_needs_a_token(client, db, parties, method, path):
    ref = parties.subjects[path.split("/")[3]].ref if "{ref}" in path else ""
    response = getattr(client, method)(path.format(ref=ref), json={"body": "你好"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


def test_the_openapi_document_describes_the_threads(client, db):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for kind in ("bookings", "inquiries", "proposals"):
        thread = paths[f"/api/v1/{kind}/{{ref}}/messages"]
        assert {"200", "401", "404"} <= set(thread["get"]["responses"])
        assert {"201", "401", "404", "422"} <= set(thread["post"]["responses"])
    assert "200" in paths["/api/v1/messages/unread"]["get"]["responses"]
