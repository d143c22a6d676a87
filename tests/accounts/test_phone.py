"""The contact telephone on the profile: what the other side of an accepted inquiry reads."""

from tests import factories


def test_a_user_sets_and_clears_the_phone_on_the_profile(client, auth, db, firm_user):
    auth.as_(firm_user)
    assert "联系电话" in client.get("/account/").get_data(as_text=True)
    response = client.post("/account/", data={"phone": " 0531-8888 8888 转 12 "})
    assert response.status_code == 302
    db.session.refresh(firm_user)
    assert firm_user.phone == "0531-8888 8888 转 12"
    client.post("/account/", data={"phone": ""})
    db.session.refresh(firm_user)
    assert firm_user.phone is None


def test_a_phone_that_is_not_a_number_is_refused_beside_the_field(client, auth, db):
    user = factories.UserFactory(phone="13800000000")
    db.session.commit()
    auth.as_(user)
    for bad in ("<script>", "call me", "12", "1" * 31):
        page = client.post("/account/", data={"phone": bad}).get_data(as_text=True)
        assert "电话" in page and 'class="error"' in page, bad
    db.session.refresh(user)
    assert user.phone == "13800000000"
