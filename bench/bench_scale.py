"""The province-scale bench of issue 10: import, rebuild, matching, search and every page at 50,000
offerings and more, on SQLite and PostgreSQL, each figure beside a naive baseline and its target.

Usage: .venv/bin/python bench/bench_scale.py [--sizes 50000 100000 200000] [--db sqlite|postgresql|both]
           [--demands-per-offering 2] [--match-sample 2000] [--workers 4] [--duration 10] [--rerun] [--quick]
           [--json OUT.json] [--keep]

For each database and size, in a fresh temporary instance folder (removed afterwards unless --keep):
1. the corpus: `../shared/bench/gen_corpus.py SIZE SIZE×demands-per-offering` (seed 7), once per size;
2. `flask db upgrade`, `flask import-data` (wall time and peak memory of the process, /usr/bin/time),
   `flask search rebuild`, `flask search check` (must exit 0), and `flask match` over `--match-sample`
   open demands given by ref (ms per demand: the whole command divided by the demands; `--match-sample 0`
   runs `flask match --all` over every open demand, which takes about an hour at 100,000 demands);
   baseline: a bare executemany of the corpus rows into plain tables, and SQL LIKE per demand;
3. `bench/scale_activity.py`: a year of bookings (two per offering), people, inquiries, proposals and
   the published evaluation of last year (its computation timed);
4. match and search latency, p50/p95: cold (each sample a fresh worker process, prepared as gunicorn
   prepares it before its first request (`warm_up`: searcher, per-document table, common postings),
   timing its first query: no cache has seen that query; the unprepared first query is shown too) and
   warm (one process, after 20 other queries); baseline: SQL LIKE over titles;
5. every page through a real gunicorn server (`--workers`, default 4 sync workers: on 2 cores, two
   per core keeps both busy while a worker waits on the database or index files, as the issue measured):
   alone (sequential requests over the page's rotating URLs after 3 warm-up requests, p50/p95; public
   pages also "uncached": each URL made new, so the page cache for anonymous visitors cannot answer), then
   under 50 concurrent connections with wrk for `--duration` seconds (requests/s, p50, p95, errors:
   non-2xx/3xx answers, socket errors and timeouts over 2 s), each page's URLs rotated by a Lua script
   (`--rerun`: then the same load again, its p95 shown beside: the first run starts with most URLs never
   seen, so its p95 counts the first views; the second shows the server once every page has been kept);
   logged-in pages carry the session cookies of five firms, five operators or the administrator (logged
   in with requests, checked to render logged in). Baseline: a static file through the same server (the
   floor). Peak memory of each worker: VmHWM from /proc after the whole load.
Then one table per database and size, a growth table across sizes (each figure's ratio to the previous
size beside the size's ratio), and every figure over its target flagged with "!!".

The machine's load changes the figures: run it on a quiet machine. `--quick` is a smoke test (2,000
offerings, shorter loads). Needs wrk (Debian: `sudo apt-get install wrk`) and, for PostgreSQL, the
Debian package postgresql (a throwaway cluster is started by scripts/pg.sh and removed on exit)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_corpus.py"
BIN = Path(sys.executable).parent
TIME = "/usr/bin/time"
CONNECTIONS = 50
WRK_TIMEOUT = "2s"
COLD_RUNS = 10
WARM_QUERIES = 100

#: Targets of issue 10 at 50,000 offerings: (figure key, limit, what).
TARGETS = {
    "import_s": 120.0,
    "rebuild_s": 120.0,
    "match_all_ms": 30.0,
    "match_cold_p95": 50.0,
    "search_cold_p95": 50.0,
    "load_p95": 150.0,
    "worker_mb": 1024.0,
}


@dataclass
class Row:
    """One figure of one run: its value, unit, the naive baseline beside it, and whether it misses
    its target."""

    name: str
    value: float | str | None
    unit: str = ""
    baseline: str = ""
    over: bool = False
    key: str = ""  #: stable key for the growth table

    def text(self) -> str:
        if self.value is None:
            return "—"
        if isinstance(self.value, str):
            return self.value
        return f"{self.value:,.1f} {self.unit}".strip()


@dataclass
class Run:
    db: str
    size: int
    rows: list[Row] = field(default_factory=list)

    def add(self, name, value, unit="", baseline="", limit=None, key="", at_least=None) -> Row:
        over = False
        if isinstance(value, int | float):
            over = (limit is not None and value > limit) or (at_least is not None and value < at_least)
        row = Row(name, value, unit, baseline, over, key or name)
        self.rows.append(row)
        return row


# ---------------------------------------------------------------- helpers


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def run_timed(args: list[str], env: dict, log: Path, check: bool = True) -> tuple[float, float, int]:
    """Run a command; (seconds, peak resident MB of the process, exit code). Output goes to `log`."""
    measure = Path(TIME).exists()
    stats = log.with_suffix(".time")
    command = [TIME, "-f", "%M", "-o", str(stats), *args] if measure else args
    started = time.perf_counter()
    with open(log, "w") as out:
        code = subprocess.run(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT).returncode
    seconds = time.perf_counter() - started
    peak = 0.0
    if measure and stats.exists():
        numbers = re.findall(r"^\d+$", stats.read_text(), re.M)
        peak = int(numbers[-1]) / 1024 if numbers else 0.0
    if check and code != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise SystemExit(f"{' '.join(args[:3])} failed (exit {code}):\n{tail}")
    return seconds, peak, code


def flask(*args: str) -> list[str]:
    return [str(BIN / "flask"), *args]


def last_year() -> int:
    return datetime.now(ZoneInfo("Asia/Shanghai")).year - 1


# ---------------------------------------------------------------- databases


class Postgres:
    """A throwaway cluster (scripts/pg.sh), one database per size, removed on exit."""

    def __init__(self):
        out = subprocess.run(
            ["bash", str(ROOT / "scripts" / "pg.sh"), "start", "bench_scale"],
            capture_output=True,
            text=True,
        )
        if out.returncode != 0:
            raise SystemExit(f"cannot start PostgreSQL: {out.stderr.strip()}")
        values = dict(line.split("=", 1) for line in out.stdout.split() if "=" in line)
        self.port, self.data = values["PGPORT"], values["PGDATA"]

    def url(self, name: str) -> str:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        subprocess.run(["bash", str(ROOT / "scripts" / "pg.sh"), "stop", self.data], check=False)


def naive_import(url: str, corpus: Path) -> float:
    """The floor of an import: read the JSON and executemany its rows into plain tables, one commit."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    started = time.perf_counter()
    document = json.loads(corpus.read_text())
    with engine.begin() as conn:
        for section in ("organizations", "platforms", "offerings", "demands"):
            table = f"naive_{section}"
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
            conn.execute(
                text(f"CREATE TABLE {table} (ref VARCHAR(80) PRIMARY KEY, title TEXT, body TEXT, doc TEXT)")
            )
            rows = [
                {
                    "ref": r["ref"],
                    "title": r.get("title") or r.get("name"),
                    "body": r.get("description", ""),
                    "doc": json.dumps(r, ensure_ascii=False),
                }
                for r in document.get(section, [])
            ]
            conn.execute(text(f"INSERT INTO {table} VALUES (:ref, :title, :body, :doc)"), rows)
    seconds = time.perf_counter() - started
    with engine.begin() as conn:
        for section in ("organizations", "platforms", "offerings", "demands"):
            conn.execute(text(f"DROP TABLE naive_{section}"))
    engine.dispose()
    return seconds


