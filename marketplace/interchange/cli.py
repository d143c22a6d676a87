"""`flask import-data FILE` and `flask export-data FILE`."""

from __future__ import annotations

import json
import sys
import time

import click
from flask import current_app

from ..core.locks import LockTimeout
from ..core.statistics import refresh_statistics
from ..extensions import db
from ..matching.indexer import IndexBusy
from . import services


class Progress:
    """Counts work done out of `total` (None: unknown). On a terminal one line redrawn in place; in a
    log (stdout not a terminal) a line every `every` seconds or tenth of the total, and at the end."""

    def __init__(self, label: str, unit: str, total: int | None = None, *, every: float = 10.0):
        self.label, self.unit, self.total, self.every = label, unit, total, every
        self.done = 0
        self.tty = sys.stdout.isatty()
        self.started = self.shown_at = time.monotonic()
        self.shown_done = -1  #: what the last line of a log said

    def __call__(self, n: int = 1) -> None:
        """n more done."""
        self.reach(self.done + n)

    def reach(self, done: int) -> None:
        """`done` so far."""
        self.done = done
        now = time.monotonic()
        if self.tty:
            if now - self.shown_at >= 0.2:
                click.echo("\r" + self._line(now), nl=False)
                self.shown_at = now
        elif now - self.shown_at >= self.every or (
            self.total and self.done - max(self.shown_done, 0) >= max(self.total // 10, 1)
        ):
            click.echo(self._line(now))
            self.shown_at, self.shown_done = now, self.done

    def close(self) -> None:
        """The last line (in a log, unless the last one said it already)."""
        if self.tty:
            click.echo("\r" + self._line(time.monotonic()))
        elif self.done != self.shown_done:
            click.echo(self._line(time.monotonic()))

    def _line(self, now: float) -> str:
        count = f"{self.done}/{self.total}" if self.total is not None else f"{self.done}"
        share = f"（{self.done * 100 // self.total}%）" if self.total else ""
        return f"{self.label}：{count} {self.unit}{share}，{now - self.started:.0f} 秒"


@click.command("import-data")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_command(path: str) -> None:
    """Load a zhongshi/v1 document: upsert by ref, all or nothing, then bring the search index up
    to date once. A second run started meanwhile waits for this one to finish."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = json.load(fh)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"无法读取 JSON：{exc}") from exc
    total = services.record_count(document) if isinstance(document, dict) else 0
    writing = Progress("写入", "条记录", total)
    try:
        report = services.import_document(
            document,
            progress=writing,
            on_wait=lambda: click.echo("另一个导入正在进行，等待其完成……", err=True),
        )
        del document  # the index is built next: free the document's memory first
        plan = services.index_plan(report)  # before the commit: the rebuild follows it at once
        db.session.commit()
        refresh_statistics()  # the planner sees the new rows' numbers before any page asks
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
    writing.close()
    for section in services.SECTIONS:
        click.echo(
            f"{section}: 新增 {report.created[section]}，更新 {report.updated[section]}，"
            f"未变 {report.unchanged[section]}"
        )
    if plan.rebuild:
        click.echo(f"索引：重建，{plan.documents} 个文档")
        indexing = Progress("索引", "个文档", plan.documents)
    else:
        click.echo(f"索引：应用 {plan.documents} 个文档的变更")
        indexing = Progress("索引", "项变更")
    try:
        indexing.reach(services.index_imported(plan, progress=indexing.reach))
    except IndexBusy:
        raise click.ClickException(
            "数据已导入，但索引正被占用，未能更新；稍后的 drain 会补上，或运行 flask search rebuild。"
        ) from None
    indexing.close()


@click.command("export-data")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export_command(path: str) -> None:
    """Write every record as a zhongshi/v1 document."""
    document = services.export_document()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False, indent=1)
    click.echo(f"已导出到 {path}：" + "，".join(f"{s} {len(document[s])}" for s in services.SECTIONS))
