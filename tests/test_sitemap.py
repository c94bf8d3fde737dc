"""/sitemap.xml and /robots.txt, parsed as a crawler would."""

import xml.etree.ElementTree as ET

from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import sitemaps

from .conftest import seoul

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return ET.fromstring(response.content)


def test_the_index_lists_sections_with_lastmod_and_each_lists_its_posts(
    client, make_post, monkeypatch
):
    monkeypatch.setattr(sitemaps, "SECTION", 10)
    posts = [make_post() for _ in range(25)]
    make_post(number=40, status="hidden")
    root = xml(client, "/sitemap.xml")
    locs = [e.findtext("s:loc", namespaces=NS) for e in root.findall("s:sitemap", NS)]
    assert locs == [f"http://testserver/sitemap-posts-{i}.xml" for i in range(3)]
    assert all(e.findtext("s:lastmod", namespaces=NS) for e in root.findall("s:sitemap", NS))
    seen = []
    for loc in locs:
        section = xml(client, loc.removeprefix("http://testserver"))
        seen += [u.findtext("s:loc", namespaces=NS) for u in section.findall("s:url", NS)]
    assert seen == [f"http://testserver{p.get_absolute_url()}" for p in posts]


def test_the_index_costs_the_same_queries_at_any_size(client, make_post, monkeypatch):
    monkeypatch.setattr(sitemaps, "SECTION", 10)
    make_post()

    def count():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            client.get("/sitemap.xml")
        return len(queries)

    few = count()
    for _ in range(60):
        make_post()
    assert count() == few


def test_unknown_sections_are_404(client, db):
    assert client.get("/sitemap-posts-abc.xml").status_code == 404
    assert client.get("/sitemap-posts-99999999.xml").status_code == 404


def test_a_section_without_public_posts_is_404_not_an_empty_list(client, make_post):
    make_post(number=5)
    make_post(number=1500, status="hidden")
    assert client.get("/sitemap-posts-0.xml").status_code == 200
    assert client.get("/sitemap-posts-1.xml").status_code == 404
    assert client.get("/sitemap-posts-999999.xml").status_code == 404


def test_a_section_has_one_url(client, make_post):
    make_post()
    assert client.get("/sitemap-posts-0.xml").status_code == 200
    for other in ["/sitemap-posts-00.xml", "/sitemap-0.xml", "/sitemap-news-0.xml"]:
        assert client.get(other).status_code == 404, other


def test_robots_keep_crawlers_out_of_lists_and_feeds_with_a_query_and_the_admin(client, db):
    from urllib.robotparser import RobotFileParser

    text = client.get("/robots.txt").content.decode()
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    robots.modified()  # can_fetch() refuses everything until the rules have a time
    allowed = ["/", "/posts/46181/", "/posts/46181/?q=관세&page=2", "/sitemap.xml", "/feed/"]
    refused = ["/?q=관세", "/?page=3", "/?date_from=2025-02-01", "/feed/?q=관세", "/admin/"]
    assert [url for url in allowed if not robots.can_fetch("Twitterbot", url)] == []
    assert [url for url in refused if robots.can_fetch("Twitterbot", url)] == []
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_a_scheduled_post_enters_the_sitemap_exactly_when_due(client, make_post, time_machine):
    # 15 s before it is due: a page kept its usual 30 s would hide it 15 s too long.
    time_machine.move_to(seoul(2025, 3, 1, 12, 59, 45), tick=False)
    now = make_post(published_at=seoul(2025, 3, 1, 11, 0))
    later = make_post(published_at=seoul(2025, 3, 1, 13, 0))

    def listed():
        section = xml(client, "/sitemap-posts-0.xml")
        return [u.findtext("s:loc", namespaces=NS) for u in section.findall("s:url", NS)]

    assert listed() == [f"http://testserver{now.get_absolute_url()}"]
    time_machine.move_to(seoul(2025, 3, 1, 13, 0), tick=False)
    assert listed() == [f"http://testserver{p.get_absolute_url()}" for p in (now, later)]


def test_a_scheduled_post_is_modified_when_it_comes_due(client, make_post, time_machine):
    # Saved the evening before it is due: to a crawler it changes when it appears.
    time_machine.move_to(seoul(2025, 2, 28, 20, 0), tick=False)
    make_post(published_at=seoul(2025, 2, 28, 9, 0))
    make_post(published_at=seoul(2025, 3, 1, 9, 0))
    time_machine.move_to(seoul(2025, 3, 1, 10, 0), tick=False)
    index = xml(client, "/sitemap.xml")
    assert index.findtext("s:sitemap/s:lastmod", namespaces=NS) == "2025-03-01T09:00:00+09:00"
    section = xml(client, "/sitemap-posts-0.xml")
    lastmods = [u.findtext("s:lastmod", namespaces=NS) for u in section.findall("s:url", NS)]
    assert lastmods == ["2025-02-28", "2025-03-01"]
