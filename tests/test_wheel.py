"""A production install: the wheel, installed into a fresh virtualenv outside the checkout, migrates
an empty database and serves the home page with its templates and static files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Builds and installs a wheel in a new virtualenv (~20 s): slower than the rest, still part of `make test`.
pytestmark = pytest.mark.wheel

# Run inside the new virtualenv: which `marketplace` it imports, what `/` and a static file return,
# and whether the matcher's dictionaries load.
PROBE = """
import json, sys
import marketplace
from marketplace import create_app
from marketplace.matching import analysis

client = create_app().test_client()
pages = {path: client.get(path) for path in ("/", "/static/css/app.css")}
print(json.dumps({
    "module": marketplace.__file__,
    "sys_path": sys.path,
    "status": {path: response.status_code for path, response in pages.items()},
    "home": pages["/"].get_data(as_text=True),
    "dictionary": [len(analysis.domain_terms()), len(analysis.synonyms())],
}))
"""


def run(args: list, cwd: Path, env: dict) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from this checkout, installed into a new virtualenv; returns the wheel, the
    virtualenv and a working directory with an environment that knows nothing of the checkout."""
    tmp = tmp_path_factory.mktemp("wheel")
    assert not tmp.resolve().is_relative_to(ROOT)
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("MARKETPLACE_") and k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")
    }
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            tmp / "dist",
            ROOT,
        ],
        cwd=tmp,
        env=env,
    )
    (wheel,) = (tmp / "dist").glob("zhongshi_marketplace-*.whl")

    venv = tmp / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], cwd=tmp, env=env)
    python = venv / "bin" / "python"
    run(
        [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel],
        cwd=tmp,
        env=env,
    )
    # The dependencies come from the project's virtualenv, as a plain path entry: its .pth files
    # (among them the editable install's, which points at the checkout) are not processed.
    site = Path(
        run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=tmp, env=env
        ).stdout.strip()
    )
    (site / "project_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    work = tmp / "work"
    work.mkdir()
    env |= {
        "MARKETPLACE_SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'marketplace.sqlite'}",
        "MARKETPLACE_SEARCH_INDEX_DIR": str(work / "index"),
        "MARKETPLACE_SEARCH_WARMUP_TERMS": "0",
    }
    return wheel, venv, work, env


def test_wheel_carries_templates_static_files_migrations_and_dictionaries(installed):
    wheel, *_ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "marketplace/templates/base.html",
        "marketplace/templates/catalog/home.html",
        "marketplace/static/css/app.css",
        "marketplace/migrations/env.py",
        "marketplace/migrations/alembic.ini",
        "marketplace/migrations/script.py.mako",
        "marketplace/matching/data/dictionary_v1.txt",
        "marketplace/matching/data/synonyms_v1.txt",
    ):
        assert name in names
    assert any(n.startswith("marketplace/migrations/versions/") and n.endswith(".py") for n in names)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.split("/")[0] in ("templates", "static", "migrations", "tests")]


def test_installed_wheel_migrates_an_empty_database_and_serves_the_home_page(installed):
    _, venv, work, env = installed
    python = venv / "bin" / "python"
    run([python, "-m", "flask", "--app", "marketplace", "db", "upgrade"], cwd=work, env=env)
    assert (work / "marketplace.sqlite").stat().st_size > 0

    probe = json.loads(run([python, "-c", PROBE], cwd=work, env=env).stdout)
    assert Path(probe["module"]).resolve().is_relative_to(venv.resolve())
    assert not [p for p in probe["sys_path"] if p and Path(p).resolve() == ROOT]
    assert probe["status"] == {"/": 200, "/static/css/app.css": 200}
    assert "找中试平台，做工艺放大" in probe["home"] and "山东省中试平台服务市场" in probe["home"]
    assert min(probe["dictionary"]) > 0
