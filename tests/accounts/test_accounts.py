"""Registration, login, sessions, throttling, passwords, resets and API tokens."""

import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken, User, credit_code_is_valid
from tests import factories
from tests.conftest import PASSWORD

VALID_CODE = "91350100M000100Y43"  # a well-formed GB 32100-2015 code


def registration(**overrides):
    data = {
        "role": "firm",
        "name": "王工",
        "email": "wang@example.cn",
        "password": "a-long-password",
        "confirm": "a-long-password",
        "org_name": "济南某新材料有限公司",
        "org_kind": "enterprise",
        "org_city": "济南",
        "credit_code": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "code,valid",
    [
        (VALID_CODE, True),
        ("91350100M000100Y44", False),  # wrong check character
        ("91350100M000100Y4", False),  # 17 characters
        ("91350100M000100YI3", False),  # I is not in the character set
    ],
)
def test_credit_code_check_character(code, valid):
    assert credit_code_is_valid(code) is valid


def test_register_creates_user_and_organisation_and_logs_in(client, db):
    response = client.post("/account/register", data=registration(credit_code=VALID_CODE))
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "wang@example.cn"))
    assert user.organization.credit_code == VALID_CODE
    assert user.password_hash.startswith("scrypt:")
    assert client.get("/account/").status_code == 200


@pytest.mark.parametrize(
    "overrides,field_message",
    [
        ({"password": "short", "confirm": "short"}, "密码至少需要 8 个字符"),
        ({"credit_code": "91350100M000100Y44"}, "统一社会信用代码无效"),
        ({"email": "not-an-email"}, "请输入有效的邮箱地址"),
        ({"confirm": "different-password"}, "两次输入的密码不一致"),
        ({"role": "admin"}, "不是有效的选择"),
    ],
)
def test_register_rejects_bad_input_with_message_beside_field(client, db, overrides, field_message):
    response = client.post("/account/register", data=registration(**overrides))
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert db.session.scalar(select(User.id)) is None


def test_long_passwords_are_accepted_without_truncation(client, db):
    long_password = "长" * 10 + "x" * 54  # 64 characters
    client.post("/account/register", data=registration(password=long_password, confirm=long_password))
    user = db.session.scalar(select(User))
    assert services.authenticate(user.email, long_password, "1.2.3.4")
    with pytest.raises(services.DomainError):
        services.authenticate(user.email, long_password[:-1], "1.2.3.4")


def test_duplicate_email_is_refused(client, db):
    factories.UserFactory(email="wang@example.cn")
    db.session.commit()
    response = client.post("/account/register", data=registration())
    assert "该邮箱已注册" in response.get_data(as_text=True)


def test_login_through_the_form_and_wrong_password(client, auth, firm_user):
    db_user = firm_user
    bad = auth.login(db_user, "wrong password!")
    assert "邮箱或密码不正确" in bad.get_data(as_text=True)
    good = auth.login(db_user)
    assert good.status_code == 302


