"""The coverage dashboard's charts in a real browser: Chart.js and its matrix chart are served by the app
itself, the heat map has a cell for every domain × city and colours the unmet ones, the trends draw."""

from __future__ import annotations

import pytest

from marketplace.paths import resource_path
from tests.browser.test_flows import login
from tests.coverage.test_figures import market  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser


def test_the_heat_map_and_the_trends_render_from_local_files(page, live_server, admin_user, market):  # noqa: F811
    if not (resource_path("static") / "vendor" / "chartjs-chart-matrix.min.js").is_file():
        pytest.fail("static/vendor/chartjs-chart-matrix.min.js is missing: run `bash scripts/vendor.sh`")
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    login(page, live_server, admin_user.email)
    page.wait_for_url(lambda url: "/account/login" not in url)
    page.goto(f"{live_server}/admin/coverage?start=2026-01-01&end=2026-06-30")
    heat = page.locator('canvas[data-chart="heatmap"][data-rendered="true"]')
    heat.wait_for()
    cells = heat.evaluate("c => c.chart.data.datasets[0].data")
    assert len(cells) == len(heat.evaluate("c => c.chart.options.scales.y.labels")) * len(
        heat.evaluate("c => c.chart.options.scales.x.labels")
    )
    # the domains read top to bottom in the table's order
    assert heat.evaluate("c => c.chart.scales.y.getPixelForValue(0) < c.chart.scales.y.getPixelForValue(1)")
    unmet = [c for c in cells if c["v"]]
    assert [(c["y"], c["x"], c["v"], c["open"]) for c in unmet] == [("新能源", "济南", 1, 1)]
    assert heat.evaluate(  # something was drawn
        "c => c.getContext('2d').getImageData(0, 0, c.width, c.height)"
        ".data.some((v, i) => i % 4 == 3 && v > 0)"
    )
    trends = page.locator('canvas[data-chart="trends"][data-rendered="true"]')
    trends.wait_for()
    assert trends.evaluate("c => c.chart.data.datasets[0].data") == [0, 1, 1, 1, 0, 0]
    assert errors == []
    assert f"{live_server}/static/vendor/chartjs-chart-matrix.min.js" in urls
    assert [u for u in urls if not u.startswith(live_server)] == []
