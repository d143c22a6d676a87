"""`flask demands expire`, `flask demands export-feedback` and `flask match`."""

import json

import click
from flask.cli import AppGroup

from ..extensions import db
from ..matching import services as matching
from . import services

MATCH_BATCH = 500  #: demands loaded per query by `flask match --all`

demands_cli = AppGroup("demands", help="中试需求 / demands")


@demands_cli.command("expire")
def expire_command() -> None:
    """Close open demands whose deadline has passed (`flask jobs worker` also does it every hour)."""
    count = services.expire_overdue()
    db.session.commit()
    click.echo(f"{count} 条需求已过期")


@demands_cli.command("export-feedback")
@click.option("--output", "-o", type=click.File("w", encoding="utf-8"), default="-", show_default=True)
def export_feedback_command(output) -> None:
    """Firms' judgements of their matches as judged qrels ({"<demand ref>": {"<offering ref>": grade}},
    the format of the judged sets' dev_qrels.json): useful 2, not useful 0."""
    output.write(json.dumps(services.feedback_qrels(), ensure_ascii=False, indent=2) + "\n")


@click.command("match")
@click.argument("refs", nargs=-1)
@click.option("--all", "all_open", is_flag=True, help="every open demand")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def match_command(refs: tuple[str, ...], all_open: bool, limit: int, fmt: str) -> None:
    """Ranked offerings for demands: {"<demand ref>": [{"offering_ref": ..., "score": ...}]}."""
    if all_open:
        # Streamed: demands are read a batch at a time (with their labels) and matched from one
        # searcher, and each demand's matches are printed as they come.
        demands = db.session.scalars(services.public_open().execution_options(yield_per=MATCH_BATCH))
    else:
        named = {}
        for ref in refs:
            demand = services.get_by_ref(ref)
            if demand is None:
                raise click.ClickException(f"未找到需求 ref={ref}")
            named[demand.ref or f"id:{demand.id}"] = demand  # a ref named twice is printed once
        demands = named.values()
    results = (
        (
            demand.ref or f"id:{demand.id}",
            [{"offering_ref": m.ref or f"id:{m.obj_id}", "score": m.score} for m in matches],
        )
        for demand, matches in matching.match_demands(demands, limit=limit)
    )
    if fmt == "json":
        _echo_json_object(results)
    else:
        for key, rows in results:
            click.echo(key)
            for row in rows:
                click.echo(f"  {row['score']:.3f}  {row['offering_ref']}")


def _echo_json_object(items) -> None:
    """Print (key, value) pairs as `json.dumps(dict(items), ensure_ascii=False, indent=2)` would,
    one entry at a time."""
    first = True
    for key, value in items:
        body = json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n  ")
        click.echo(("{\n" if first else ",\n") + f"  {json.dumps(key, ensure_ascii=False)}: {body}", nl=False)
        first = False
    click.echo("{}" if first else "\n}")