def test_login_is_throttled_per_account(app, client, auth, firm_user):
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        auth.login(firm_user, "wrong password!")
    response = auth.login(firm_user)  # even the right password is refused now
    assert "登录失败次数过多" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_login_is_throttled_per_address_across_accounts(app, client, db):
    limit = app.config["LOGIN_FAILURES_PER_ADDRESS"]
    users = factories.UserFactory.create_batch(limit)  # one failure each: no single account is locked
    db.session.commit()
    for i in range(limit):
        client.post(
            "/account/login",
            data={"email": users[i].email, "password": "wrong password!"},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
    response = client.post(
        "/account/login",
        data={"email": users[0].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert "登录失败次数过多" in response.get_data(as_text=True)
    other = client.post(
        "/account/login",
        data={"email": users[0].email, "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.1.1.1"},
    )
    assert other.status_code == 302


def test_throttle_is_shared_storage_not_process_memory(app, db, firm_user):
    """Failures live in the database, so another worker process sees them."""
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        with pytest.raises(services.DomainError):
            services.authenticate(firm_user.email, "nope-nope-nope", "1.1.1.1")
    from marketplace.accounts.models import LoginThrottle

    row = db.session.scalar(select(LoginThrottle).where(LoginThrottle.key == f"account:{firm_user.email}"))
    assert row.attempts == app.config["LOGIN_FAILURES_PER_ACCOUNT"]


def test_simultaneous_wrong_passwords_never_pass_the_limit(app, db, firm_user):
    """40 threads, each with its own connection to the real database, try a wrong password at the
    same moment: exactly the limit get their password checked, every other one is refused."""
    limit, email, attempts = app.config["LOGIN_FAILURES_PER_ACCOUNT"], firm_user.email, 40
    start = threading.Barrier(attempts)
    outcomes: list[str] = []

    def attempt(i: int) -> None:
        with app.app_context():
            start.wait()
            try:
                services.authenticate(email, "wrong password!", f"10.0.{i // 200}.{i % 200}")
            except services.DomainError as exc:
                outcomes.append(exc.errors[0][1])
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == attempts
    assert outcomes.count("邮箱或密码不正确。") == limit
    assert outcomes.count("登录失败次数过多，请 15 分钟后再试。") == attempts - limit


def test_an_unknown_email_costs_a_password_check_like_a_known_one(app, db, firm_user, monkeypatch):
    """Equal work, so response times do not tell which e-mails have accounts."""
    checked: list[str] = []
    real_check = services.check_password_hash

    def spy(pwhash: str, password: str) -> bool:
        checked.append(pwhash.split("$")[0])  # the method and its cost parameters
        return real_check(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", spy)
    for email in ("nobody@example.cn", firm_user.email):
        with pytest.raises(services.DomainError, match="邮箱或密码不正确"):
            services.authenticate(email, "wrong password!", "10.7.7.7")
    assert checked == [firm_user.password_hash.split("$")[0]] * 2


def test_copied_session_cookie_is_useless_after_logout(app, client, auth, firm_user):
    auth.login(firm_user)
    cookie = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", cookie, domain="localhost")
    assert thief.get("/account/").status_code == 302


def test_a_session_ends_twelve_hours_after_login(client, auth, firm_user, freeze_now):
    login = freeze_now(datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    auth.login(firm_user)
    freeze_now(login + timedelta(hours=11, minutes=59))
    assert client.get("/account/").status_code == 200
    freeze_now(login + timedelta(hours=12, minutes=1))
    assert client.get("/account/").status_code == 302


def test_login_failures_count_within_the_window_only(app, client, auth, firm_user, freeze_now):
    start = freeze_now(datetime(2026, 3, 1, 23, 55, tzinfo=UTC))
    for _ in range(app.config["LOGIN_FAILURES_PER_ACCOUNT"]):
        auth.login(firm_user, "wrong password!")
    freeze_now(start + timedelta(minutes=14))
    assert "登录失败次数过多" in auth.login(firm_user).get_data(as_text=True)
    freeze_now(start + timedelta(minutes=16))
    assert auth.login(firm_user).status_code == 302


def test_token_times_are_shown_in_beijing_time(client, auth, db, firm_user, freeze_now):
    freeze_now(datetime(2026, 3, 1, 0, 0, tzinfo=UTC))
    _, plaintext = services.create_api_token(firm_user, "导出脚本")
    db.session.commit()
    freeze_now(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))
    assert services.user_for_token(plaintext) == firm_user  # an API call records the use
    db.session.commit()
    auth.as_(firm_user)
    page = client.get("/account/").get_data(as_text=True)
    assert "2026-03-01 08:00" in page and "2026-03-02 00:30" in page  # created, last used


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "javascript:alert(1)",
        "%2F%2Fevil.example",
        "/\t/evil.example",
    ],
)
def test_next_never_leaves_the_site(client, auth, firm_user, target):
    response = auth.login(firm_user, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "evil" not in location and not location.startswith("javascript")


def test_next_to_a_local_page_is_followed(client, auth, firm_user):
    response = auth.login(firm_user, next="/offerings?domain=食品")
    assert response.headers["Location"].startswith("/offerings")


def test_change_password_needs_the_current_one_and_ends_other_sessions(app, client, auth, firm_user):
    auth.login(firm_user)
    other_device = app.test_client()
    Auth = type(auth)
    Auth(other_device).login(firm_user)
    bad = client.post(
        "/account/password",
        data={
            "current_password": "wrong-wrong",
            "new_password": "new-password-1",
            "confirm": "new-password-1",
        },
    )
    assert "当前密码不正确" in bad.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "new_password": "new-password-1", "confirm": "new-password-1"},
    )
    assert ok.status_code == 302
    assert client.get("/account/").status_code == 200  # this session continues
    assert other_device.get("/account/").status_code == 302  # the other one is logged out


def test_password_reset_by_emailed_link_works_once(client, db, mail, firm_user):
    client.post("/account/forgot", data={"email": firm_user.email})
    assert mail and mail[-1]["to"] == firm_user.email
    link = re.search(r"http://localhost(/account/reset/\S+)", mail[-1]["body"]).group(1)
    response = client.post(link, data={"new_password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert services.authenticate(firm_user.email, "brand-new-pass", "1.1.1.1")
    again = client.post(link, data={"new_password": "another-pass-1", "confirm": "another-pass-1"})
    assert "重置链接已使用或无效" in client.get(again.location).get_data(as_text=True)


def api_status(client, plaintext: str) -> int:
    """What a script using this token gets from an endpoint that needs one (401 once revoked)."""
    return client.post(
        "/api/v1/offerings/999999/pause", headers={"Authorization": f"Bearer {plaintext}"}
    ).status_code


def test_password_reset_revokes_every_api_token(client, db, mail, firm_user):
    """A reset means the account may be compromised: tokens issued with it stop working."""
    _, first = services.create_api_token(firm_user, "ERP")
    _, second = services.create_api_token(firm_user, "脚本")
    db.session.commit()
    assert api_status(client, first) == 404  # accepted: the offering just does not exist
    client.post("/account/forgot", data={"email": firm_user.email})
    link = re.search(r"http://localhost(/account/reset/\S+)", mail[-1]["body"]).group(1)
    done = client.post(
        link, data={"new_password": "brand-new-pass", "confirm": "brand-new-pass"}, follow_redirects=True
    )
    assert "API 令牌已全部撤销" in done.get_data(as_text=True)
    assert api_status(client, first) == 401 and api_status(client, second) == 401


@pytest.mark.parametrize("revoke", [True, False])
def test_password_change_offers_to_revoke_api_tokens(client, auth, db, firm_user, revoke):
    _, plaintext = services.create_api_token(firm_user, "ERP")
    db.session.commit()
    auth.as_(firm_user)
    form = client.get("/account/password").get_data(as_text=True)
    assert re.search(r'<input checked id="revoke_tokens" name="revoke_tokens" type="checkbox"', form)
    data = {"current_password": PASSWORD, "new_password": "new-password-1", "confirm": "new-password-1"}
    if revoke:
        data["revoke_tokens"] = "y"
    page = client.post("/account/password", data=data, follow_redirects=True).get_data(as_text=True)
    assert ("已撤销 1 个 API 令牌" in page) is revoke
    assert api_status(client, plaintext) == (401 if revoke else 404)


def test_password_reset_for_unknown_email_says_the_same_and_sends_nothing(client, db, mail):
    response = client.post("/account/forgot", data={"email": "nobody@example.cn"}, follow_redirects=True)
    assert "如果该邮箱已注册" in response.get_data(as_text=True)
    assert mail == []


def test_api_tokens_are_stored_hashed_and_can_be_revoked(client, auth, db, firm_user):
    auth.as_(firm_user)
    client.post("/account/tokens", data={"name": "ERP"})
    page = client.get("/account/").get_data(as_text=True)
    plaintext = re.search(r'id="new-token">(zs_[^<]+)<', page).group(1)
    token = db.session.scalar(select(ApiToken))
    assert plaintext not in (token.token_hash, token.prefix) and len(token.token_hash) == 64
    assert services.user_for_token(plaintext).id == firm_user.id
    client.post(f"/account/tokens/{token.id}/revoke")
    db.session.expire_all()
    assert services.user_for_token(plaintext) is None


def test_cannot_revoke_someone_elses_token(client, auth, db, firm_user):
    other = factories.UserFactory()
    token, _ = services.create_api_token(other, "theirs")
    db.session.commit()
    auth.as_(firm_user)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_create_admin_command(runner, db):
    result = runner.invoke(
        args=["accounts", "create-admin", "boss@example.cn"], input="admin-password\nadmin-password\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.email == "boss@example.cn")).role == "admin"
    again = runner.invoke(
        args=["accounts", "create-admin", "boss@example.cn"], input="admin-password\nadmin-password\n"
    )
    assert again.exit_code != 0 and "已注册" in again.output


def test_a_dead_reset_link_says_so_before_asking_for_a_new_password(client, db):
    """Found by a first-time user: /account/reset/garbage showed the form, refusing only after a submit."""
    response = client.get("/account/reset/garbage", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "重置链接无效，请重新申请。" in text and "发送重置链接" in text
    assert 'name="new_password"' not in text


def test_create_user_command_makes_an_expert_with_a_new_organisation(runner, db):
    result = runner.invoke(
        args=[
            "accounts",
            "create-user",
            "Li.Expert@Example.cn",
            "--role",
            "expert",
            "--organization",
            "山东大学",
        ]
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "li.expert@example.cn"))
    assert user.role == "expert" and user.organization.name == "山东大学"
    password = result.output.strip().splitlines()[-1]
    assert result.output.count(password) == 1 and len(password) >= 12
    assert services.authenticate("li.expert@example.cn", password, "10.3.3.3").id == user.id
    db.session.rollback()
    again = runner.invoke(
        args=["accounts", "create-user", "li.expert@example.cn", "--role", "firm", "--organization", "x"]
    )
    assert again.exit_code != 0 and "已注册" in again.output


def test_create_user_command_joins_an_existing_organisation(runner, db):
    org = factories.OrganizationFactory(name="青岛某化工有限公司")
    db.session.commit()
    result = runner.invoke(
        args=["accounts", "create-user", "op@example.cn", "--role", "operator", "--organization", org.name]
    )
    assert result.exit_code == 0, result.output
    assert "已有" in result.output
    user = db.session.scalar(select(User).where(User.email == "op@example.cn"))
    assert user.org_id == org.id and user.role == "operator"


@pytest.mark.parametrize(
    "args,message",
    [
        (["nobody", "--role", "expert", "--organization", "山东大学"], "邮箱无效"),
        (["a@example.cn", "--role", "boss", "--organization", "山东大学"], "boss"),
        (["a@example.cn", "--role", "expert", "--organization", "  "], "单位名称不能为空"),
    ],
)
def test_create_user_command_refuses_bad_input(runner, db, args, message):
    result = runner.invoke(args=["accounts", "create-user", *args])
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(User.id)) is None


def test_create_token_command_prints_the_token_alone_on_its_last_line(runner, client, db, operator_user):
    result = runner.invoke(
        args=["accounts", "create-token", operator_user.email.upper(), "--name", "ERP 对接"]
    )
    assert result.exit_code == 0, result.output
    plaintext = result.output.rstrip("\n").splitlines()[-1]
    assert plaintext.startswith("zs_") and plaintext == plaintext.strip()
    assert api_status(client, plaintext) == 404  # accepted by the API (the offering does not exist)
    assert services.user_for_token(plaintext).id == operator_user.id
    assert db.session.scalar(select(ApiToken.name)) == "ERP 对接"
    db.session.rollback()
    unknown = runner.invoke(args=["accounts", "create-token", "nobody@example.cn"])
    assert unknown.exit_code != 0 and "没有该邮箱的用户" in unknown.output
