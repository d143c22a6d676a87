"""`flask demands expire` and `flask match`."""

import json

import click
from flask.cli import AppGroup

from ..extensions import db
from ..matching import services as matching
from . import services

demands_cli = AppGroup("demands", help="中试需求 / demands")


@demands_cli.command("expire")
def expire_command() -> None:
    """Close open demands whose deadline has passed (`flask jobs worker` also does it every hour)."""
    count = services.expire_overdue()
    db.session.commit()
    click.echo(f"{count} 条需求已过期")


@click.command("match")
@click.argument("refs", nargs=-1)
@click.option("--all", "all_open", is_flag=True, help="every open demand")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def match_command(refs: tuple[str, ...], all_open: bool, limit: int, fmt: str) -> None:
    """Ranked offerings for demands: {"<demand ref>": [{"offering_ref": ..., "score": ...}]}."""
    if all_open:
        demands = list(db.session.scalars(services.public_open()))
    else:
        demands = []
        for ref in refs:
            demand = services.get_by_ref(ref)
            if demand is None:
                raise click.ClickException(f"未找到需求 ref={ref}")
            demands.append(demand)
    out = {}
    for demand in demands:
        key = demand.ref or f"id:{demand.id}"
        out[key] = [
            {"offering_ref": m.ref or f"id:{m.obj_id}", "score": m.score}
            for m in matching.match_demand(demand, limit=limit)
        ]
    if fmt == "json":
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for key, rows in out.items():
            click.echo(key)
            for row in rows:
                click.echo(f"  {row['score']:.3f}  {row['offering_ref']}")
