"""JSON API: public lists, token-protected writes, field-named errors, the OpenAPI document."""

import pytest

from marketplace.accounts.services import create_api_token
from tests import factories


@pytest.fixture
def operator_token(db, operator_user):
    platform = factories.PlatformFactory(organization=operator_user.organization)
    _, token = create_api_token(operator_user, "tests")
    db.session.commit()
    return platform, {"Authorization": f"Bearer {token}"}


NEW = {
    "kind": "equipment",
    "title": "200 L 高压加氢釜",
    "domains": ["高端化工"],
    "specs": {"设计压力": "10 MPa"},
    "price": {"amount": 6000, "unit": "day"},
    "bookable": True,
}


def test_public_lists_are_paginated(client, db):
    platform = factories.PlatformFactory()
    factories.OfferingFactory.create_batch(3, platform=platform)
    factories.OfferingFactory(status="paused", platform=platform)
    db.session.commit()
    body = client.get("/api/v1/offerings?per_page=2&page=2").json
    assert (body["total"], body["page"], body["per_page"], len(body["items"])) == (3, 2, 2, 1)
    assert body["items"][0]["price"] == {"amount": 1200.0, "unit": "day"}
    platforms = client.get("/api/v1/platforms").json
    assert platforms["total"] == 1 and platforms["items"][0]["contact"]["name"] is not None


def test_filters_are_validated_with_field_names(client, db):
    response = client.get("/api/v1/offerings?kind=robot&per_page=1000")
    assert response.status_code == 422
    assert set(response.json["errors"]["query"]) == {"kind", "per_page"}


def test_draft_platforms_are_not_exposed(client, db):
    draft = factories.PlatformFactory(status="draft")
    db.session.commit()
    assert client.get(f"/api/v1/platforms/{draft.id}").status_code == 404


def test_create_offering_with_token(client, db, operator_token):
    platform, headers = operator_token
    response = client.post("/api/v1/offerings", json={**NEW, "platform_id": platform.id}, headers=headers)
    assert response.status_code == 201, response.json
    created = response.json
    assert created["platform_id"] == platform.id and created["status"] == "active"
    assert client.get(f"/api/v1/offerings/{created['id']}").json["title"] == "200 L 高压加氢釜"


def test_writes_need_a_valid_token_and_never_use_the_session(client, auth, db, operator_user, operator_token):
    platform, _ = operator_token
    auth.as_(operator_user)  # a logged-in browser session is not an API credential
    response = client.post("/api/v1/offerings", json={**NEW, "platform_id": platform.id})
    assert response.status_code == 401 and response.is_json
    bad = client.post(
        "/api/v1/offerings",
        json={**NEW, "platform_id": platform.id},
        headers={"Authorization": "Bearer zs_not-a-token"},
    )
    assert bad.status_code == 401


def test_someone_elses_platform_or_offering_is_404(client, db, operator_token):
    _, headers = operator_token
    foreign = factories.OfferingFactory()
    db.session.commit()
    assert (
        client.post(
            "/api/v1/offerings", json={**NEW, "platform_id": foreign.platform_id}, headers=headers
        ).status_code
        == 404
    )
    assert (
        client.patch(f"/api/v1/offerings/{foreign.id}", json={"title": "x"}, headers=headers).status_code
        == 404
    )
    assert client.post(f"/api/v1/offerings/{foreign.id}/pause", headers=headers).status_code == 404
    assert client.patch("/api/v1/offerings/999999", json={"title": "x"}, headers=headers).status_code == 404


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"status": "paused"}, "status"),
        ({"platform_id": 1}, "platform_id"),
        ({"price": {"amount": -1, "unit": "day"}}, "price"),
        ({"price": {"amount": 5}}, "price"),
        ({"domains": ["火星"]}, "domains"),
        ({"title": ""}, "title"),
        ({"lead_time_days": "soon"}, "lead_time_days"),
        ({"price": {"amount": 1e308, "unit": "day"}}, "price"),
        ({"quantity": 10**30}, "quantity"),
        ({"area_m2": 1e308}, "area_m2"),
    ],
)
def test_update_errors_name_the_field(client, db, operator_token, payload, field):
    platform, headers = operator_token
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    response = client.patch(f"/api/v1/offerings/{offering.id}", json=payload, headers=headers)
    assert response.status_code == 422 and field in response.json["errors"]["json"], response.json
    db.session.refresh(offering)
    assert offering.status == "active"


def test_absurd_numbers_are_refused_with_the_shared_message(client, db, operator_token):
    platform, headers = operator_token
    response = client.post(
        "/api/v1/offerings",
        json={**NEW, "platform_id": platform.id, "price": {"amount": 1e308, "unit": "day"}},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json["errors"]["json"]["price"] == {"amount": ["价格应在 0 到 100 亿元之间。"]}
    response = client.get("/api/v1/offerings?price_max=1e308")
    assert response.status_code == 422 and "price_max" in response.json["errors"]["query"]
    assert client.get("/api/v1/offerings").json["total"] == 0


def test_update_and_pause_own_offering(client, db, operator_token):
    platform, headers = operator_token
    offering = factories.OfferingFactory(platform=platform)
    db.session.commit()
    response = client.patch(
        f"/api/v1/offerings/{offering.id}",
        json={"title": "新名称", "price": {"negotiable": True}},
        headers=headers,
    )
    assert response.status_code == 200 and response.json["price"] == {"negotiable": True}
    assert client.post(f"/api/v1/offerings/{offering.id}/pause", headers=headers).json["status"] == "paused"
    assert client.get(f"/api/v1/offerings/{offering.id}").status_code == 404  # no longer public


def test_malformed_json_is_a_4xx(client, db, operator_token):
    _, headers = operator_token
    response = client.post(
        "/api/v1/offerings", data="{nope", headers={**headers, "Content-Type": "application/json"}
    )
    assert 400 <= response.status_code < 500 and response.is_json


def test_openapi_document_and_local_docs_page(client, db):
    spec = client.get("/api/v1/openapi.json").json
    assert "/api/v1/offerings" in spec["paths"] and "/api/v1/demands/{ref}/matches" in spec["paths"]
    assert "OfferingUpdate" in spec["components"]["schemas"]
    page = client.get("/api/v1/docs/").get_data(as_text=True)
    assert (
        "/api/v1/docs/assets/swagger-ui-bundle.js" in page
        and "http" not in page.split("<body>")[1].split("</body>")[0]
    )
    assert client.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/api/v1/docs/assets/../../../etc/passwd").status_code == 404
