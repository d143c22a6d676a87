"""While a firm writes a need, the form suggests its domains and kinds (from the matches the text finds)
and shows the scale and certifications it reads; the firm confirms them."""

from marketplace.demands import services
from marketplace.extensions import db
from tests import factories


def catalogue():
    factories.OfferingFactory(title="500 L 不锈钢发酵罐", domains=["生物医药"], kind="equipment")
    factories.OfferingFactory(
        title="冷等静压机", description="陶瓷粉体 200 MPa 成型。", domains=["新材料"], kind="equipment"
    )
    factories.OfferingFactory(
        title="发酵工艺开发与放大服务", description="菌种发酵工艺优化。", domains=["生物医药"], kind="service"
    )
    db.session.commit()


def test_a_fermentation_need_is_suggested_its_domain_kinds_and_scale(db):
    catalogue()
    found = services.suggest(
        "重组蛋白发酵放大", "实验室 5 L 罐稳定，计划放大到 500 L 发酵罐，需要 GMP 条件。"
    )
    assert found["domains"] == ["生物医药"]
    assert set(found["kinds"]) <= {"equipment", "service"} and "equipment" in found["kinds"]
    assert "500 L" in found["volumes"] and found["certifications"] == ["GMP"]


def test_too_little_text_suggests_nothing(db):
    catalogue()
    assert services.suggest("发", "") == {
        "domains": [],
        "kinds": [],
        "volumes": [],
        "masses": [],
        "certifications": [],
    }


def test_the_endpoint_is_the_firms_and_needs_the_forms_token(
    app, client, auth, firm_user, operator_user, monkeypatch
):
    catalogue()
    auth.as_(firm_user)
    body = client.post(
        "/my/demands/suggest", data={"title": "冷等静压成型", "description": "氧化锆陶瓷粉体"}
    ).get_json()
    assert body["domains"] == ["新材料"]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/my/demands/suggest", data={"title": "冷等静压"}).status_code == 400
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    auth.as_(operator_user)
    assert client.post("/my/demands/suggest", data={"title": "冷等静压"}).status_code == 403