# ---------------------------------------------------------------- match and search latency


def probe(kind: str, inputs: Path, prepared: bool) -> None:
    """(A child process.) Time each query of `inputs` in this fresh process and print the
    milliseconds as JSON: the first one ran with cold caches. `prepared`: first do what a gunicorn
    worker does before it takes requests (`warm_up`, and its background preload of common postings)."""
    import threading

    sys.path.insert(0, str(ROOT))
    from marketplace import create_app
    from marketplace.demands.models import Demand
    from marketplace.extensions import db
    from marketplace.matching import services

    items = json.loads(inputs.read_text())
    app = create_app()
    if prepared:
        services.warm_up(app)
        for thread in threading.enumerate():
            if thread.name == "search-warmup":
                thread.join()
    times = []
    with app.app_context():
        for item in items:
            if kind == "match":
                demand = db.session.get(Demand, item)
                started = time.perf_counter()
                services.match_demand(demand, limit=20)
            else:
                started = time.perf_counter()
                services.search(item, doc_type="offering", per_page=20, clamp=True)
            times.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
    print(json.dumps(times))


def run_probe(kind: str, items: list, env: dict, work: Path, prepared: bool = True) -> list[float]:
    path = work / f"probe-{kind}.json"
    path.write_text(json.dumps(items, ensure_ascii=False))
    out = subprocess.run(
        [sys.executable, __file__, "--probe", kind, str(path), *([] if prepared else ["--unprepared"])],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if out.returncode != 0:
        raise SystemExit(f"probe {kind} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def like_times(url: str, queries: list[str]) -> list[float]:
    """The naive portal: each query's words OR-ed as LIKE over titles and descriptions, newest first."""
    from sqlalchemy import create_engine, text

    sys.path.insert(0, str(ROOT))
    from marketplace.matching.analysis import tokens

    engine = create_engine(url)
    times = []
    with engine.connect() as conn:
        for query in queries:
            words = [t for t in dict.fromkeys(tokens(query)) if len(t) > 1][:8] or [query]
            started = time.perf_counter()
            where = " OR ".join(f"o.title LIKE :w{i} OR o.description LIKE :w{i}" for i in range(len(words)))
            conn.execute(
                text(
                    "SELECT o.id FROM offerings o JOIN platforms p ON p.id = o.platform_id "
                    f"WHERE o.status = 'active' AND p.status = 'approved' AND ({where}) "
                    "ORDER BY o.id DESC LIMIT 20"
                ),
                {f"w{i}": f"%{w}%" for i, w in enumerate(words)},
            ).all()
            times.append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return times


def search_queries(corpus: dict, rng: random.Random, count: int = 30) -> list[str]:
    """What people type: two or three words of an offering's or a demand's title."""
    sys.path.insert(0, str(ROOT))
    from marketplace.matching.analysis import tokens

    queries: list[str] = []
    titles = [o["title"] for o in rng.sample(corpus["offerings"], 200)] + [
        d["title"] for d in rng.sample(corpus["demands"], 200)
    ]
    for title in titles:
        words = [t for t in dict.fromkeys(tokens(title)) if len(t) > 1]
        if len(words) >= 2:
            query = " ".join(words[: rng.choice([2, 2, 3])])
            if query not in queries:
                queries.append(query)
        if len(queries) == count:
            break
    return queries


def latency(
    run: Run, kind: str, items: list, env: dict, work: Path, url: str, like_items: list[str], cold: int
):
    """Cold: `cold` fresh worker processes, prepared as gunicorn prepares them before their first
    request, each timing its first query (no cache has seen it); unprepared: the same without that
    preparation (what a worker would cost its first user without it); warm: one process, after 20
    queries."""
    cold_ms = [run_probe(kind, [items[i % len(items)]], env, work)[0] for i in range(cold)]
    bare_ms = [run_probe(kind, [items[i % len(items)]], env, work, prepared=False)[0] for i in range(3)]
    warm_ms = run_probe(kind, items[-20:] + items[:WARM_QUERIES], env, work)[20:]
    base = like_times(url, like_items)
    baseline = f"LIKE p50 {statistics.median(base):.1f} / p95 {pct(base, 95):.1f} ms"
    run.add(f"{kind} cold p50", statistics.median(cold_ms), "ms", baseline)
    run.add(f"{kind} cold p95", pct(cold_ms, 95), "ms", "", limit=TARGETS[f"{kind}_cold_p95"])
    run.add(f"{kind} unprepared first query p50", statistics.median(bare_ms), "ms", "no warm-up")
    run.add(f"{kind} warm p50", statistics.median(warm_ms), "ms")
    run.add(f"{kind} warm p95", pct(warm_ms, 95), "ms", "", limit=TARGETS[f"{kind}_cold_p95"])
    return base


# ---------------------------------------------------------------- pages

#: Every request of the bench says it comes from one browser: the session a login made is tied to its
#: user agent (Flask-Login's session protection), as a browser's is to the browser's.
USER_AGENT = "bench-scale/1 (one browser for the whole bench)"


def browser_headers(cookie: str = "") -> dict:
    return {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}


LUA = r"""
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end
local paths, cookies, i = {}, {}, 0
function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]+)\t?(.*)$")
    paths[#paths + 1] = path
    cookies[#cookies + 1] = cookie
  end
  i = ((thread_number or 1) * 7919) % #paths  -- the threads start at different URLs
end
function request()
  i = i % #paths + 1
  local headers = {["User-Agent"] = "USER_AGENT"}
  if cookies[i] ~= "" then headers["Cookie"] = cookies[i] end
  return wrk.format("GET", paths[i], headers)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %f, "status": %d, "timeout": %d, "socket": %d, '
    .. '"p50": %f, "p95": %f, "p99": %f}\n',
    summary.requests, summary.duration / 1e6, e.status, e.timeout, e.connect + e.read + e.write,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


class Server:
    """gunicorn on a free port with `workers` sync workers, stopped by `stop()`."""

    def __init__(self, env: dict, workers: int, log: Path):
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log, "w")  # noqa: SIM115 (open while the server runs; closed by stop())
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                "python:marketplace.gunicorn_conf",  # as deployed: workers warm their search at start
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",
                "--backlog",
                "2048",
                "marketplace:create_app()",
            ],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        import requests

        for _ in range(600):
            try:
                requests.get(self.base + "/static/css/app.css", timeout=2)
                return
            except requests.RequestException:
                if self.process.poll() is not None:
                    raise SystemExit(f"gunicorn exited; see {log}") from None
                time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer; see {log}")

    def workers(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    status = (entry / "status").read_text()
                except OSError:
                    continue
                if re.search(rf"^PPid:\s+{self.process.pid}$", status, re.M):
                    pids.append(int(entry.name))
        return pids

    def peak_mb(self) -> list[float]:
        peaks = []
        for pid in self.workers():
            try:
                found = re.search(r"^VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
            except OSError:
                continue
            if found:
                peaks.append(int(found[1]) / 1024)
        return peaks

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def log_in(base: str, email: str, password: str) -> str:
    """Log in through the real form; the Cookie header of the session."""
    import requests

    session = requests.Session()
    session.headers.update(browser_headers())
    page = session.get(base + "/account/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
    data = {"email": email, "password": password, "next": ""}
    if token:
        data["csrf_token"] = token[1]
    answer = session.post(base + "/account/login", data=data, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"cannot log in as {email}: HTTP {answer.status_code}")
    # The page a browser lands on next gives the new session its forms' token; the browser keeps
    # the cookie that carries it (the load tool then sends that cookie, as the browser would).
    session.get(base + answer.headers["Location"])
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def pages(samples: dict, corpus: dict, queries: list[str], base: str, rng: random.Random) -> dict[str, list]:
    """Each page's rotating URLs: [(path, cookie)]."""
    sys.path.insert(0, str(ROOT))
    from marketplace import vocab

    domains, cities, kinds = vocab.DOMAINS, vocab.CITIES, list(vocab.OFFERING_KINDS)
    offering_filters = []
    for _ in range(40):
        query = {
            "domain": rng.choice(domains),
            "city": rng.choice(cities + [""]),
            "kind": rng.choice(kinds + [""]),
            "sort": rng.choice(["newest", "price_asc", "price_desc", "title"]),
        }
        offering_filters.append("/offerings?" + "&".join(f"{k}={v}" for k, v in query.items() if v))
    platform_filters = []
    for _ in range(30):
        query = {
            "domain": rng.choice(domains + [""]),
            "city": rng.choice(cities),
            "level": rng.choice(vocab.PLATFORM_LEVELS + [""]),
            "sort": rng.choice(["newest", "name", "level"]),
        }
        platform_filters.append("/platforms?" + "&".join(f"{k}={v}" for k, v in query.items() if v))
    password = samples["password"]
    firms = [(f, log_in(base, f["email"], password)) for f in samples["firms"]]
    operators = [(o, log_in(base, o["email"], password)) for o in samples["operators"]]
    admin = log_in(base, samples["admin_email"], password)
    year = samples["year"]
    public = {
        "home": ["/"],
        "offerings": ["/offerings"] + [f"/offerings?page={n}" for n in range(2, 11)],
        "offerings filtered": offering_filters,
        "platforms": ["/platforms"] + [f"/platforms?page={n}" for n in range(2, 6)],
        "platforms filtered": platform_filters,
        "offering detail": [f"/offerings/{i}" for i in samples["offering_ids"]],
        "platform detail": [f"/platforms/{i}" for i in samples["platform_ids"]],
        "demand hall": ["/demands"] + [f"/demands?page={n}" for n in range(2, 11)],
        "search": [f"/search?q={q}" for q in queries],
        "booking calendar": [f"/offerings/{i}/calendar" for i in samples["booked_offering_ids"]],
        "evaluation results": [f"/evaluation/{year}/"],
        "evaluation platform": [f"/evaluation/{year}/platforms/{r}" for r in samples["platform_refs"]],
    }
    found = {name: [(quote(path, safe="/?=&"), "") for path in paths] for name, paths in public.items()}
    found["demand matches (firm)"] = [(f"/demands/{d}", c) for f, c in firms for d in f["demand_ids"]]
    found["firm workbench"] = [("/workbench/firm", c) for _f, c in firms]
    found["my bookings (firm)"] = [("/my/bookings", c) for _f, c in firms]
    found["platform workbench"] = [(f"/workbench/platforms/{o['platform_id']}", c) for o, c in operators]
    found["platform bookings"] = [("/platform/bookings", c) for _o, c in operators]
    experts = f"/admin/evaluation/{year}/experts"
    found["expert assignment (admin)"] = [(experts, admin)] + [
        (f"{experts}?page={n}", admin) for n in range(2, 6)
    ]
    return found


def check_logged_in(base: str, urls: list) -> None:
    """A logged-in page must render (200, the logout form), not send to the login page."""
    import requests

    for path, cookie in urls[:3]:
        if not cookie:
            continue
        answer = requests.get(base + path, headers=browser_headers(cookie), allow_redirects=False, timeout=60)
        if answer.status_code != 200 or "/account/logout" not in answer.text:
            raise SystemExit(f"{path} does not render logged in (HTTP {answer.status_code})")


def sequential(base: str, urls: list, count: int, bust: bool = False) -> tuple[list[float], int]:
    """Milliseconds of `count` requests one after another over the rotating URLs (after 3 warm-ups);
    with `bust`, each URL made new by a parameter no page reads, so no cache keeps its page (what a
    page costs the first time it is asked for)."""
    import requests

    times, errors = [], 0
    for index in range(count + 3):
        path, cookie = urls[index % len(urls)]
        if bust:
            path += f"{'&' if '?' in path else '?'}_bench={time.time_ns()}"
        started = time.perf_counter()
        try:
            failed = requests.get(base + path, headers=browser_headers(cookie), timeout=60).status_code >= 400
        except requests.RequestException:
            failed = True  # counted as an error, at the time it took
        if index >= 3:
            times.append((time.perf_counter() - started) * 1000)
            errors += failed
    return times, errors


def settle(base: str, limit: float = 300.0) -> None:
    """Wait until the server has worked off what a load left queued (a static file answers at once)."""
    import requests

    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.perf_counter()
        with contextlib.suppress(requests.RequestException):
            requests.get(base + "/static/css/app.css", timeout=limit)
        if time.perf_counter() - started < 0.2:
            return
        time.sleep(1)


def wrk(base: str, urls: list, seconds: int, work: Path, name: str) -> dict:
    slug = re.sub(r"\W+", "-", name)
    listing = work / f"urls-{slug}.txt"
    listing.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in urls))
    script = work / "rotate.lua"
    script.write_text(LUA.replace("USER_AGENT", USER_AGENT))
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            f"--timeout={WRK_TIMEOUT}",
            "-s",
            str(script),
            base,
            "--",
            str(listing),
        ],
        capture_output=True,
        text=True,
    )
    found = re.search(r"^RESULT (\{.*\})$", out.stdout, re.M)
    if not found:
        raise SystemExit(f"wrk failed on {name}:\n{out.stdout}\n{out.stderr}")
    return json.loads(found[1])


