"""A search with very many matches walks the board newest first, and no search
holds a worker past SEARCH_TIMEOUT (PostgreSQL: the production database)."""

import datetime as dt
import re

import pytest
from django.db import connection

from articles import search, services

from .conftest import seoul


def _write_analysed(posts):
    """Bulk-write (title, published_at, sentence) posts, each body the sentence 40
    times, and give the planner its statistics."""
    services.posts_bulk_write(
        [
            services.post_prepare(
                title=title,
                author="테스트뉴스",
                published_at=published_at,
                body_html=f"<p>{sentence * 40}</p>",
            )
            for title, published_at, sentence in posts
        ]
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.fixture
def board(db):
    """400 posts with bodies; every other one about 경제 and 반도체, analysed."""
    if connection.vendor != "postgresql":
        pytest.skip("query plans and statement_timeout are PostgreSQL's")
    start = seoul(2025, 1, 1, 9, 0)
    _write_analysed(
        (
            f"{'경제 반도체' if i % 2 else '날씨'} 소식 {i}",
            start + dt.timedelta(minutes=i),
            "반도체 수출과 경제 전망. " if i % 2 else "맑음. ",
        )
        for i in range(400)
    )
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
        count = sql.startswith("SELECT COUNT(*)") and "= ANY(" in sql
        if (("@@" in sql or "LIKE" in sql) and page) or count:
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
        # the board for them took 1.3 s at a million posts. Their ids alone
        # say they match: checking each against the index again cost as much
        # as the rest of the search.
        assert "Backward" not in plan and "articles_search" not in plan, plan


def test_the_article_page_under_a_common_search_reads_newest_first(board, client, monkeypatch):
    response, plans, _ = _plans_of_pages(client, monkeypatch, "/posts/400/", {"q": "경제 반도체"})
    assert response.context["newer"] is None and response.context["older"].number == 398
    assert plans and all("Sort" not in plan and "Hash Join" not in plan for plan in plans)


@pytest.fixture
def old_word(db):
    """A word of its time: in 40 of posts 1–60 (2020), none of the 400 after them."""
    if connection.vendor != "postgresql":
        pytest.skip("the newest match is looked up in PostgreSQL's search table")
    start = seoul(2020, 3, 22, 9, 0)
    _write_analysed(
        [
            (
                f"{'사회적 거리두기 연장' if i % 3 else '날씨'} {i}",
                start + dt.timedelta(days=i),
                "거리두기 단계 조정. " if i % 3 else "맑음. ",
            )
            for i in range(1, 61)
        ]
        + [
            (f"경제 소식 {i}", start + dt.timedelta(days=100, minutes=i), "수출 전망. ")
            for i in range(400)
        ]
    )


@pytest.mark.parametrize("field", ["title_body", "title"])
def test_a_search_whose_matches_are_all_old_starts_at_the_newest_one(
    old_word, client, monkeypatch, field
):
    # The newest match is looked for in the top 16 numbers, then 128, then
    # 1,024: found by the third range, below 400 posts that do not match.
    monkeypatch.setattr(search, "NEWEST_FIRST_SPAN", 16)
    response, plans, _ = _plans_of_pages(
        client, monkeypatch, "/", {"q": "거리두기", "field": field}
    )
    numbers = [row.number for row in response.context["page"].rows]
    assert numbers == [n for n in range(60, 0, -1) if n % 3][:20]
    assert response.context["page"].total_capped  # the many-matches path, at test size
    assert plans
    for plan in plans:
        # The walk starts at the newest match, 59, not at the top (460).
        assert "Index Scan Backward" in plan and "number <= 59" in plan, plan

    # The next page, reached by its link, goes on from there.
    second = client.get("/", {"q": "거리두기", "field": field, "page": "2"})
    assert [row.number for row in second.context["page"].rows] == [
        n for n in range(60, 0, -1) if n % 3
    ][20:40]


def test_one_far_higher_number_does_not_send_spread_words_galloping(board, monkeypatch):
    # Given by hand (the admin takes any free number): the newest 16 numbers
    # now hold that one post, but the newest 16 rows hold the word.
    monkeypatch.setattr(search, "NEWEST_FIRST_SPAN", 16)
    services.post_create(title="번호가 아주 큰 글", author="테스트뉴스", number=2_000_000_000)
    index = search._PostgresIndex()
    match = index.match([search._plan("반도체")], "title_body")
    assert index.newest("default", match) is None  # the walk starts at the top, as it should


@pytest.fixture
def slow_lists(board):
    """Make every list query of the board (not the index probe) first wait
    `slow_lists.seconds` in the same transaction, as a loaded server would."""

    class Slowness:
        seconds = 0.0

    def wait(execute, sql, params, many, context):
        if Slowness.seconds and 'FROM "articles_post"' in sql:
            context["cursor"].execute("SELECT pg_sleep(%s)", [Slowness.seconds])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wait):
        yield Slowness


SLOW = "검색이 너무 오래 걸려 멈췄습니다"


def test_a_search_query_past_the_limit_gives_a_503_page_nobody_keeps(slow_lists, client, settings):
    settings.SEARCH_TIMEOUT = 0.3
    slow_lists.seconds = 1
    response = client.get("/", {"q": "경제"})
    assert response.status_code == 503
    assert response["Cache-Control"] == "no-store" and response["Retry-After"] == "30"
    page = response.content.decode()
    assert SLOW in page
    assert 'value="경제"' in page  # the search box keeps the query, to narrow it
    slow_lists.seconds = 0
    again = client.get("/", {"q": "경제"})  # not served from the page cache
    assert again.status_code == 200 and len(again.context["page"].rows) == 20


def test_the_limit_is_for_the_whole_request_not_each_query(slow_lists, client, settings):
    # The article page runs five list queries; each alone would be in time.
    settings.SEARCH_TIMEOUT = 1
    slow_lists.seconds = 0.3
    response = client.get("/posts/7/", {"q": "경제"})
    assert response.status_code == 200  # the article is what was asked for
    assert response.context["post"].number == 7
    assert SLOW in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    slow_lists.seconds = 0
    again = client.get("/posts/7/", {"q": "경제"})
    assert SLOW not in again.content.decode() and again.context["page"].rows


def test_a_slow_searched_feed_answers_503(slow_lists, client, settings):
    settings.SEARCH_TIMEOUT = 0.3
    slow_lists.seconds = 1
    response = client.get("/feed/", {"q": "경제"})
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "검색이 너무 오래 걸려" in response.content.decode()


def test_a_query_that_cleans_to_nothing_is_no_search_and_has_no_limit(slow_lists, client, settings):
    settings.SEARCH_TIMEOUT = 0.3
    slow_lists.seconds = 0.5
    response = client.get("/", {"q": "\x1b"})
    assert response.status_code == 200
    assert [row.number for row in response.context["page"].rows][:1] == [400]


def test_a_search_leaves_no_setting_behind_in_a_longer_transaction(board, client, monkeypatch):
    # Tests run in a transaction, as views do under ATOMIC_REQUESTS: the
    # search's settings must end with its savepoint.
    monkeypatch.setattr(search, "PROBE_LIMIT", 10)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in search._PLANNER))
        before = cursor.fetchone()
    response = client.get("/", {"q": "경제 반도체"})
    assert response.status_code == 200 and response.context["page"].rows
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in search._PLANNER))
        assert cursor.fetchone() == before
