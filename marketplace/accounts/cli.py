"""`flask accounts ...` commands."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

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
