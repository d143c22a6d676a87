"""The scale bench's report: figures over their targets and faster-than-linear growth are flagged,
and it stops with a clear message when the shared corpus generator is missing."""

import sys

import pytest

from bench import bench_scale
from bench.bench_scale import Row, Run, print_growth, print_run


def test_a_figure_over_its_target_or_under_its_floor_is_flagged(capsys):
    run = Run("sqlite", 50000)
    run.add("flask import-data", 130.0, "s", "executemany 2.0 s", limit=bench_scale.TARGETS["import_s"])
    run.add("flask search rebuild", 90.0, "s", "", limit=bench_scale.TARGETS["rebuild_s"])
    run.add("home: load req/s", 100.0, "req/s", "floor/3 = 300", at_least=300.0)
    print_run(run)
    lines = {line[3:].split("  ")[0]: line[:2] for line in capsys.readouterr().out.splitlines()[2:]}
    assert lines == {"flask import-data": "!!", "flask search rebuild": "  ", "home: load req/s": "!!"}


def test_the_growth_table_flags_figures_that_grow_faster_than_the_corpus(capsys):
    runs = []
    for size, rebuild, match in ((50000, 100.0, 20.0), (100000, 190.0, 50.0)):
        run = Run("sqlite", size)
        run.rows += [
            Row("rebuild", rebuild, "s", key="rebuild_s"),
            Row("match", match, "ms", key="match_all_ms"),
        ]
        runs.append(run)
    print_growth(runs)
    out = capsys.readouterr().out
    (rebuild,) = [line for line in out.splitlines() if "rebuild_s" in line]
    (match,) = [line for line in out.splitlines() if "match_all_ms" in line]
    assert rebuild.startswith("  ") and "(×1.90)" in rebuild
    assert match.startswith("!!") and "(×2.50)" in match


def test_without_the_shared_generator_the_bench_says_what_is_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(bench_scale, "GENERATOR", tmp_path / "shared" / "bench" / "gen_corpus.py")
    monkeypatch.setattr(sys, "argv", ["bench_scale.py", "--quick"])
    with pytest.raises(SystemExit, match="gen_corpus.py is missing: this bench needs ../shared"):
        bench_scale.main()
