import datetime as dt
import html
import json
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services
from articles.models import Post

from .conftest import numbers, seoul

SEED_ROWS = json.loads(
    (Path(__file__).parents[1] / "articles" / "data" / "demo_board.json").read_text()
)["rows"]


def row_texts(html: str) -> list[str]:
    """The visible text of each board row (number, title, author, date)."""
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)[1:]  # skip the header row
    # collapse the template's ASCII whitespace, keep a title's own no-break spaces
    return [re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", r)).strip() for r in rows]


def test_page_one_shows_the_seed_rows_in_order(client, demo_board):
    response = client.get("/")
    assert response.status_code == 200
    assert numbers(response) == list(range(46201, 46181, -1))
    texts = row_texts(response.content.decode())
    assert len(texts) == 20
    for text, row in zip(texts, SEED_ROWS, strict=True):
        assert html.unescape(text) == f"{row['number']} {row['title']} 랭크뉴스 2025.02.23"


def test_the_kbs_article_is_on_page_two(client, demo_board):
    response = client.get("/?page=2")
    assert numbers(response) == [46181]
    assert "시진핑이 불러모은 中 빅테크" in response.content.decode()


def test_loading_the_demo_twice_changes_nothing(demo_board):
    before = list(Post.objects.values_list("number", "title", "updated_at"))
    from django.core.management import call_command

    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Post.objects.values_list("number", "title", "updated_at")) == before


def test_the_page_is_korean_with_a_skip_link_and_a_real_table(client, demo_board):
    html = client.get("/").content.decode()
    assert '<html lang="ko">' in html
    assert '<a class="skip-link" href="#content">본문 바로가기</a>' in html
    assert '<main id="content"' in html
    assert "<caption" in html
    assert html.count('scope="col"') == 4


def test_page_links_come_in_blocks_of_ten(client, make_post):
    for _ in range(20 * 25):
        make_post()
    response = client.get("/?page=12")
    page = response.context["page"]
    assert [link.number for link in page.links] == list(range(11, 21))
    assert (page.first.number, page.previous_block.number) == (1, 10)
    assert (page.next_block.number, page.last.number) == (21, 25)
    html = response.content.decode()
    assert 'aria-current="page">12<' in html
    assert ">처음<" in html and ">이전<" in html and ">다음<" in html and ">맨끝<" in html


def test_the_first_block_has_no_links_back(client, make_post):
    for _ in range(20 * 11):
        make_post()
    page = client.get("/").context["page"]
    assert page.first is None and page.previous_block is None
    assert page.next_block.number == 11 and page.last.number == 11


def test_page_links_keep_every_filter(client, make_post):
    for _ in range(45):
        make_post(title="중국 경제 소식")
    response = client.get("/?q=중국&field=title&date_from=2025-01-01&date_to=2025-01-02")
    page = response.context["page"]
    for link in page.links:
        assert "q=%EC%A4%91%EA%B5%AD" in link.url
        assert "field=title" in link.url
        assert "date_from=2025-01-01" in link.url and "date_to=2025-01-02" in link.url
    assert page.links[1].url.endswith("page=2")


def test_notices_are_pinned_above_the_rows(client, make_post):
    for _ in range(25):
        make_post()
    notice = make_post(title="게시판 이용 안내", is_notice=True)
    response = client.get("/")
    assert [n.number for n in response.context["notices"]] == [notice.number]
    assert notice.number not in numbers(response)
    html = response.content.decode()
    assert html.index("게시판 이용 안내") < html.index("테스트 글 25")
    assert '<span class="badge">공지</span>' in html
    # pinned on the next page too
    assert [n.number for n in client.get("/?page=2").context["notices"]] == [notice.number]


def test_hidden_draft_and_scheduled_posts_are_not_listed(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0))
    shown = make_post()
    make_post(status=Post.Status.HIDDEN)
    make_post(status=Post.Status.DRAFT)
    make_post(published_at=seoul(2025, 3, 2))
    assert numbers(client.get("/")) == [shown.number]


def test_todays_posts_show_the_time_and_older_ones_the_date(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 2, 23, 20, 0))
    make_post(title="오늘 아침 글", published_at=seoul(2025, 2, 23, 0, 5))
    make_post(title="어제 밤 글", published_at=seoul(2025, 2, 22, 23, 55))
    texts = row_texts(client.get("/").content.decode())
    assert texts == [
        "2 어제 밤 글 N 새 글 테스트뉴스 2025.02.22",
        "1 오늘 아침 글 N 새 글 테스트뉴스 00:05",
    ]


