from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Post

from .conftest import seoul


def test_the_demo_article_shows_title_meta_body_and_source(client, demo_board):
    response = client.get("/posts/46181/")
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<h1 id="article-title">시진핑이 불러모은 中 빅테크…알리바바, AI·클라우드에 3년간 220조 원 투자</h1>'
        in html
    )
    assert "<dd>랭크뉴스</dd>" in html
    assert "2025.02.23 16:24" in html
    assert "<h3>[앵커]</h3>" in html and "<h3>[리포트]</h3>" in html
    assert "<blockquote><p>[로빈 리/중국 바이두 CEO/11일 :" in html
    assert "김효신 기자 · 촬영기자:안용습/영상출처:옴니휴먼AI·바이두/영상편집:김철" in html
    assert 'href="https://news.kbs.co.kr/" rel="noopener nofollow">KBS 원문 보기</a>' in html


def test_a_post_without_a_body_says_so(client, demo_board, make_post):
    html = client.get("/posts/46201/").content.decode()  # a board row of the demo: a title only
    assert '<p class="article-empty">본문이 없는 글입니다.</p>' in html
    post = make_post(source_url="https://news.example/2")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "본문이 없는 글입니다. 기사는 아래 원문에서 읽을 수 있습니다." in html
    assert "article-empty" not in client.get("/posts/46181/").content.decode()  # the KBS article


def test_a_source_without_a_name_reads_plainly(client, make_post):
    post = make_post(source_url="https://news.example/1")
    html = client.get(post.get_absolute_url()).content.decode()
    assert '출처: <a href="https://news.example/1" rel="noopener nofollow">원문 보기</a>' in html


def test_previous_and_next_follow_the_board_order(client, make_post):
    a, b, c = make_post(), make_post(), make_post()
    response = client.get(b.get_absolute_url())
    assert response.context["newer"] == c  # 이전글: the row above
    assert response.context["older"] == a  # 다음글: the row below


def test_previous_and_next_stay_within_the_search(client, make_post):
    first = make_post(title="트럼프 관세")
    make_post(title="다른 소식")
    second = make_post(title="트럼프 회담")
    make_post(title="또 다른 소식")
    response = client.get(second.get_absolute_url(), {"q": "트럼프"})
    assert response.context["older"] == first
    assert response.context["newer"] is None
    html = response.content.decode()
    assert f'href="/posts/{first.number}/?q=%ED%8A%B8%EB%9F%BC%ED%94%84" rel="next"' in html
    assert '<a class="button" href="/?q=%ED%8A%B8%EB%9F%BC%ED%94%84">목록</a>' in html


def test_the_board_under_the_article_is_the_page_holding_it_with_its_row_marked(client, make_post):
    posts = [make_post() for _ in range(45)]
    target = posts[10]  # 35th row from the top: page 2
    response = client.get(target.get_absolute_url())
    page = response.context["page"]
    assert page.number == 2
    assert target in page.rows
    html = response.content.decode()
    assert (
        f'<tr class="is-current" aria-current="page">\n        <td class="col-num">{target.number}</td>'
        in html
    )
    assert '<a class="button" href="/?page=2">목록</a>' in html


def test_a_notice_is_read_above_page_1_between_the_other_notices(client, make_post):
    posts = [make_post(is_notice=n in (3, 9, 40)) for n in range(1, 61)]
    response = client.get(posts[8].get_absolute_url())  # notice no. 9
    assert response.context["page"].number == 1
    assert (response.context["newer"], response.context["older"]) == (posts[39], posts[2])
    assert '<a class="button" href="/">목록</a>' in response.content.decode()


def test_an_article_far_down_a_search_shows_the_first_page_of_it(client, make_post, settings):
    settings.BOARD_COUNT_LIMIT = 2  # a filtered list is counted up to 20 rows above a post
    posts = [make_post(title=f"경제 소식 {i}") for i in range(45)]
    near = client.get(posts[24].get_absolute_url(), {"q": "경제"})  # 20 rows above it
    assert near.context["page"].number == 2
    assert posts[24] in near.context["page"].rows
    far = client.get(posts[23].get_absolute_url(), {"q": "경제"})  # 21
    assert far.context["page"].number == 1
    assert far.context["older"] == posts[22]  # 이전글/다음글 still follow the search
    assert "목록의 첫 페이지를 보여 드립니다" in far.content.decode()