def bench_pages(
    run: Run, env: dict, samples: dict, corpus: dict, queries: list[str], args, work: Path
) -> None:
    rng = random.Random(11)
    server = Server(env, args.workers, work / "gunicorn.log")
    try:
        if not args.only or "demand matches (firm)" in args.only:
            matched_by_worker(run, env, [i for firm in samples["firms"] for i in firm["demand_ids"]], work)
        urls = pages(samples, corpus, queries, server.base, rng)
        if args.only:
            urls = {name: listing for name, listing in urls.items() if name in args.only}
        for listing in urls.values():
            check_logged_in(server.base, listing)
            rng.shuffle(listing)
        count = 10 if args.quick else 30
        alone_times, uncached_times = {}, {}
        for name, listing in urls.items():
            alone_times[name] = sequential(server.base, listing, count)
            say(f"  {name}: alone p95 {pct(alone_times[name][0], 95):.0f} ms")
            if not listing[0][1]:  # anonymous pages are kept for other visitors: also time them new
                uncached_times[name] = sequential(server.base, listing, count, bust=True)[0]
        floor = wrk(server.base, [("/static/css/app.css", "")], args.duration, work, "static")
        floor_rps = floor["requests"] / floor["seconds"]
        run.add(
            "static floor under load",
            floor_rps,
            "req/s",
            f"p50 {floor['p50']:.0f} / p95 {floor['p95']:.0f} ms",
            key="static floor",
        )
        for name, listing in urls.items():
            alone, alone_errors = alone_times[name]
            settle(server.base)
            loaded = wrk(server.base, listing, args.duration, work, name)
            rps = loaded["requests"] / loaded["seconds"]
            sent = loaded["requests"] + loaded["timeout"]
            errors = loaded["status"] + loaded["timeout"] + loaded["socket"] + alone_errors
            # wrk's percentiles leave timed-out requests out: with many, p95 is the timeout at least.
            p95, p95_note = loaded["p95"], f"floor p95 {floor['p95']:.0f} ms"
            if loaded["timeout"] > 0.05 * sent:
                p95, p95_note = max(p95, 2000.0), f"≥ {WRK_TIMEOUT}: {loaded['timeout']} of {sent} timed out"
            say(f"  {name}: under load {rps:.1f} req/s, p95 {p95:.0f} ms")
            run.add(f"{name}: alone p50", statistics.median(alone), "ms", f"{len(listing)} URLs")
            run.add(f"{name}: alone p95", pct(alone, 95), "ms")
            if name in uncached_times:
                run.add(f"{name}: uncached p95", pct(uncached_times[name], 95), "ms", "each URL new")
            run.add(
                f"{name}: load req/s", rps, "req/s", f"floor/3 = {floor_rps / 3:.0f}", at_least=floor_rps / 3
            )
            run.add(f"{name}: load p50", loaded["p50"], "ms")
            run.add(f"{name}: load p95", p95, "ms", p95_note, TARGETS["load_p95"])
            run.add(
                f"{name}: load errors",
                float(errors),
                "",
                f"of {sent} (timeouts {loaded['timeout']}, other {errors - loaded['timeout']})",
                limit=0,
            )
            if args.rerun:  # the same load again: every URL has been seen, the kept pages answer
                again = wrk(server.base, listing, args.duration, work, name)
                run.add(
                    f"{name}: rerun p95",
                    again["p95"],
                    "ms",
                    f"{again['requests'] / again['seconds']:.0f} req/s, p50 {again['p50']:.0f} ms",
                )
        peaks = server.peak_mb()
        run.add(
            "worker peak memory (max)",
            max(peaks) if peaks else None,
            "MB",
            f"{len(peaks)} workers: " + ", ".join(f"{p:.0f}" for p in sorted(peaks)),
            TARGETS["worker_mb"],
        )
    finally:
        server.stop()


