"""Links built from the query string (core.views.query_url): pagers, facets and the sort form carry
over the page's own parameters only, so names that `url_for` treats as instructions cannot break
or redirect them."""

import pytest

from tests import factories

#: Query parameters that mean something to url_for (or nothing to the page).
HOSTILE = {
    "endpoint": "?endpoint=x",
    "_method": "?_method=POST",
    "_scheme": "?_scheme=ftp",
    "_external": "?_external=1&_scheme=javascript",
    "_anchor": "?_anchor=%22%3E%3Cscript%3E",
    "values": "?values=1&force_external=1",
}


@pytest.fixture
def many(app, db, monkeypatch):
    """Two pages of everything: three public platforms and offerings, three open demands."""
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    platform = factories.PlatformFactory()
    factories.PlatformFactory.create_batch(2)
    factories.OfferingFactory.create_batch(3, platform=platform)
    factories.DemandFactory.create_batch(3)
    db.session.commit()
    return platform


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("path", ["/offerings", "/platforms", "/platforms/{id}", "/demands", "/search"])
def test_pager_and_facet_links_carry_known_parameters_only(client, many, path, hostile):
    url = path.format(id=many.id) + HOSTILE[hostile] + "&domain=生物医药"
    response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "下一页" in page
    main = page.split("<main")[1]
    links = [chunk.split('"')[0] for chunk in main.split('href="')[1:]]
    assert any("page=2" in link for link in links)
    for link in links:
        assert link.startswith("/"), link
        assert not any(
            name in link for name in ("endpoint=", "_method", "_scheme", "_external", "_anchor", "#")
        )
    if path != "/platforms/{id}" and path != "/demands":  # filtered lists keep their filter
        assert any("page=2" in link and "domain=" in link for link in links)
    assert f'name="{hostile}"' not in page


def test_search_facets_keep_the_query_and_drop_the_rest(client, many):
    page = client.get("/search?q=发酵罐&endpoint=x&_method=POST&sort=newest").get_data(as_text=True)
    facets = page.split('class="facets"')[1].split("</aside>")[0]
    assert "href" in facets and "_method" not in facets and "endpoint" not in facets
    assert "q=%E5%8F%91%E9%85%B5%E7%BD%90" in facets and "sort=newest" in facets


@pytest.mark.parametrize(
    "endpoint, keep, values",
    [
        ("catalog.offerings", ("domain", "sort"), {"page": 2}),
        ("search.search", ("q",), {"city": "济南市", "page": 3}),
        ("evaluation_results.year", ("city",), {"year": 2025, "page": 2, "_anchor": "排名 ranking"}),
        ("catalog.platform", (), {"platform_id": 7, "page": None}),
        ("catalog.offerings", ("q",), {"_external": True}),
    ],
)
def test_query_url_builds_what_url_for_builds(app, endpoint, keep, values):
    from flask import url_for

    from marketplace.core.views import query_url

    query = "domain=新材料&sort=price_asc&q=锂电+正极/材料&city=x&evil=<script>"
    with app.test_request_context(f"/anything?{query}"):
        from flask import request

        expected = {name: request.args.get(name) for name in keep} | values
        expected = {name: value for name, value in expected.items() if value not in (None, "")}
        assert query_url(endpoint, keep, **values) == url_for(endpoint, **expected)
        assert query_url(endpoint, keep, **values) == url_for(endpoint, **expected)  # built again