def test_rows_link_their_article_and_carry_a_machine_readable_seoul_time(client, make_post):
    post = make_post(published_at=seoul(2025, 2, 23, 18, 40))
    page = client.get("/").content.decode()
    assert f'<a href="/posts/{post.number}/">' in page
    assert '<time datetime="2025-02-23T18:40:00+09:00">2025.02.23</time>' in page


def test_article_links_follow_the_script_prefix(make_post):
    from django.urls import set_script_prefix

    post = make_post()
    try:
        set_script_prefix("/news/")
        assert post.get_absolute_url() == f"/news/posts/{post.number}/"
    finally:
        set_script_prefix("/")
    assert post.get_absolute_url() == f"/posts/{post.number}/"


def test_dates_are_shown_in_seoul_time(client, make_post, time_machine):
    time_machine.move_to(dt.datetime(2025, 2, 24, 3, 0, tzinfo=dt.UTC))  # 12:00 in Seoul
    make_post(title="서울 자정 직후", published_at=dt.datetime(2025, 2, 23, 15, 30, tzinfo=dt.UTC))
    assert row_texts(client.get("/").content.decode())[0].endswith("00:30")


def test_the_new_mark_is_on_posts_younger_than_24_hours(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0))
    make_post(title="하루 안 된 글", published_at=seoul(2025, 2, 28, 12, 1))
    make_post(title="하루 지난 글", published_at=seoul(2025, 2, 28, 11, 59))
    texts = row_texts(client.get("/").content.decode())
    assert "새 글" in texts[1] and "하루 안 된 글" in texts[1]
    assert "새 글" not in texts[0] and "하루 지난 글" in texts[0]


def test_an_empty_board_says_so(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert "글이 없습니다." in response.content.decode()


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries)


def test_the_board_query_count_does_not_grow_with_the_rows(client, make_post):
    make_post(is_notice=True)
    make_post(author="다른뉴스")
    few = _board_queries(client)
    for i in range(30):
        make_post(author=f"글쓴이 {i}")
    make_post(is_notice=True, author="공지 담당")
    assert _board_queries(client) == few


@pytest.mark.parametrize("field", ["title", "body", "title_body", "author"])
def test_the_search_form_remembers_its_field_and_query(client, make_post, field):
    make_post(title="중국 뉴스")
    html = client.get("/", {"q": "중국", "field": field}).content.decode()
    assert f'<option value="{field}" selected>' in html
    assert 'value="중국"' in html


def test_editing_through_the_service_shows_on_the_board(client, make_post):
    post = make_post(title="예전 제목")
    services.post_update(post=post, title="새 제목")
    assert "새 제목" in client.get("/").content.decode()


def test_a_repeated_board_request_is_served_from_the_page_cache(client, make_post):
    make_post(title="캐시된 글")
    first = client.get("/", {"q": "캐시"})
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/", {"q": "캐시"})
    assert again.content == first.content
    assert len(queries) == 1  # the board revision, nothing else


def test_an_edit_shows_on_the_very_next_request(client, make_post):
    post = make_post(title="고치기 전 제목", body_html="<p>처음 본문</p>")
    assert "고치기 전 제목" in client.get("/").content.decode()
    assert numbers(client.get("/", {"q": "처음", "field": "body"})) == [post.number]
    services.post_update(post=post, title="고친 뒤 제목")
    assert "고친 뒤 제목" in client.get("/").content.decode()
    services.body_save(post=post, html="<p>새 본문</p>")
    assert numbers(client.get("/", {"q": "처음", "field": "body"})) == []


def test_cached_pages_expire_so_new_marks_and_times_stay_right(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0), tick=False)
    make_post(title="막 올라온 글", published_at=seoul(2025, 3, 1, 11, 0))
    assert "새 글" in row_texts(client.get("/").content.decode())[0]
    time_machine.move_to(seoul(2025, 3, 2, 11, 30), tick=False)  # 24.5 hours later
    assert "새 글" not in row_texts(client.get("/").content.decode())[0]


