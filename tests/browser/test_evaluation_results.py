"""The evaluation results' charts in a real browser: Chart.js is served by the app itself (no other
host is asked for anything), draws the grade distribution and the platform's breakdown from the
page's JSON blocks, and the same numbers stay readable in the tables."""

from __future__ import annotations

import pytest

from marketplace.paths import resource_path
from tests.evaluation.results_world import computed_campaign

pytestmark = pytest.mark.browser


@pytest.fixture
def published(db):
    if not (resource_path("static") / "vendor" / "chart.umd.min.js").is_file():
        pytest.fail("static/vendor/chart.umd.min.js is missing: run `make static/vendor/chart.umd.min.js`")
    return computed_campaign(status="published")


def _requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


def test_the_grade_chart_renders_with_chart_js_served_locally(page, live_server, published):
    urls = _requests(page)
    page.goto(f"{live_server}/evaluation/2025/")
    canvas = page.locator('canvas[data-chart="grades"][data-rendered="true"]')
    canvas.wait_for()
    assert page.evaluate("typeof window.Chart") == "function"
    assert page.evaluate("window.Chart.version").startswith("4.")
    assert canvas.evaluate("c => c.chart.data.datasets[0].data") == [1, 0, 1, 1]
    assert canvas.evaluate("c => c.chart.data.labels") == ["优秀", "良好", "合格", "不合格"]
    box = canvas.bounding_box()
    assert box["width"] > 100 and box["height"] > 100
    # Something was drawn: the canvas is not blank.
    assert canvas.evaluate(
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height)"
        ".data.some((v, i) => i % 4 == 3 && v > 0)"
    )
    assert f"{live_server}/static/vendor/chart.umd.min.js" in urls
    assert [u for u in urls if not u.startswith(live_server)] == []
    assert page.locator("#grades table").inner_text().count("\n") >= 4  # the table beside the chart


def test_the_breakdown_chart_compares_with_the_province_median(page, live_server, published):
    urls = _requests(page)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/evaluation/2025/platforms/plat-b")
    canvas = page.locator('canvas[data-chart="breakdown"][data-rendered="true"]')
    canvas.wait_for()
    datasets = canvas.evaluate("c => c.chart.data.datasets.map(d => d.label)")
    assert datasets == ["青岛中试平台B", "全省中位数"]
    assert canvas.evaluate("c => c.chart.options.indexAxis") == "y"
    assert canvas.bounding_box()["width"] <= 390
    assert [u for u in urls if not u.startswith(live_server)] == []
