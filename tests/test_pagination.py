"""Paging at depth: anchors for the board, capped totals for searches."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services
from articles.models import Post

from .conftest import numbers, seoul


@pytest.fixture
def big_board(make_post):
    posts = [make_post(title=f"경제 소식 {i}") for i in range(205)]
    services.posts_set_status(
        posts=Post.objects.filter(number__in=[7, 50, 51, 120]), status=Post.Status.HIDDEN
    )
    services.posts_set_notice(posts=Post.objects.filter(number__in=[100, 150]), is_notice=True)
    return posts


def walk(client, params=None) -> list[int]:
    seen, page = [], 1
    while True:
        response = client.get("/", {**(params or {}), "page": page})
        seen += numbers(response)
        if page >= response.context["page"].num_pages:
            return seen
        page += 1


def public_rows() -> list[int]:
    return list(
        Post.objects.published().rows().order_by("-number").values_list("number", flat=True)
    )


def test_date_filters_find_every_post_when_dates_and_numbers_disagree(client, make_post, settings):
    settings.BOARD_PAGE_SIZE = 3  # many pages, so page dates matter
    day = lambda n: seoul(2024, 1, 1, 9) + dt.timedelta(days=n)  # noqa: E731
    dated = {}
    for n in range(1, 31):
        # An archive imported late: numbers 24..26 carry the oldest dates.
        when = day(n - 24) if 24 <= n <= 26 else day(n)
        make_post(number=n, published_at=when, is_notice=n in (12, 25))
        dated[n] = when
    services.posts_set_status(posts=Post.objects.filter(number=7), status="hidden")
    public = {n: when for n, when in dated.items() if n != 7}
    for start, end in [(None, 5), (3, 10), (20, None), (0, 0), (29, 40), (40, None), (None, -5)]:
        params = {}
        if start is not None:
            params["date_from"] = day(start).date().isoformat()
        if end is not None:
            params["date_to"] = day(end).date().isoformat()
        expected = sorted(
            (
                n
                for n, when in public.items()
                if (start is None or when.date() >= day(start).date())
                and (end is None or when.date() <= day(end).date())
            ),
            reverse=True,
        )
        assert walk(client, params) == expected, params


def test_an_old_date_range_is_read_from_its_own_numbers(client, make_post):
    for n in range(1, 101):
        make_post(published_at=seoul(2024, 1, 1, 9) + dt.timedelta(days=n))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/", {"date_to": "2024-01-10"})
    assert numbers(response) == list(range(9, 0, -1))
    # The rows are read from number 9 (or a page above it) down, not from 100.
    pages = [q["sql"] for q in queries if "LIMIT 20" in q["sql"]]
    bounds = [int(m) for sql in pages for m in re.findall(r'"number" <= (\d+)', sql)]
    assert pages and bounds and max(bounds) < 100


def test_a_post_due_while_the_board_state_is_computed_is_not_left_out(make_post, time_machine):
    from articles import pagination

    time_machine.move_to(seoul(2025, 3, 1, 12, 0, 0), tick=False)
    for _ in range(3):
        make_post(published_at=seoul(2025, 3, 1, 11, 0))
    due = make_post(published_at=seoul(2025, 3, 1, 12, 0, 1))
    rows = Post.objects.published().rows()  # the request's moment: due is not public yet
    time_machine.move_to(seoul(2025, 3, 1, 12, 0, 2), tick=False)  # …but is now
    state = pagination.board_state(rows)
    assert (state.count, state.anchors[0]) == (4, due.number)


def test_walking_every_page_shows_each_row_once_in_order(client, big_board):
    assert walk(client) == public_rows()
    assert len(public_rows()) == 205 - 4 - 2


def test_page_numbers_follow_hiding_pinning_and_deleting(client, big_board):
    before = numbers(client.get("/", {"page": 5}))
    services.posts_set_status(posts=Post.objects.filter(number=200), status=Post.Status.HIDDEN)
    after_hide = numbers(client.get("/", {"page": 5}))
    assert after_hide[0] == before[1]  # everything moved up one row
    services.posts_set_notice(posts=Post.objects.filter(number=199), is_notice=True)
    Post.objects.filter(number=198).delete()
    assert walk(client) == public_rows()
    response = client.get("/")
    assert response.context["page"].total == len(public_rows())


def _anchor_passes(client, path) -> tuple[int, str]:
    """How many times the request computed the board's page anchors, and its page."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(path).content.decode()
    return sum("row_number() OVER" in q["sql"] for q in queries), html