def test_date_presets_keep_the_search_and_mark_the_current_one(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 31, 12, 0), tick=False)
    make_post(title="오늘 글", published_at=seoul(2025, 3, 31, 9, 0))
    make_post(title="지난주 글", published_at=seoul(2025, 3, 26, 9, 0))
    make_post(title="지난달 글", published_at=seoul(2025, 3, 1, 9, 0))
    make_post(title="오래된 글", published_at=seoul(2025, 2, 27, 9, 0))
    response = client.get("/", {"q": "글", "field": "title"})
    presets = {p["label"]: p for p in response.context["date_presets"]}
    assert (
        presets["오늘"]["url"]
        == "/?q=%EA%B8%80&field=title&date_from=2025-03-31&date_to=2025-03-31"
    )
    assert presets["최근 1주"]["url"].endswith("date_from=2025-03-25&date_to=2025-03-31")
    assert presets["최근 1개월"]["url"].endswith("date_from=2025-02-28&date_to=2025-03-31")
    week = client.get(presets["최근 1주"]["url"])
    assert [r.title for r in week.context["page"].rows] == ["지난주 글", "오늘 글"]  # by number
    assert (
        '<a href="/?q=%EA%B8%80&amp;field=title&amp;date_from=2025-03-25&amp;date_to=2025-03-31" aria-current="true">최근 1주</a>'
        in week.content.decode()
    )
    month = client.get(presets["최근 1개월"]["url"])
    assert len(month.context["page"].rows) == 3


def test_a_notice_found_by_a_search_keeps_its_mark(client, make_post):
    make_post(title="게시판 이용 안내", is_notice=True)
    make_post(title="이용 요금 인상")
    response = client.get("/", {"q": "이용"})
    assert row_texts(response.content.decode()) == [
        "2 이용 요금 인상 테스트뉴스 2025.01.01",
        "공지 게시판 이용 안내 테스트뉴스 2025.01.01",
    ]


def test_a_search_by_author_marks_the_author(client, make_post):
    make_post(title="랭크 소식", author="랭크뉴스")
    body = client.get("/", {"q": "랭크", "field": "author"}).content.decode()
    assert '<td class="col-author"><mark>랭크</mark>뉴스</td>' in body
    assert "<mark>랭크</mark> 소식" not in body  # titles were not searched


def test_terms_past_the_tenth_are_said_to_be_left_out(client, make_post):
    make_post(title="가 나 다 라 마 바 사 아 자 차")
    response = client.get("/", {"q": "가 나 다 라 마 바 사 아 자 차 없는말"})
    assert numbers(response) == [1]
    assert "검색어는 10개까지 쓸 수 있어 앞의 10개로 찾았습니다." in response.content.decode()


def test_an_empty_result_says_so_without_page_numbers(client, make_post):
    make_post(title="날씨")
    body = client.get("/", {"q": "없는말", "page": "2"}).content.decode()
    assert "‘없는말’에 맞는 글이 없습니다." in body and "마지막 페이지" not in body


def test_a_dated_list_says_its_period_in_the_heading_and_the_title(client, make_post):
    for day in (4, 5, 6):
        make_post(title=f"2월 {day}일 소식", published_at=seoul(2025, 2, day, 12, 0))
    html = client.get("/", {"date_from": "2025-02-05", "date_to": "2025-02-06"}).content.decode()
    assert '게시판 <span class="period">2025.02.05 ~ 2025.02.06</span>' in html
    assert "<title>2025.02.05 ~ 2025.02.06 - 뉴스보드</title>" in html
    html = client.get("/", {"date_from": "2025-02-05", "date_to": "2025-02-05"}).content.decode()
    assert '<span class="period">2025.02.05</span>' in html
    html = client.get("/", {"q": "소식", "date_from": "2025-02-05"}).content.decode()
    assert "<title>‘소식’ 검색 결과 - 2025.02.05부터 - 뉴스보드</title>" in html


def test_a_list_unfurls_as_a_card_with_its_own_address(client, make_post):
    for _ in range(25):
        make_post(title="소식")
    html = client.get("/", {"q": "소식", "page": "2", "utm_source": "kakao"}).content.decode()
    assert "<title>‘소식’ 검색 결과 - 2쪽 - 뉴스보드</title>" in html
    assert '<meta property="og:title" content="‘소식’ 검색 결과">' in html
    assert '<meta property="og:description" content="뉴스보드에서 찾은 글 25건">' in html
    assert (
        '<meta property="og:url" content="http://testserver/?q=%EC%86%8C%EC%8B%9D&amp;page=2">'
        in html
    )
    assert '<meta property="og:image" content="http://testserver/static/og-default.png' in html
