"""`flask import-data FILE` and `flask export-data FILE`."""

from __future__ import annotations

import json

import click
from flask import current_app

from ..core.locks import LockTimeout
from ..extensions import db
from . import services


@click.command("import-data")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Load a zhongshi/v1 document: upsert by ref, all or nothing. A second run started meanwhile
    waits for this one to finish."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"无法读取 JSON：{exc}") from exc
    total = services.record_count(document) if isinstance(document, dict) else 0
    try:
        with click.progressbar(length=total, label="导入中", show_pos=True) as bar:
            report = services.import_document(
                document,
                progress=bar.update,
                on_wait=lambda: click.echo("另一个导入正在进行，等待其完成……", err=True),
            )
        db.session.commit()
    except LockTimeout:
        db.session.rollback()
        wait = current_app.config["IMPORT_LOCK_WAIT"]
        raise click.ClickException(
            f"另一个导入仍在进行（已等待 {wait:g} 秒），未导入任何记录，请稍后重试。"
        ) from None
    except services.ImportFailed as failed:
        db.session.rollback()
        for error in failed.errors:
            click.echo(f"错误 {error}", err=True)
        raise click.ClickException(f"{len(failed.errors)} 处错误，未导入任何记录。") from None
    for section in services.SECTIONS:
        click.echo(
            f"{section}: 新增 {report.created[section]}，更新 {report.updated[section]}，"
            f"未变 {report.unchanged[section]}"
        )


@click.command("export-data")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every record as a zhongshi/v1 document."""
    document = services.export_document()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False, indent=1)
    click.echo(f"已导出到 {path}：" + "，".join(f"{s} {len(document[s])}" for s in services.SECTIONS))
