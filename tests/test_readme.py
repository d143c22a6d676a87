"""Every command in README.md's ```sh blocks runs as written: in a new working folder (the checkout's
files linked in), with a new instance folder (MARKETPLACE_INSTANCE_PATH) and no FLASK_APP but what
the README itself exports. Servers and the job worker are started, reached and stopped as a user
would (Ctrl-C, SIGTERM). The few commands not run here name what covers them."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PASSWORD = "readme-admin-2026"  #: typed twice when a command asks for a new password

#: Commands not run here, and what runs them.
COVERED_ELSEWHERE = {
    "make test": "scripts/test.sh: this very suite",
    "pip install .": "tests/test_wheel.py, which builds the wheel and installs it into a new virtualenv",
}
#: Options the README gives for a quick run of a command that takes minutes as written.
QUICK = {".venv/bin/python bench/bench_matching.py": ["--sizes", "1000", "--demands", "20"]}
#: Blocks (by their first command) run in this order: the everyday commands fill the instance that
#: `make run` then serves; the production steps get an instance of their own.
BLOCK_ORDER = ("export FLASK_APP=marketplace", "make run", "pip install .")

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("MARKETPLACE_TEST_DATABASE_URL")),
    reason="the README's commands use their own SQLite instance: they ran in the SQLite pass",
)


def sh_blocks(text: str) -> list[list[list[str]]]:
    """The commands (as argument lists, comments dropped) of each ```sh block."""
    blocks = re.findall(r"^[ \t]*```sh\n(.*?)^[ \t]*```", text, re.M | re.S)
    return [
        [words for line in block.splitlines() if (words := shlex.split(line, comments=True))]
        for block in blocks
    ]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except OSError:
        return 0, ""


class Session:
    """A shell in the working folder: `export` lines change the environment of later commands."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir, self.env = workdir, env
        self.log: list[str] = []

    def run(self, words: list[str]) -> str:
        """Run a command to its end; returns its standard output and fails the test on an error."""
        started = time.monotonic()
        result = subprocess.run(
            words,
            cwd=self.workdir,
            env=self.env,
            input=f"{PASSWORD}\n{PASSWORD}\n",
            capture_output=True,
            text=True,
            timeout=900,
        )
        self.log.append(
            f"{shlex.join(words)}  ({time.monotonic() - started:.0f} s, exit {result.returncode})"
        )
        assert result.returncode == 0, (
            f"{shlex.join(words)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
        return result.stdout

    def start(self, words: list[str], ready, stop_signal: int, timeout: float = 180) -> None:
        """Start a long-running command in its own process group, wait until `ready(output)` holds,
        then stop it with `stop_signal` (SIGINT is Ctrl-C) and check nothing of it is left."""
        out = self.workdir / f"out-{len(self.log)}.txt"
        with out.open("w") as sink:
            proc = subprocess.Popen(
                words,
                cwd=self.workdir,
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + timeout
            while not ready(out.read_text()):
                assert proc.poll() is None, f"{shlex.join(words)} ended early:\n{out.read_text()[-3000:]}"
                assert time.monotonic() < deadline, (
                    f"{shlex.join(words)} not ready:\n{out.read_text()[-3000:]}"
                )
                time.sleep(0.5)
            os.killpg(proc.pid, stop_signal)
            proc.wait(timeout=60)
            for _ in range(120):  # the group is empty once every process of it has ended
                try:
                    os.killpg(proc.pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.5)
            else:
                pytest.fail(f"{shlex.join(words)} left processes running after it was stopped")
        finally:
            with contextlib.suppress(ProcessLookupError):  # only if it failed to stop
                os.killpg(proc.pid, signal.SIGKILL)
        self.log.append(f"{shlex.join(words)}  (started, reached, stopped)")


def serves(url: str, text: str):
    """Ready when `url` answers 200 with `text` in the page."""

    def ready(_output: str) -> bool:
        status, body = http_get(url)
        return status == 200 and text in body

    return ready


def run_command(session: Session, words: list[str], ports) -> None:
    key = shlex.join(words)
    if words[0] == "export":
        for assignment in words[1:]:
            name, _, value = assignment.partition("=")
            session.env[name] = value
    elif key in COVERED_ELSEWHERE:
        session.log.append(f"{key}  (not run here: {COVERED_ELSEWHERE[key]})")
    elif words[0] == "make" and words[1:] == ["run"]:
        port = next(ports)
        session.env["FLASK_RUN_PORT"] = str(port)
        # As written, except that make is told not to rebuild the virtualenv the tests are running in.
        session.start(
            ["make", "-o", ".venv/.installed", "run"],
            serves(f"http://127.0.0.1:{port}/", "中试"),
            signal.SIGINT,
        )
        assert (Path(session.env["MARKETPLACE_INSTANCE_PATH"]) / "jobs-worker.log").is_file()
    elif words[0] == "gunicorn":
        port = next(ports)
        words = [f"127.0.0.1:{port}" if w == "127.0.0.1:8000" else w for w in words]
        session.start(words, serves(f"http://127.0.0.1:{port}/", "中试"), signal.SIGTERM)
    elif words[-2:] == ["jobs", "worker"]:
        session.start(words, lambda output: "后台任务 worker" in output, signal.SIGINT)
    else:
        output = session.run(words + QUICK.get(key, []))
        if words[1:2] == ["match"]:  # each demand named has its ranked offerings
            refs = list(itertools.takewhile(lambda w: not w.startswith("-"), words[2:]))
            ranked = json.loads(output)
            assert refs and all(ranked.get(ref) for ref in refs), output
        if "create-admin" in words:
            assert "已创建管理员" in output


def test_every_command_of_the_readme_runs_as_written(tmp_path):
    venv = ROOT / ".venv"
    if not (venv / "bin" / "flask").exists():
        pytest.skip(f"the README's commands use {venv}, which `make` creates")
    workdir = tmp_path / "checkout"
    workdir.mkdir()
    for name in (
        ".venv",
        "Makefile",
        "pyproject.toml",
        "package.json",
        "package-lock.json",
        "scripts",
        "bench",
        "marketplace",
        "static",  # static/vendor/ (Chart.js) is built by `make`
    ):
        (workdir / name).symlink_to(ROOT / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MARKETPLACE_", "FLASK_"))}
    ports = iter(free_port() for _ in range(10))

    blocks = sh_blocks(README.read_text(encoding="utf-8"))
    assert blocks, "README.md has no ```sh block"
    log: list[str] = []
    try:
        for block in sorted(blocks, key=_block_order):
            production = shlex.join(block[0]) == "pip install ."
            session_env = {
                **env,
                "MARKETPLACE_INSTANCE_PATH": str(tmp_path / ("production" if production else "instance")),
            }
            if production:  # "with the virtualenv's bin/ on PATH"
                session_env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
            session = Session(workdir, session_env)
            try:
                for words in block:
                    run_command(session, words, ports)
            finally:
                log.extend(session.log)
    finally:
        print("\n".join(log))
    assert (workdir / "backup.json").is_file()


def _block_order(block: list[list[str]]) -> int:
    """Blocks this test knows in BLOCK_ORDER; any other first, in the README's order."""
    first = shlex.join(block[0])
    return BLOCK_ORDER.index(first) if first in BLOCK_ORDER else -1
