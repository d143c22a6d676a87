"""`flask search rebuild|check|drain|hosts|forget-host`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.timeutil import utcnow
from ..extensions import db
from . import indexer

search_cli = AppGroup("search", help="搜索索引 / the search index")


@search_cli.command("rebuild")
@click.option("--procs", type=click.IntRange(min=1), help="writer processes [default: SEARCH_REBUILD_PROCS]")
def rebuild_command(procs: int | None) -> None:
    """Build a fresh index from the database and swap it in atomically."""
    started = time.perf_counter()
    count = indexer.rebuild(current_app, procs=procs)
    click.echo(f"已重建索引：{count} 个文档，用时 {time.perf_counter() - started:.1f} 秒")
    letters = indexer.dead_letters()
    if letters:
        click.echo(f"另有 {len(letters)} 个文档无法写入索引，已跳过并记入死信：")
        _echo_dead_letters(letters)


def _echo_dead_letters(letters) -> None:
    for letter in letters[:50]:
        click.echo(
            f"  {letter.key}  attempts={letter.attempts}"
            f"  first={letter.first_failed_at.isoformat(timespec='seconds')}"
            f"  last={letter.last_failed_at.isoformat(timespec='seconds')}  {letter.error}"
        )


@search_cli.command("check")
def check_command() -> None:
    """Report documents missing from, stale in, or extra in the index, and the documents set aside
    (dead letters) with their errors. Exit 1 when any."""
    report = indexer.check(current_app)
    for kind in ("missing", "stale", "extra"):
        click.echo(
            f"{kind}: {len(report[kind])}" + (f"  {', '.join(report[kind][:20])}" if report[kind] else "")
        )
    letters = indexer.dead_letters()
    click.echo(f"dead letters: {len(letters)}")
    _echo_dead_letters(letters)
    if any(report.values()) or letters:
        raise SystemExit(1)


@search_cli.command("drain")
def drain_command() -> None:
    """Apply pending changes from the outbox to the index."""
    click.echo(f"applied {indexer.drain(current_app, wait=30.0)} outbox rows")


@search_cli.command("hosts")
def hosts_command() -> None:
    """List the application hosts that keep an index replica: cursor (last outbox id applied), lag
    (outbox rows not applied yet), generation, first and last seen."""
    this = indexer.host_id(current_app)
    states = indexer.hosts()
    if not states:
        click.echo("还没有登记的主机（第一次写入索引时登记）。")
    now = utcnow()
    for state in states:
        idle = int((now - state.last_seen_at).total_seconds())
        click.echo(
            f"{state.name}{'  (本机)' if state.name == this else ''}\n"
            f"  cursor={state.cursor}  lag={state.lag}  generation={state.generation or '-'}"
            f"  first_seen={state.first_seen_at.isoformat(timespec='seconds')}"
            f"  last_seen={state.last_seen_at.isoformat(timespec='seconds')} ({idle} 秒前)"
        )


@search_cli.command("forget-host")
@click.argument("host")
def forget_host_command(host: str) -> None:
    """Unregister HOST (gone for good), so it no longer holds outbox rows back. Should it come back,
    it rebuilds its index."""
    if not indexer.forget_host(host):
        click.echo(f"没有登记名为 {host} 的主机；`flask search hosts` 列出已登记的主机。", err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"已注销主机 {host}；其他主机都已应用的变更已从 outbox 中删除。")
