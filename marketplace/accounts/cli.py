"""`flask accounts ...` commands."""

import secrets

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from sqlalchemy import select

from .. import vocab
from ..core.errors import DomainError
from ..extensions import db
from . import services
from .models import Organization, Role, User

accounts_cli = AppGroup("accounts", help="管理账户 / manage accounts")


@accounts_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="系统管理员")
@click.password_option(prompt="密码 / password")
def create_admin(email: str, name: str, password: str) -> None:
    """Create the first (or another) administrator."""
    org = db.session.scalar(
        select(Organization).where(Organization.kind == "government").order_by(Organization.id)
    )
    if org is None:
        org = Organization(name="山东省工业和信息化厅", kind="government", city="济南")
        db.session.add(org)
    if db.session.scalar(select(User.id).where(User.email == services.normalise_email(email))):
        raise click.ClickException("该邮箱已注册。")
    try:
        services.create_user(email=email, password=password, name=name, role=Role.ADMIN, organization=org)
    except DomainError as exc:
        raise click.ClickException(exc.errors[0][1]) from exc
    db.session.commit()
    click.echo(f"已创建管理员 {email}")


@accounts_cli.command("create-user")
@click.argument("email")
@click.option(
    "--role", required=True, type=click.Choice([r.value for r in Role]), help="firm|operator|expert|admin"
)
@click.option("--organization", "org_name", required=True, help="单位名称；不存在时新建 / created when new")
@click.option("--name", default=None, help="姓名（默认取邮箱 @ 前的部分）")
@click.option(
    "--org-kind",
    type=click.Choice(list(vocab.ORG_KINDS)),
    default=None,
    help="新建单位的类型（默认：管理员为 government，其他为 enterprise）",
)
@click.option("--city", type=click.Choice(vocab.ALL_CITIES), default=None, help="新建单位所在城市")
def create_user(
    email: str, role: str, org_name: str, name: str | None, org_kind: str | None, city: str | None
) -> None:
    """Create a user of any role (experts, administrators, operators for scripts) with a random
    password, printed once; the organisation is found by name or created."""
    try:
        email = services.normalise_email(validate_email(email, check_deliverability=False).normalized)
    except EmailNotValidError as exc:
        raise click.ClickException(f"邮箱无效：{email}") from exc
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise click.ClickException("该邮箱已注册。")
    org_name, name = org_name.strip(), (name or email.split("@")[0]).strip()
    if not org_name or len(org_name) > 200:
        raise click.ClickException("单位名称不能为空，且不能超过 200 个字符。")
    if not name or len(name) > 100:
        raise click.ClickException("姓名不能为空，且不能超过 100 个字符。")
    org = db.session.scalar(
        select(Organization).where(Organization.name == org_name).order_by(Organization.id)
    )
    created_org = org is None
    if created_org:
        kind = org_kind or ("government" if role == Role.ADMIN else "enterprise")
        org = Organization(name=org_name, kind=kind, city=city)
        db.session.add(org)
    password = secrets.token_urlsafe(12)
    try:
        user = services.create_user(
            email=email,
            password=password,
            name=name,
            role=role,
            organization=org,
        )
    except DomainError as exc:
        raise click.ClickException(exc.errors[0][1]) from exc
    db.session.commit()
    click.echo(
        f"已创建{vocab.ROLES[role]} {user.email}，单位：{org.name}（{'新建' if created_org else '已有'}）"
    )
    click.echo("初始密码只显示这一次，请转交本人并提醒登录后修改：")
    click.echo(password)


@accounts_cli.command("create-token")
@click.argument("email")
@click.option("--name", default="命令行创建", help="令牌名称，用于区分不同的令牌")
def create_token(email: str, name: str) -> None:
    """Create a personal API token for the user; the token is printed alone on the last line."""
    user = db.session.scalar(select(User).where(User.email == services.normalise_email(email)))
    if user is None:
        raise click.ClickException("没有该邮箱的用户。")
    if not user.is_enabled:
        raise click.ClickException("该用户已停用。")
    try:
        token, plaintext = services.create_api_token(user, name)
    except DomainError as exc:
        raise click.ClickException(exc.errors[0][1]) from exc
    db.session.commit()
    click.echo(f"已为 {user.email} 创建令牌“{token.name}”（前缀 {token.prefix}），只显示这一次：")
    click.echo(plaintext)
