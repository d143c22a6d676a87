"""`flask messages recount`."""

import click
from flask.cli import AppGroup

from ..extensions import db
from . import unread

messages_cli = AppGroup("messages", help="消息 / messages")


@messages_cli.command("recount")
def recount_command() -> None:
    """Store every user's unread-message count (after writing messages with bulk statements, which
    leave everyone counted live: exact, slower)."""
    count = unread.recount_all(db.session)
    db.session.commit()
    click.echo(f"{count} 个用户的未读消息数已重新统计")