# ---------------------------------------------------------------- one database, one size


def instance_env(work: Path, url: str) -> dict:
    return {
        **os.environ,
        "FLASK_APP": "marketplace",
        "MARKETPLACE_INSTANCE_PATH": str(work),
        "MARKETPLACE_SQLALCHEMY_DATABASE_URI": url,
        "MARKETPLACE_SECRET_KEY": "bench-scale-secret",
        "MARKETPLACE_JOBS_BACKEND": "sqlite",
        "PYTHONPATH": str(ROOT),
    }


def bench_one(run: Run, corpus_path: Path, corpus: dict, args, postgres: Postgres | None, tmp: Path) -> None:
    """Fill `run` with every figure of its database and size."""
    db, size = run.db, run.size
    work = tmp / f"{db}-{size}"
    work.mkdir()
    n_demands = len(corpus["demands"])
    url = postgres.url(f"bench_{size}") if postgres else f"sqlite:///{work / 'marketplace.sqlite'}"
    env = instance_env(work, url)
    say(f"{db} {size:,}: flask db upgrade")
    seconds, _peak, _ = run_timed(flask("db", "upgrade"), env, work / "upgrade.log")
    run.add("flask db upgrade", seconds, "s")

    say(f"{db} {size:,}: flask import-data")
    seconds, peak, _ = run_timed(flask("import-data", str(corpus_path)), env, work / "import.log")
    naive = naive_import(url, corpus_path)
    run.add(
        "flask import-data", seconds, "s", f"executemany {naive:.1f} s", TARGETS["import_s"], key="import_s"
    )
    run.add("import peak memory", peak, "MB")

    say(f"{db} {size:,}: flask search rebuild")
    seconds, peak, _ = run_timed(flask("search", "rebuild"), env, work / "rebuild.log")
    run.add("flask search rebuild", seconds, "s", "", TARGETS["rebuild_s"], key="rebuild_s")
    run.add("rebuild peak memory", peak, "MB")
    seconds, _peak, code = run_timed(flask("search", "check"), env, work / "check.log", check=False)
    row = run.add("flask search check", "exit 0" if code == 0 else f"exit {code} !!", "", f"{seconds:.1f} s")
    row.over = code != 0

    rng = random.Random(5)
    refs = [d["ref"] for d in corpus["demands"]]
    sample = (
        refs
        if not args.match_sample or args.match_sample >= len(refs)
        else rng.sample(refs, args.match_sample)
    )
    say(f"{db} {size:,}: flask match over {len(sample):,} demands")
    command = flask("match", "--all") if not args.match_sample else flask("match", *sample)
    seconds, peak, _ = run_timed(command, env, work / "match.log")
    like = like_times(
        url, [d["title"] + d.get("description", "")[:60] for d in rng.sample(corpus["demands"], 50)]
    )
    what = "--all" if not args.match_sample else f"{len(sample):,} of {n_demands:,} by ref"
    run.add(
        f"flask match ({what})",
        seconds * 1000 / len(sample),
        "ms/demand",
        f"LIKE {statistics.mean(like):.1f} ms/demand",
        TARGETS["match_all_ms"],
        key="match_all_ms",
    )

    say(f"{db} {size:,}: activity (bench/scale_activity.py)")
    samples_path = work / "samples.json"
    year = last_year()
    seconds, _peak, _ = run_timed(
        [sys.executable, str(ROOT / "bench" / "scale_activity.py"), str(year), str(samples_path)],
        env,
        work / "activity.log",
    )
    samples = json.loads(samples_path.read_text())
    counts, timings = samples["counts"], samples["timings"]
    run.add(
        "activity populated",
        seconds,
        "s",
        f"{counts['bookings']:,} bookings, {counts.get('evaluated', 0):,} platforms evaluated",
    )
    run.add(
        f"evaluation compute ({counts.get('evaluated', 0):,} platforms)",
        timings["campaign_compute"],
        "s",
        f"whole campaign {timings['campaign']:.1f} s",
        key="evaluation compute",
    )

    say(f"{db} {size:,}: match and search latency")
    demand_ids = _open_demand_ids(url, 200)
    cold = 5 if args.quick else COLD_RUNS
    latency(run, "match", demand_ids, env, work, url, [d["title"] for d in corpus["demands"][:50]], cold)
    queries = search_queries(corpus, rng)
    latency(run, "search", queries, env, work, url, queries, cold)

    say(f"{db} {size:,}: pages through gunicorn ({args.workers} workers)")
    bench_pages(run, env, samples, corpus, queries, args, work)