def test_an_article_opened_deep_in_a_search_returns_to_the_page_it_was_opened_from(
    client, make_post, monkeypatch
):
    import re

    from articles import search

    posts = [make_post(title=f"경제 소식 {i}") for i in range(75)]
    # More matches than are counted: the list pages on with `from` links.
    monkeypatch.setattr(search, "PROBE_LIMIT", 5)
    monkeypatch.setattr(search, "VERIFY_LIMIT", 5)
    board = client.get("/", {"q": "경제", "page": 3}).content.decode()
    target = posts[74 - 45]  # the 46th row: page 3
    link = re.search(rf'href="(/posts/{target.number}/\?[^"]+)"', board).group(1)
    assert "page=3" in link

    response = client.get(link.replace("&amp;", "&"))
    page = response.context["page"]
    assert page.number == 3 and target in page.rows
    html = response.content.decode()
    assert "목록의 첫 페이지" not in html
    list_link = re.search(r'<a class="button" href="([^"]+)">목록</a>', html).group(1)
    assert "page=3" in list_link
    # Its neighbours on the page say the same page.
    older = response.context["older"]
    assert f'href="/posts/{older.number}/?q=%EA%B2%BD%EC%A0%9C&amp;page=3' in html

    # The first row's 이전글 is on page 2, the last row's 다음글 on page 4.
    top, bottom = page.rows[0], page.rows[-1]
    for post, rel, other_page in ((top, "prev", 2), (bottom, "next", 4)):
        html = client.get(post.get_absolute_url() + link[link.index("?") :].replace("&amp;", "&"))
        html = html.content.decode()
        neighbour = re.search(rf'href="([^"]+)" rel="{rel}"', html).group(1).replace("&amp;", "&")
        assert f"page={other_page}" in neighbour
        opened = client.get(neighbour).context["page"]
        assert opened.number == other_page

    # A page the post is not on (a stale link) is not believed.
    stale = client.get(target.get_absolute_url(), {"q": "경제", "page": 2})
    assert stale.context["page"].number == 1
    assert "목록의 첫 페이지" in stale.content.decode()


def test_the_list_link_keeps_date_filters(client, make_post):
    post = make_post(published_at=seoul(2025, 1, 5, 10))
    response = client.get(
        post.get_absolute_url(), {"date_from": "2025-01-05", "date_to": "2025-01-05"}
    )
    assert response.context["list_url"] == "/?date_from=2025-01-05&date_to=2025-01-05"


def test_unknown_hidden_draft_and_future_posts_are_404(client, make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12))
    hidden = make_post(status=Post.Status.HIDDEN)
    draft = make_post(status=Post.Status.DRAFT)
    future = make_post(published_at=seoul(2025, 3, 2))
    for url in [
        "/posts/999999/",
        hidden.get_absolute_url(),
        draft.get_absolute_url(),
        future.get_absolute_url(),
    ]:
        response = client.get(url)
        assert response.status_code == 404
        assert "페이지를 찾을 수 없습니다" in response.content.decode()


def test_a_number_with_leading_zeros_redirects_to_the_articles_one_url(client, make_post):
    post = make_post(number=46206)
    response = client.get("/posts/046206/", {"q": "관세", "page": "2"})
    assert response.status_code == 301
    assert response["Location"] == "/posts/46206/?q=%EA%B4%80%EC%84%B8&page=2"
    assert client.get("/posts/0046206/")["Location"] == post.get_absolute_url()
    assert client.get("/posts/00/").status_code == 404


def test_pages_carry_the_sites_name(client, make_post, settings):
    settings.SITE_NAME = "오늘뉴스"
    post = make_post(title="첫 기사")
    article = client.get(post.get_absolute_url()).content.decode()
    assert "<title>첫 기사 - 오늘뉴스</title>" in article
    assert '<a class="site-name" href="/">오늘뉴스</a>' in article
    assert "<p>오늘뉴스 · 뉴스 모아보기 게시판</p>" in article
    board = client.get("/").content.decode()
    assert "<title>오늘뉴스</title>" in board
    assert '<h1 class="visually-hidden">오늘뉴스 게시판</h1>' in board
    assert '<meta name="description" content="오늘뉴스: 한국 뉴스 모아보기 게시판">' in board
    found = client.get("/", {"q": "기사"}).content.decode()
    assert "<title>‘기사’ 검색 결과 - 오늘뉴스</title>" in found
    missing = client.get("/posts/999999/").content.decode()
    assert '<a class="site-name" href="/">오늘뉴스</a>' in missing
    assert "<title>페이지를 찾을 수 없습니다 - 오늘뉴스</title>" in missing
    assert "뉴스보드" not in board + article + found + missing


def test_the_body_is_sanitised(client, make_post):
    post = make_post(
        body_html='<p onclick="x()">본문</p><script>alert(1)</script><a href="javascript:x">링크</a>'
    )
    html = client.get(post.get_absolute_url()).content.decode()
    assert "<p>본문</p>" in html
    assert "<script>alert" not in html and "javascript:" not in html and "onclick" not in html


def _article_queries(client, post) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(post.get_absolute_url()).status_code == 200
    return len(queries)


def test_the_article_query_count_does_not_grow_with_the_rows(client, make_post):
    posts = [make_post(author=f"글쓴이 {i}") for i in range(3)]
    few = _article_queries(client, posts[1])
    more = [make_post(author=f"글쓴이 {i}") for i in range(3, 40)]
    make_post(is_notice=True)
    assert _article_queries(client, more[20]) == few
