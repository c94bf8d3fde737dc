"""/feed/: Atom, newest 50 public posts, every board filter honoured; parsed with feedparser."""

import datetime as dt

import feedparser

from .conftest import seoul


def parse(client, params=None):
    response = client.get("/feed/", params or {})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return feedparser.parse(response.content)


def test_the_feed_has_the_newest_50_public_posts_in_order(client, make_post):
    posts = [make_post(title=f"소식 {i}") for i in range(55)]
    make_post(title="숨긴 글", status="hidden")
    feed = parse(client)
    assert feed.feed.title == "뉴스보드 게시판"
    assert [e.title for e in feed.entries] == [p.title for p in reversed(posts)][:50]
    assert feed.entries[0].link == f"http://testserver{posts[-1].get_absolute_url()}"


def test_the_feed_is_named_after_the_site(client, make_post, settings):
    settings.SITE_NAME = "오늘뉴스"
    make_post(title="트럼프 관세")
    feed = parse(client)
    assert (feed.feed.title, feed.feed.subtitle) == ("오늘뉴스 게시판", "오늘뉴스의 새 글")
    feed = parse(client, {"q": "트럼프"})
    assert (feed.feed.title, feed.feed.subtitle) == (
        "오늘뉴스: ‘트럼프’ 검색",
        "오늘뉴스: ‘트럼프’ 검색 결과의 새 글",
    )


def test_the_feed_honours_the_search_and_dates(client, make_post):
    make_post(title="트럼프 관세", published_at=seoul(2025, 2, 1, 9))
    make_post(title="트럼프 회담", published_at=seoul(2025, 2, 3, 9))
    make_post(title="날씨", published_at=seoul(2025, 2, 3, 10))
    feed = parse(client, {"q": "트럼프", "field": "title", "date_from": "2025-02-02"})
    assert [e.title for e in feed.entries] == ["트럼프 회담"]
    assert feed.feed.title == "뉴스보드: ‘트럼프’ 검색"


def test_feed_times_are_in_seoul_and_exact(client, make_post):
    make_post(
        title="아침 기사", published_at=seoul(2025, 2, 23, 7, 5), body_html="<p>요약될 본문</p>"
    )
    (entry,) = parse(client).entries
    assert entry.published == "2025-02-23T07:05:00+09:00"
    published = dt.datetime(*entry.published_parsed[:6], tzinfo=dt.UTC)
    assert published == dt.datetime(2025, 2, 22, 22, 5, tzinfo=dt.UTC)
    assert entry.summary == "요약될 본문"
    assert entry.author == "테스트뉴스"


def test_the_board_links_its_feed_for_the_current_search(client, make_post):
    make_post(title="트럼프 관세")
    html = client.get("/", {"q": "트럼프"}).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="‘트럼프’ 검색 구독" href="/feed/?q=%ED%8A%B8%EB%9F%BC%ED%94%84">'
        in html
    )
    assert (
        '<a class="reset feed-link" href="/feed/?q=%ED%8A%B8%EB%9F%BC%ED%94%84">이 검색 구독</a>'
        in html
    )


def test_a_bad_feed_query_still_gives_a_feed(client, make_post):
    make_post()
    feed = parse(client, {"date_from": "2025-13-40", "q": "x" * 500, "field": "nope"})
    assert len(feed.entries) == 1


def test_a_scheduled_post_enters_the_feed_exactly_when_due(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0), tick=False)
    make_post(title="지금 글", published_at=seoul(2025, 3, 1, 11, 0))
    make_post(title="예약 글", published_at=seoul(2025, 3, 1, 13, 0))
    assert [e.title for e in parse(client).entries] == ["지금 글"]
    time_machine.move_to(seoul(2025, 3, 1, 12, 59, 59), tick=False)
    assert [e.title for e in parse(client).entries] == ["지금 글"]
    time_machine.move_to(seoul(2025, 3, 1, 13, 0), tick=False)
    assert [e.title for e in parse(client).entries] == ["예약 글", "지금 글"]


def test_a_scheduled_post_is_updated_no_earlier_than_it_is_published(
    client, make_post, time_machine
):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0), tick=False)  # saved at noon, due at one
    make_post(title="예약 글", published_at=seoul(2025, 3, 1, 13, 0))
    time_machine.move_to(seoul(2025, 3, 1, 14, 0), tick=False)
    feed = parse(client)
    (entry,) = feed.entries
    assert entry.published == entry.updated == "2025-03-01T13:00:00+09:00"
    assert feed.feed.updated == "2025-03-01T13:00:00+09:00"


def test_control_characters_in_a_search_do_not_break_the_feed(client, make_post):
    make_post(title="트럼프 관세")
    feed = parse(client, {"q": "트럼프\x1b"})
    assert [e.title for e in feed.entries] == ["트럼프 관세"]
    assert feed.feed.title == "뉴스보드: ‘트럼프’ 검색"


def test_control_characters_in_a_post_do_not_break_the_feed(client, make_post):
    # XML cannot carry them: pasted into a title or a body, they are dropped on the way in.
    make_post(
        title="트럼프\x1b 관세\x0c발표", author="통신\x01사", body_html="<p>본문\x08입니다</p>"
    )
    entry = parse(client).entries[0]
    assert (entry.title, entry.author) == ("트럼프 관세 발표", "통신사")
    assert "본문입니다" in entry.summary


def test_noncharacters_in_a_post_or_a_search_do_not_break_the_feed(client, make_post):
    # U+FFFF typed, or sent as a character reference that nh3 decodes.
    from xml.etree import ElementTree

    make_post(title="비문자 \uffff 제목", body_html="<p>본문 &#xFFFF;&#xFFFE; 끝</p>")
    for params in ({}, {"q": "비문자\uffff"}):
        response = client.get("/feed/", params)
        root = ElementTree.fromstring(response.content)  # well-formed, or this raises
        titles = [e.text for e in root.iter("{http://www.w3.org/2005/Atom}title")]
        assert "비문자  제목" in titles


def test_a_post_scheduled_overnight_enters_the_feed_when_due_after_newer_numbers(
    client, make_post, time_machine
):
    from articles.feeds import FEED_SIZE

    time_machine.move_to(seoul(2025, 3, 1, 22, 0), tick=False)
    make_post(title="아침 예약 글", published_at=seoul(2025, 3, 2, 9, 0))
    for minute in range(FEED_SIZE + 10):  # published overnight, with higher numbers
        make_post(title=f"밤 소식 {minute}", published_at=seoul(2025, 3, 1, 23, minute % 60))
    time_machine.move_to(seoul(2025, 3, 2, 9, 0, 1), tick=False)
    entries = parse(client).entries
    assert len(entries) == FEED_SIZE
    assert entries[0].title == "아침 예약 글"