def test_editing_text_keeps_the_page_anchors_and_shows_the_edit(client, big_board):
    assert _anchor_passes(client, "/?page=3")[0] == 1
    post = Post.objects.get(number=160)  # on page 3
    services.post_update(post=post, title="고친 제목", body_html="<p>고친 본문</p>")
    services.author_get_or_create(name="새 언론사")
    passes, html = _anchor_passes(client, "/?page=3")
    assert passes == 0  # at a million posts, a pass takes 0.3 s
    assert "고친 제목" in html
    services.post_update(post=post, status=Post.Status.HIDDEN)
    passes, html = _anchor_passes(client, "/?page=3")
    assert passes == 1 and "고친 제목" not in html


def test_a_post_created_after_the_anchors_shows_on_page_one(client, big_board, make_post):
    client.get("/", {"page": 3})
    new = make_post(title="방금 올라온 글")
    assert numbers(client.get("/"))[0] == new.number
    assert walk(client) == public_rows()


def test_a_scheduled_post_moves_the_pages_when_it_comes_due(client, make_post, time_machine):

    time_machine.move_to(seoul(2025, 3, 1, 12, 0))
    for _ in range(25):
        make_post(published_at=seoul(2025, 3, 1, 9, 0))
    scheduled = make_post(published_at=seoul(2025, 3, 1, 13, 0))
    assert numbers(client.get("/", {"page": 2})) == [5, 4, 3, 2, 1]
    time_machine.move_to(seoul(2025, 3, 1, 13, 0, 1))
    assert numbers(client.get("/"))[0] == scheduled.number
    assert numbers(client.get("/", {"page": 2})) == [6, 5, 4, 3, 2, 1]


def test_the_article_page_shows_the_board_page_holding_an_old_post(client, big_board):
    oldest = Post.objects.published().rows().order_by("number").first()
    response = client.get(oldest.get_absolute_url())
    page = response.context["page"]
    assert page.number == page.num_pages
    assert oldest in page.rows


def test_search_totals_are_capped_and_deeper_pages_stay_reachable(client, big_board, settings):
    settings.BOARD_COUNT_LIMIT = 30
    response = client.get("/", {"q": "경제"})
    page = response.context["page"]
    assert page.total_capped and page.total == 30
    assert "30건 이상" in response.content.decode()
    assert page.last is None  # no 맨끝: the end is not counted
    found = walk(client, {"q": "경제"})
    expected = list(
        Post.objects.published()
        .filter(title__contains="경제")
        .order_by("-number")
        .values_list("number", flat=True)
    )
    assert found == expected


def test_search_totals_below_the_cap_are_exact(client, big_board, settings):
    settings.BOARD_COUNT_LIMIT = 30
    response = client.get("/", {"q": "소식 20", "field": "title"})
    # "소식" and "20" anywhere: 20, 120 and 200..204
    assert response.context["page"].total == 7
    assert not response.context["page"].total_capped


def test_a_very_common_word_shows_an_honest_lower_bound(client, make_post, monkeypatch):
    from articles import search

    for i in range(45):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 30)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 30)
    response = client.get("/", {"q": "경제"})
    page = response.context["page"]
    assert page.total_capped
    assert 31 >= page.total >= 30  # counted among the probed matches only
    assert f"{page.total}건 이상" in response.content.decode()
    assert walk(client, {"q": "경제"}) == list(range(45, 0, -1))


def test_a_lower_bound_counts_only_matches_within_the_dates(client, make_post, monkeypatch):
    from articles import search

    for i in range(45):
        in_february = i % 9 == 0  # 5 of the 45
        make_post(
            title=f"소식 {i}",
            body_html="<p>경제 이야기</p>",
            published_at=seoul(2025, 2 if in_february else 1, 3, 9, i),
        )
    monkeypatch.setattr(search, "PROBE_LIMIT", 30)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 30)
    query = {"q": "경제", "date_from": "2025-02-01", "date_to": "2025-02-28"}
    response = client.get("/", query)
    page = response.context["page"]
    # The index found more than it verifies, but a page that is not full,
    # counted from the top, is the last one: the total is exact.
    assert [row.number for row in page.rows] == [37, 28, 19, 10, 1]
    assert page.total == 5 and not page.total_capped
    assert "총 5건" in response.content.decode()
    response = client.get("/", {**query, "date_from": "2025-02-27"})
    assert response.context["page"].total == 0 and "건 이상" not in response.content.decode()


def test_absurd_search_pages_are_bounded_not_a_500(client, make_post, monkeypatch, settings):
    from articles import pagination, search

    for i in range(45):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 5)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 5)
    monkeypatch.setattr(pagination, "MAX_UNCOUNTED_PAGE", 2)
    response = client.get("/", {"q": "경제", "page": "10000000000000000000"})
    assert response.status_code == 200
    page = response.context["page"]
    assert page.number == 2 and [row.number for row in page.rows] == list(range(25, 5, -1))
    assert "한 번에 2쪽 앞까지" in response.content.decode()


