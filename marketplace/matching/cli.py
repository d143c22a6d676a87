"""`flask search rebuild|check|drain` and `flask match`."""

from __future__ import annotations

import json
import time

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from . import indexer, services

search_cli = AppGroup("search", help="搜索索引 / the search index")


@search_cli.command("rebuild")
@click.option("--procs", default=1, show_default=True, help="writer processes")
def rebuild_command(procs: int) -> None:
    """Build a fresh index from the database and swap it in atomically."""
    started = time.perf_counter()
    count = indexer.rebuild(current_app, procs=procs)
    click.echo(f"已重建索引：{count} 个文档，用时 {time.perf_counter() - started:.1f} 秒")


@search_cli.command("check")
def check_command() -> None:
    """Report documents missing from, stale in, or extra in the index. Exit 1 when any."""
    report = indexer.check(current_app)
    for kind in ("missing", "stale", "extra"):
        click.echo(f"{kind}: {len(report[kind])}" + (f"  {', '.join(report[kind][:20])}" if report[kind] else ""))
    if any(report.values()):
        raise SystemExit(1)


@search_cli.command("drain")
def drain_command() -> None:
    """Apply pending changes from the outbox to the index."""
    click.echo(f"applied {indexer.drain(current_app, wait=30.0)} outbox rows")


@click.command("match")
@click.argument("refs", nargs=-1)
@click.option("--all", "all_open", is_flag=True, help="every open demand")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def match_command(refs: tuple[str, ...], all_open: bool, limit: int, fmt: str) -> None:
    """Ranked offerings for demands: {"<demand ref>": [{"offering_ref": ..., "score": ...}]}."""
    from ..demands.models import Demand
    from ..demands.services import public_open

    if all_open:
        demands = list(db.session.scalars(public_open()))
    else:
        demands = []
        for ref in refs:
            demand = db.session.scalar(select(Demand).where(Demand.ref == ref))
            if demand is None:
                raise click.ClickException(f"未找到需求 ref={ref}")
            demands.append(demand)
    out = {}
    for demand in demands:
        key = demand.ref or f"id:{demand.id}"
        out[key] = [{"offering_ref": m.ref or f"id:{m.obj_id}", "score": m.score}
                    for m in services.match_demand(demand, limit=limit)]
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for key, rows in out.items():
            click.echo(key)
            for row in rows:
                click.echo(f"  {row['score']:.3f}  {row['offering_ref']}")
