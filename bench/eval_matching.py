"""Matcher quality on judged sets: nDCG@5, nDCG@10 and MRR, beside the bigram-BM25 baseline.

Usage: .venv/bin/python bench/eval_matching.py [--set PATH --qrels PATH]
Without arguments: the small judged set this repository carries (tests/matching/data), then the
shared judged sets in ../shared/eval when they are there (a clone has none; they are then reported
missing): the dev set, the same needs in the firms' own words (judged by the dev set's qrels) and the
set in other industries; then a summary of each set against the targets of issue 11 (nDCG@5 ≥ 0.90
and at least 0.10 above the baseline). Each set is imported into a fresh SQLite database and index in
a temporary folder; the matcher runs for every demand and both systems' figures come from the same
run.

With --live QRELS: the matcher of the marketplace this configuration opens (the MARKETPLACE_* environment
or instance/, as `flask` does) on its own demands and offerings, judged by QRELS exported from firms'
feedback (`flask demands export-feedback`, or the administrators' 匹配反馈 page), beside the baseline
over the same public offerings."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from marketplace import create_app  # noqa: E402
from marketplace.matching.evaluation import Scores, baseline_runs, evaluate  # noqa: E402

IN_REPO = ROOT / "tests" / "matching" / "data"
SHARED = ROOT.parent / "shared" / "eval"
DEFAULT_SETS = [
    ("in-repo judged set", IN_REPO / "judged_set.json", IN_REPO / "judged_qrels.json"),
    ("shared dev set", SHARED / "dev_set.json", SHARED / "dev_qrels.json"),
    ("dev set in the firms' own words", SHARED / "dev_paraphrased.json", SHARED / "dev_qrels.json"),
    ("other industries (dev2)", SHARED / "dev2_set.json", SHARED / "dev2_qrels.json"),
]
#: Issue 11's targets on every shared set: nDCG@5 at least this, and this much above the baseline.
TARGET_NDCG5, TARGET_GAIN = 0.90, 0.10


def matcher_runs(document: dict, workdir: Path, limit: int = 10) -> dict[str, list[str]]:
    from flask_migrate import upgrade

    from marketplace.demands.models import Demand
    from marketplace.extensions import db
    from marketplace.interchange.services import import_document
    from marketplace.matching import services

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "eval",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'eval.sqlite'}",
            "SEARCH_INDEX_DIR": str(workdir / "index"),
            "UPLOAD_DIR": str(workdir / "uploads"),
            "JOBS_IMMEDIATE": True,  # no queue file, no worker: jobs run here
        }
    )
    with app.app_context():
        upgrade()
        import_document(document)
        db.session.commit()
        runs = {}
        for record in document["demands"]:
            demand = db.session.query(Demand).filter_by(ref=record["ref"]).one()
            runs[record["ref"]] = [m.ref for m in services.match_demand(demand, limit=limit)]
    return runs


def run(set_path: Path, qrels_path: Path) -> tuple[Scores, Scores]:
    document = json.loads(set_path.read_text(encoding="utf-8"))
    qrels = json.loads(qrels_path.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        ours = evaluate(matcher_runs(document, Path(tmp)), qrels)
        elapsed = time.perf_counter() - started
    base = evaluate(baseline_runs(document), qrels)
    print(
        f"judged demands: {len(qrels)}, offerings: {len(document['offerings'])}  (matcher run "
        f"{elapsed:.1f} s incl. import)"
    )
    return report(ours, base)


def live(app, qrels: dict[str, dict[str, int]], limit: int = 10) -> tuple[Scores, Scores]:
    """The matcher of `app`'s marketplace on the judged demands it still has, and the baseline over its
    public offerings (title, specs, description), judged by `qrels` (firms' feedback)."""
    from sqlalchemy import select

    from marketplace.demands.services import get_by_ref
    from marketplace.extensions import db
    from marketplace.matching import services
    from marketplace.offerings.models import Offering

    with app.app_context():
        demands = {ref: demand for ref in qrels if (demand := get_by_ref(ref)) is not None}
        runs = {ref: [m.ref for m in services.match_demand(d, limit=limit)] for ref, d in demands.items()}
        offerings = db.session.scalars(select(Offering).where(Offering.is_public)).all()
        document = {
            "offerings": [
                {"ref": o.ref, "title": o.title, "specs": o.specs, "description": o.description}
                for o in offerings
            ],
            "demands": [
                {"ref": ref, "title": d.title, "description": d.description} for ref, d in demands.items()
            ],
        }
        base_runs = baseline_runs(document, limit)
    judged = {ref: qrels[ref] for ref in demands}
    useful = sum(1 for j in judged.values() if any(g > 0 for g in j.values()))
    print(
        f"judged demands: {len(qrels)} ({len(qrels) - len(demands)} no longer in the marketplace, "
        f"{useful} with a useful match), public offerings: {len(offerings)}"
    )
    return report(evaluate(runs, judged), evaluate(base_runs, judged))


def report(ours: Scores, base: Scores) -> tuple[Scores, Scores]:
    print(ours.line("matcher (key terms + rerank)"))
    print(base.line("baseline (bigram BM25)"))
    print(
        f"difference                   nDCG@5 {ours.ndcg5 - base.ndcg5:+.3f}   nDCG@10 "
        f"{ours.ndcg10 - base.ndcg10:+.3f}"
        f"   MRR {ours.mrr - base.mrr:+.3f}"
    )
    return ours, base


def print_summary(results: list[tuple[str, bool, Scores, Scores]]) -> None:
    """One line per set: nDCG@5 of both systems, the gain, and "!!" where a shared set misses a target."""
    print(
        f"\n== summary (targets on the shared sets: nDCG@5 ≥ {TARGET_NDCG5:.2f}, gain ≥ {TARGET_GAIN:+.2f})"
    )
    for label, shared, ours, base in results:
        gain = ours.ndcg5 - base.ndcg5
        missed = shared and (ours.ndcg5 < TARGET_NDCG5 or gain < TARGET_GAIN)
        print(
            f"{'!!' if missed else '  '} {label:34} matcher {ours.ndcg5:.3f}   baseline {base.ndcg5:.3f}"
            f"   gain {gain:+.3f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path)
    parser.add_argument("--qrels", type=Path)
    parser.add_argument("--live", type=Path, metavar="QRELS", help="firms' feedback on this marketplace")
    args = parser.parse_args()
    if args.live:
        live(create_app(), json.loads(args.live.read_text(encoding="utf-8")))
    elif args.set or args.qrels:
        if not (args.set and args.qrels):
            parser.error("--set and --qrels go together")
        run(args.set, args.qrels)
    else:
        results = []
        for label, set_path, qrels_path in DEFAULT_SETS:
            print(f"== {label}: {set_path}")
            if set_path.parent == SHARED and not SHARED.is_dir():
                print(f"skipped: {SHARED} not found (a clone has no ../shared beside it)")
                continue
            results.append((label, set_path.parent == SHARED, *run(set_path, qrels_path)))
        print_summary(results)
