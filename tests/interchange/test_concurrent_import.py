"""Two `flask import-data` runs of the same new records at once, as two real processes against the
test database (SQLite, or PostgreSQL in the second pass): the second waits for the first and then
finds everything there, instead of dying on a unique key."""

import json
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from marketplace.accounts.models import Organization
from marketplace.core.locks import lock_for_transaction
from marketplace.interchange.services import IMPORT_LOCK
from marketplace.platforms.models import Platform

WAITING = "另一个导入正在进行"


def document(n: int = 30) -> dict:
    return {
        "format": "zhongshi/v1",
        "organizations": [
            {"ref": f"org-{i}", "name": f"青岛某科技有限公司{i}", "kind": "enterprise", "city": "青岛"}
            for i in range(n)
        ],
        "platforms": [
            {
                "ref": f"plat-{i}",
                "org_ref": f"org-{i}",
                "name": f"中试平台{i}",
                "level": "省级",
                "city": "青岛",
                "domains": ["生物医药"],
            }
            for i in range(n)
        ],
    }


def test_two_imports_at_once_take_turns(db, tmp_path, process_env):
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(document(), ensure_ascii=False), encoding="utf-8")
    env = {**process_env, "MARKETPLACE_IMPORT_LOCK_WAIT": "120"}
    # Hold the import lock while both start, so that they certainly run at the same time.
    lock_for_transaction(IMPORT_LOCK, wait=5)
    runs = []
    for i in range(2):
        out = (tmp_path / f"out{i}").open("w+", encoding="utf-8")
        command = [sys.executable, "-m", "flask", "import-data", str(source)]
        runs.append(
            (subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, text=True), out)
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            WAITING in Path(out.name).read_text(encoding="utf-8") or process.poll() is not None
            for process, out in runs
        ):
            time.sleep(0.1)
    finally:
        db.session.rollback()  # releases the lock: now both compete for it
    outputs = []
    for process, out in runs:
        process.wait(timeout=120)
        outputs.append((process.returncode, Path(out.name).read_text(encoding="utf-8")))
        out.close()
    assert all(WAITING in text for _, text in outputs), outputs
    assert [code for code, _ in outputs] == [0, 0], outputs
    first = [text for _, text in outputs if "organizations: 新增 30，更新 0，未变 0" in text]
    second = [text for _, text in outputs if "organizations: 新增 0，更新 0，未变 30" in text]
    assert len(first) == len(second) == 1, outputs  # one created everything, the other found it there
    assert (
        "platforms: 新增 30，更新 0，未变 0" in first[0] and "platforms: 新增 0，更新 0，未变 30" in second[0]
    )
    assert db.session.scalar(select(func.count(Organization.id))) == 30
    assert db.session.scalar(select(func.count(Platform.id))) == 30
