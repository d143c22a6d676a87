"""Where the app finds its templates, static files and migrations, in a checkout and when installed."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_path(name: str) -> Path:
    """The folder `name` (templates, static, migrations): inside the package when installed from the
    wheel, which carries it there, else beside the package at the root of a checkout."""
    for folder in (PACKAGE_DIR / name, PACKAGE_DIR.parent / name):
        if folder.is_dir():
            return folder
    raise FileNotFoundError(f"{name}/ is neither in {PACKAGE_DIR} nor beside it: a broken install?")
