"""A search with very many matches walks the board newest first, and no search
holds a worker past SEARCH_TIMEOUT (PostgreSQL: the production database)."""

import datetime as dt
import re

import pytest
from django.db import connection

from articles import search, services

from .conftest import seoul


@pytest.fixture
def board(db):
    """400 posts with bodies; every other one about 경제 and 반도체, analysed."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans and statement_timeout are PostgreSQL's")
    start = seoul(2025, 1, 1, 9, 0)
    services.posts_bulk_write(
        [
            services.post_prepare(
                title=f"{'경제 반도체' if i % 2 else '날씨'} 소식 {i}",
                author="테스트뉴스",
                published_at=start + dt.timedelta(minutes=i),
                body_html="<p>"
                + ("반도체 수출과 경제 전망. " if i % 2 else "맑음. ") * 40
                + "</p>",
            )
            for i in range(400)
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return start


def _plans_of_pages(client, monkeypatch, path, params):
    """EXPLAIN of each 20-row list query and each count the request runs, in its
    own transaction."""
    # The many-matches path, at test size.
    monkeypatch.setattr(search, "PROBE_LIMIT", 10)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 10)
    plans = []

    counts = []

    def explain(execute, sql, params, many, context):
        page = sql.startswith("SELECT") and re.search(r"LIMIT 20( OFFSET \d+)?$", sql)
        if "@@" in sql and (page or sql.startswith("SELECT COUNT(*)")):
            context["cursor"].execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in context["cursor"].fetchall())
            (plans if page else counts).append(plan)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        response = client.get(path, params)
    assert response.status_code == 200
    return response, plans, counts


@pytest.mark.parametrize("page, first", [("1", 400), ("3", 320)])
def test_a_common_search_reads_the_board_newest_first(board, client, monkeypatch, page, first):
    params = {"q": "경제 반도체", "page": page}
    response, plans, counts = _plans_of_pages(client, monkeypatch, "/", params)
    assert [row.number for row in response.context["page"].rows][:2] == [first, first - 2]
    assert plans
    for plan in plans:
        # The planner thinks few rows match: left alone it joins every body by
        # hash and sorts them, reading the whole board for 20 rows.
        assert "Index Scan Backward" in plan, plan
        assert "Sort" not in plan and "Hash Join" not in plan, plan
    assert counts
    for plan in counts:
        # The total is counted among known matches, looked up by id: walking
        # the board for them took 1.3 s at a million posts.
        assert "Backward" not in plan, plan


def test_the_article_page_under_a_common_search_reads_newest_first(board, client, monkeypatch):
    response, plans, _ = _plans_of_pages(client, monkeypatch, "/posts/400/", {"q": "경제 반도체"})
    assert response.context["newer"] is None and response.context["older"].number == 398
    assert plans and all("Sort" not in plan and "Hash Join" not in plan for plan in plans)


@pytest.fixture
def slow_search(board, settings):
    """Every search query first waits 0.2 s: PostgreSQL cancels it at SEARCH_TIMEOUT."""
    settings.SEARCH_TIMEOUT = 0.05

    def wait(execute, sql, params, many, context):
        if "articles_search" in sql or "LIKE" in sql:
            sql = "SELECT pg_sleep(0.2); " + sql
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wait):
        yield


def test_a_search_that_runs_too_long_gives_a_message(slow_search, client):
    response = client.get("/", {"q": "경제"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "검색이 너무 오래 걸려 멈췄습니다" in page
    assert 'value="경제"' in page  # the search box keeps the query to narrow it
    assert response.context["page"].rows == []


def test_an_article_opened_from_a_slow_search_still_shows(slow_search, client):
    response = client.get("/posts/7/", {"q": "경제"})
    assert response.status_code == 200
    assert response.context["post"].number == 7
    assert "검색이 너무 오래 걸려 멈췄습니다" in response.content.decode()


def test_a_slow_searched_feed_answers_503(slow_search, client):
    response = client.get("/feed/", {"q": "경제"})
    assert response.status_code == 503
    assert "검색이 너무 오래 걸려" in response.content.decode()


def test_the_board_without_a_search_has_no_time_limit(board, client, settings):
    settings.SEARCH_TIMEOUT = 0.001
    response = client.get("/")
    assert [row.number for row in response.context["page"].rows][:1] == [400]
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"  # nothing leaked into the connection