def bench_reused(args) -> Run:
    """Only the pages, on an instance folder kept by an earlier run (`--keep`): its database (the
    SQLite file there, or `--database-url`), its index and its samples.json; the search queries drawn
    from the corpus `--corpus`."""
    work = args.reuse
    url = args.database_url or f"sqlite:///{work / 'marketplace.sqlite'}"
    samples = json.loads((work / "samples.json").read_text())
    corpus = json.loads(args.corpus.read_text())
    run = Run(url.split(":", 1)[0].split("+")[0], len(corpus["offerings"]))
    bench_pages(
        run, instance_env(work, url), samples, corpus, search_queries(corpus, random.Random(5)), args, work
    )
    return run


def matched_by_worker(run: Run, env: dict, demand_ids: list[int], work: Path) -> None:
    """The job worker matches each demand when it is published (the subscriptions' push) and keeps the
    list for the host's web workers: do what it does for the demands whose pages the bench views (the
    server has just started, with an empty page cache), with `flask match`, which keeps lists the same
    way. What a first match costs is the match latency above."""
    from sqlalchemy import bindparam, create_engine, text

    engine = create_engine(env["MARKETPLACE_SQLALCHEMY_DATABASE_URI"])
    query = text("SELECT ref FROM demands WHERE id IN :ids").bindparams(bindparam("ids", expanding=True))
    with engine.connect() as conn:
        refs = [ref for ref in conn.execute(query, {"ids": demand_ids}).scalars() if ref]
    engine.dispose()
    seconds, _peak, _ = run_timed(flask("match", *refs), env, work / "match-viewed.log")
    run.add(
        "demands matched by the worker before their pages",
        seconds * 1000 / max(len(refs), 1),
        "ms/demand",
        f"{len(refs)} demands",
    )