def test_a_search_page_past_its_end_shows_a_page_that_has_rows(client, make_post, monkeypatch):
    from articles import search

    for i in range(25):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 5)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 5)
    response = client.get("/", {"q": "경제", "page": "100"})
    page = response.context["page"]
    # The real last page, counted, not the last of the pages counted before.
    assert page.number == 2 and [row.number for row in page.rows] == [5, 4, 3, 2, 1]
    html = response.content.decode()
    assert "100쪽에는 글이 없어 마지막 2쪽을 보여 드립니다" in html
    assert "총 25건 · 2/2쪽" in html
    # Past the pages a search may skip ahead (5,000), the message still names
    # the page asked for.
    html = client.get("/", {"q": "경제", "page": "99999"}).content.decode()
    assert "99,999쪽에는 글이 없어 마지막 2쪽을 보여 드립니다" in html


def test_a_lower_bound_never_claims_fewer_than_the_rows_shown(client, make_post, monkeypatch):
    from articles import search

    for i in range(45):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 3)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 3)
    page = client.get("/", {"q": "경제", "page": "2"}).context["page"]
    assert page.total_capped and page.total >= 40


def test_following_next_links_through_a_capped_search_walks_from_each_page(
    client, make_post, monkeypatch, settings
):
    """Past the counted total, each page's links start where it starts: page N
    is never an OFFSET of N pages from the top."""
    from articles import search

    settings.BOARD_COUNT_LIMIT = 30
    monkeypatch.setattr(search, "PROBE_LIMIT", 30)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 30)
    for i in range(250):
        make_post(title=f"경제 소식 {i}" if i % 5 else f"날씨 {i}")
    seen, offsets = [], []
    response = client.get("/", {"q": "경제"})
    while True:
        page = response.context["page"]
        seen += [row.number for row in page.rows]
        following = [link for link in page.links if link.number == page.number + 1]
        link = following[0] if following else page.next_block
        if link is None:
            break
        with CaptureQueriesContext(connection) as queries:
            response = client.get(link.url)
        offsets += [
            int(m)
            for q in queries
            if 'FROM "articles_post"' in q["sql"]  # the list's queries (not the index's)
            for m in re.findall(r"OFFSET (\d+)", q["sql"])
        ]
    expected = [n for n in range(250, 0, -1) if (n - 1) % 5]
    assert seen == expected  # every match once, in order, over 10 pages
    assert response.context["page"].number == 11 and not response.context["page"].rows
    assert "검색 결과는 10쪽에서 끝납니다" in response.content.decode()
    assert offsets and max(offsets) <= 20  # one page from where the last one started


def test_a_page_reached_through_a_start_keeps_its_earlier_links(client, make_post, settings):
    settings.BOARD_COUNT_LIMIT = 10
    for i in range(100):
        make_post(title=f"경제 소식 {i}")
    # (Page 3 of this list really starts at 60; a start it could have had, 55,
    # shows that the walk starts from it.)
    page = client.get("/", {"q": "경제", "page": 5, "from": "3-55"}).context["page"]
    assert [row.number for row in page.rows][:1] == [15]  # two pages below post 55
    assert "from=5-15" in page.url(6) and "from=3-55" in page.url(4)
    assert "from" not in page.url(2)  # before the known start: from the top
    # Page 99,998 cannot start at 70 on a board of 100: walked from the top.
    forged = client.get("/", {"q": "경제", "page": 99999, "from": "99998-70"}).context["page"]
    assert [row.number for row in forged.rows][:1] == [20]
    assert forged.number == 5 and forged.total == 100 and not forged.total_capped
    for odd in ("", "x", "3-", "-70", "9-70", "3-0", "0-70", "３-70", "3-70-1", "3-" + "9" * 40):
        response = client.get("/", {"q": "경제", "page": 5, "from": odd})
        assert response.status_code == 200
        assert [row.number for row in response.context["page"].rows][:1] == [20]  # from the top


def test_a_from_parameter_no_page_of_this_board_could_have_written_is_ignored(
    client, make_post, monkeypatch
):
    from articles import search

    for i in range(45):
        make_post(title=f"경제 소식 {i}")
    monkeypatch.setattr(search, "PROBE_LIMIT", 5)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 5)
    page = client.get("/", {"q": "경제", "page": 999_999_999, "from": "999999999-40"})
    # Walked from the top instead: the real last page, with the total counted.
    assert page.context["page"].number == 3
    assert "999,999,999/" not in page.content.decode() and "총 45건" in page.content.decode()
