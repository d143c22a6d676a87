"""The coverage dashboard (administrators), its downloads, the unmet demands to work through, and the
public statistics page."""

import csv
import io
from datetime import timedelta

from openpyxl import load_workbook

from marketplace.core.models import utcnow
from marketplace.coverage.models import DemandFit
from tests import factories

PERIOD = "start=2026-01-01&end=2026-06-30"


def test_only_administrators_open_the_dashboard(client, auth, firm_user, db):
    assert client.get("/admin/coverage").status_code in (302, 401, 403)
    auth.as_(firm_user)
    assert client.get("/admin/coverage").status_code == 403
    assert client.get("/admin/coverage/cells.csv").status_code == 403
    assert client.get("/admin/coverage/unmet").status_code == 403


def test_the_dashboard_shows_where_demand_has_no_supply(client, auth, admin_user, market):
    auth.as_(admin_user)
    page = client.get(f"/admin/coverage?{PERIOD}").get_data(as_text=True)
    assert "统计区间：2026-01-01 至 2026-06-30" in page
    gaps = page.split('id="gaps"')[1].split("</section>")[0]
    assert "济南 · 新能源" in gaps and "其中 1 项没有良好匹配" in gaps
    assert "烟台 · 新材料" in gaps  # an open demand where the domain has no offering
    table = page.split('id="coverage-table"')[1].split("</table>")[0]
    assert '<tr class="gap">' in table
    assert 'data-chart="heatmap"' in page and "/static/vendor/chartjs-chart-matrix.min.js" in page


def test_the_period_fields_show_the_period_shown(client, auth, admin_user, db):
    from marketplace.coverage import services

    auth.as_(admin_user)
    period = services.default_period()
    page = client.get("/admin/coverage").get_data(as_text=True)
    assert f'value="{period.start}"' in page and f'value="{period.end}"' in page


def test_a_bad_period_is_shown_beside_its_field(client, auth, admin_user, db):
    auth.as_(admin_user)
    response = client.get("/admin/coverage?start=2026-06-01&end=2026-01-01")
    assert response.status_code == 400
    assert "结束日期不能早于开始日期" in response.get_data(as_text=True)
    assert client.get("/admin/coverage?start=2026-02-30").status_code == 400
    assert client.get("/admin/coverage?start=9999-12-01&end=9999-12-31").status_code == 400
    assert client.get("/admin/coverage/cells.csv?start=9999-12-01&end=9999-12-31").status_code == 400


def test_the_downloads_hold_the_tables(client, auth, admin_user, market):
    auth.as_(admin_user)
    response = client.get(f"/admin/coverage/cells.csv?{PERIOD}")
    assert response.mimetype == "text/csv" and response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert rows[0][:7] == ["领域", "城市", "平台", "开放资源", "征集中需求", "无良好匹配需求", "完成服务"]
    assert ["新能源", "济南", "0", "0", "1", "1", "0"] in [row[:7] for row in rows]
    trends = list(
        csv.reader(io.StringIO(client.get(f"/admin/coverage/trends.csv?{PERIOD}").data.decode("utf-8-sig")))
    )
    assert trends[1:] == [
        ["2026-01", "0", "0", "0", "0"],
        ["2026-02", "1", "0", "1", "0"],
        ["2026-03", "1", "1", "1", "0"],
        ["2026-04", "1", "0", "0", "1"],
        ["2026-05", "0", "0", "0", "1"],
        ["2026-06", "0", "0", "0", "0"],
    ]
    book = load_workbook(io.BytesIO(client.get(f"/admin/coverage.xlsx?{PERIOD}").data))
    assert book.sheetnames == ["领域×城市", "月度趋势"]
    assert ["新能源", "济南", 0, 0, 1, 1, 0] in [[c.value for c in row][:7] for row in book["领域×城市"].rows]


def test_a_formula_in_a_label_is_not_run_by_a_spreadsheet(db):
    from marketplace.core.spreadsheets import csv_bytes

    assert csv_bytes(["a"], [["=HYPERLINK(1)"]]).decode("utf-8-sig").splitlines()[1] == "'=HYPERLINK(1)"


def test_the_unmet_list_holds_demands_waiting_for_a_week(client, auth, admin_user, db):
    waiting = factories.DemandFactory(title="航空发动机单晶叶片定向凝固")
    recent = factories.DemandFactory(title="刚发布的冷门需求")
    met = factories.DemandFactory(title="有匹配的需求")
    db.session.add_all(
        [
            DemandFit(demand_id=waiting.id, best_fit=0.05, unmet_since=utcnow() - timedelta(days=9)),
            DemandFit(demand_id=recent.id, best_fit=0.05, unmet_since=utcnow() - timedelta(days=1)),
            DemandFit(demand_id=met.id, best_fit=0.8, unmet_since=None),
        ]
    )
    db.session.commit()
    auth.as_(admin_user)
    page = client.get("/admin/coverage/unmet").get_data(as_text=True)
    assert "航空发动机单晶叶片定向凝固" in page
    assert "刚发布的冷门需求" not in page and "有匹配的需求" not in page


def test_the_public_page_and_the_admin_menu(client, auth, admin_user, market):
    page = client.get(f"/statistics?{PERIOD}").get_data(as_text=True)
    assert "中试供需统计" in page and "济南 · 新能源" in page
    assert "下载 CSV" not in page  # downloads are the administrators'
    auth.as_(admin_user)
    assert "/admin/coverage" in client.get("/admin/").get_data(as_text=True)