def _open_demand_ids(url: str, count: int) -> list[int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        ids = list(conn.execute(text("SELECT id FROM demands WHERE status = 'open' ORDER BY id")).scalars())
    engine.dispose()
    random.Random(3).shuffle(ids)
    return ids[:count]


# ---------------------------------------------------------------- report


def print_run(run: Run) -> None:
    print(f"\n== {run.db}, {run.size:,} offerings")
    width = max((len(r.name) for r in run.rows), default=10) + 2
    for row in run.rows:
        flag = "!!" if row.over else "  "
        print(f"{flag} {row.name:<{width}} {row.text():>16}   {row.baseline}")


def print_growth(runs: list[Run]) -> None:
    """Each figure across sizes on one database, with its ratio to the previous size's."""
    for db in dict.fromkeys(r.db for r in runs):
        mine = sorted((r for r in runs if r.db == db), key=lambda r: r.size)
        if len(mine) < 2:
            continue
        print(f"\n== growth on {db}: " + " -> ".join(f"{r.size:,}" for r in mine))
        keys = [row.key for row in mine[0].rows if isinstance(row.value, int | float)]
        for key in keys:
            values = [next((row.value for row in r.rows if row.key == key), None) for r in mine]
            cells, flag = [], "  "
            for index, value in enumerate(values):
                if not isinstance(value, int | float):
                    cells.append("—")
                    continue
                cell = f"{value:,.1f}"
                previous = values[index - 1] if index else None
                if index and isinstance(previous, int | float) and previous > 0:
                    ratio = value / previous
                    growth = mine[index].size / mine[index - 1].size
                    cell += f" (×{ratio:.2f})"
                    if ratio > growth and "req/s" not in key:
                        flag = "!!"
                cells.append(cell)
            print(f"{flag} {key:<44} " + "   ".join(f"{c:>18}" for c in cells))
        print("   (!!: grew faster than the number of offerings; throughput rows are not flagged)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50000, 100000, 200000])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--demands-per-offering", type=float, default=2.0)
    parser.add_argument("--match-sample", type=int, default=2000, help="demands for `flask match` (0: --all)")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument(
        "--rerun", action="store_true", help="load each page twice: the second run starts with its pages kept"
    )
    parser.add_argument("--quick", action="store_true", help="2,000 offerings and short loads: a smoke test")
    parser.add_argument("--json", type=Path, help="write every figure here too")
    parser.add_argument("--keep", action="store_true", help="keep the instance folders (path printed)")
    parser.add_argument("--reuse", type=Path, help="only the pages, on this kept instance folder")
    parser.add_argument("--database-url", help="with --reuse: its database, when not SQLite in the folder")
    parser.add_argument("--corpus", type=Path, help="with --reuse: the corpus it was built from")
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="only these pages (names as printed)")
    parser.add_argument("--probe", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--unprepared", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(args.probe[0], Path(args.probe[1]), prepared=not args.unprepared)
        return
    if args.reuse:
        print_run(bench_reused(args))
        return
    if args.quick:
        args.sizes, args.duration, args.match_sample = (
            [2000],
            min(args.duration, 4),
            min(args.match_sample, 300),
        )
    if not GENERATOR.exists():
        raise SystemExit(
            f"the corpus generator {GENERATOR} is missing: this bench needs ../shared beside the checkout"
        )
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: install it with `sudo apt-get install wrk` (Debian package wrk)")
    # Stopped from outside: still print what was measured, stop gunicorn and PostgreSQL, clean up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped by SIGTERM"))
    databases = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    postgres = Postgres() if "postgresql" in databases else None
    runs: list[Run] = []
    try:
        for size in args.sizes:
            corpus_path = tmp / f"corpus-{size}.json"
            n_demands = int(size * args.demands_per_offering)
            say(f"corpus: {size:,} offerings, {n_demands:,} demands")
            subprocess.run(
                [sys.executable, str(GENERATOR), str(size), str(n_demands), str(corpus_path), "7"], check=True
            )
            corpus = json.loads(corpus_path.read_text())
            for db in databases:
                run = Run(db, size)
                runs.append(run)
                try:
                    bench_one(run, corpus_path, corpus, args, postgres if db == "postgresql" else None, tmp)
                finally:
                    print_run(run)  # what was measured, even when a step failed
                if not args.keep:
                    shutil.rmtree(tmp / f"{db}-{size}", ignore_errors=True)
            corpus_path.unlink()
    finally:
        if postgres:
            postgres.stop()
        if args.keep:
            print(f"instance folders kept in {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n\n######## summary (!!: over its target; targets of issue 10 apply at 50,000 offerings)")
    for run in runs:
        print_run(run)
    print_growth(runs)
    if args.json:
        args.json.write_text(
            json.dumps(
                [{"db": r.db, "size": r.size, "rows": [r.__dict__ for r in r.rows]} for r in runs],
                ensure_ascii=False,
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
