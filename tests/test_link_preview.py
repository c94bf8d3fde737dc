"""Article pages unfurl: Open Graph, Twitter card and JSON-LD, read by parsing the HTML."""

import json
from html.parser import HTMLParser

from .conftest import seoul


class Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta, self.links, self.json_ld, self._in_ld = {}, {}, [], False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "meta" and ("property" in a or "name" in a):
            self.meta[a.get("property") or a.get("name")] = a.get("content")
        elif tag == "link" and "rel" in a:
            self.links[a["rel"]] = a.get("href")
        elif tag == "script" and a.get("type") == "application/ld+json":
            self._in_ld = True

    def handle_data(self, data):
        if self._in_ld:
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag):
        self._in_ld = False


def head_of(response) -> Head:
    parser = Head()
    parser.feed(response.content.decode())
    return parser


def test_the_demo_article_unfurls_with_title_summary_and_image(client, demo_board):
    head = head_of(client.get("/posts/46181/?q=중국&page=3"))
    title = "시진핑이 불러모은 中 빅테크…알리바바, AI·클라우드에 3년간 220조 원 투자"
    assert head.meta["og:title"] == title
    assert head.meta["og:type"] == "article"
    assert head.meta["og:locale"] == "ko_KR"
    assert head.meta["og:site_name"] == "뉴스보드"
    assert head.meta["og:url"] == "http://testserver/posts/46181/"
    assert head.links["canonical"] == "http://testserver/posts/46181/"  # no list context
    assert head.meta["og:description"].startswith("[앵커] 시진핑 중국 국가 주석이 며칠 전")
    assert 100 <= len(head.meta["og:description"]) <= 151
    assert head.meta["og:image"].endswith("og-default.png")
    assert head.meta["article:published_time"] == "2025-02-23T16:24:00+09:00"
    # No picture of its own: a small card, not the default panel as a blank banner.
    assert head.meta["twitter:card"] == "summary"
    (article,) = head.json_ld
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == title
    assert article["datePublished"] == "2025-02-23T16:24:00+09:00"
    assert article["author"]["name"] == "김효신"
    assert article["publisher"]["name"] == "뉴스보드"
    assert article["mainEntityOfPage"]["@id"] == "http://testserver/posts/46181/"


def descriptions(head) -> list[str]:
    return [
        head.meta["description"],
        head.meta["og:description"],
        head.meta["twitter:description"],
        head.json_ld[0]["description"],
    ]


def test_a_board_row_without_text_unfurls_with_its_author_date_and_title(client, demo_board):
    # The demo's board rows have no body, as many imported rows do.
    head = head_of(client.get("/posts/46201/"))
    title = "탈퇴 도미노냐 확산 기회냐…트럼프에 울고웃는 '일대일로'[트럼프 vs 시진핑①]"
    assert descriptions(head) == [f"랭크뉴스 · 2025.02.23 · {title}"] * 4


def test_an_article_of_photos_only_unfurls_with_its_source_date_and_title(client, make_post):
    post = make_post(
        title="봄꽃 사진",
        source_name="KBS",
        published_at=seoul(2025, 4, 1, 0, 30),  # 2025.03.31 in UTC: the date is Seoul's
        body_html='<figure><img src="https://img.example/a.jpg" alt=""></figure>',
    )
    head = head_of(client.get(post.get_absolute_url()))
    assert descriptions(head) == ["KBS · 2025.04.01 · 봄꽃 사진"] * 4


def test_the_first_body_image_is_the_preview_image_shown_large(client, make_post):
    post = make_post(body_html='<p>글</p><img src="https://img.example/a.jpg?x=1&amp;y=2" alt="">')
    head = head_of(client.get(post.get_absolute_url()))
    assert head.meta["og:image"] == "https://img.example/a.jpg?x=1&y=2"
    assert head.meta["twitter:image"] == "https://img.example/a.jpg?x=1&y=2"
    assert head.json_ld[0]["image"] == ["https://img.example/a.jpg?x=1&y=2"]
    assert head.meta["twitter:card"] == "summary_large_image"


def test_tracking_pixels_and_icons_are_not_the_preview_image(client, make_post):
    post = make_post(
        body_html='<p><img src="https://ad.example/pixel.gif" width="1" height="1">'
        '<img src="https://img.example/icon.png" width="400" height="48px">본문</p>'
        '<img src="https://img.example/photo.jpg" alt="사진" width="640">'
    )
    head = head_of(client.get(post.get_absolute_url()))
    assert head.meta["og:image"] == "https://img.example/photo.jpg"
    assert head.meta["twitter:card"] == "summary_large_image"


def test_an_article_with_only_a_tracking_pixel_has_the_default_image_and_a_small_card(
    client, make_post
):
    post = make_post(
        body_html='<p>본문</p><img src="https://ad.example/p.gif" width="1" height="1">'
    )
    head = head_of(client.get(post.get_absolute_url()))
    assert head.meta["og:image"] == "http://testserver/static/og-default.png"
    assert head.meta["twitter:card"] == "summary"


def test_a_scheduled_article_is_modified_no_earlier_than_it_is_published(
    client, make_post, time_machine
):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0), tick=False)  # saved at noon, due at one
    post = make_post(published_at=seoul(2025, 3, 1, 13, 0))
    time_machine.move_to(seoul(2025, 3, 1, 14, 0), tick=False)
    (article,) = head_of(client.get(post.get_absolute_url())).json_ld
    assert article["datePublished"] == "2025-03-01T13:00:00+09:00"
    assert article["dateModified"] == "2025-03-01T13:00:00+09:00"


def test_an_edited_article_is_modified_when_it_was_edited(client, make_post, time_machine):
    from articles import services

    time_machine.move_to(seoul(2025, 3, 1, 12, 0), tick=False)
    post = make_post(published_at=seoul(2025, 3, 1, 9, 0))
    time_machine.move_to(seoul(2025, 3, 2, 8, 15), tick=False)
    services.post_update(post=post, title="고친 제목")
    (article,) = head_of(client.get(post.get_absolute_url())).json_ld
    assert article["dateModified"] == "2025-03-02T08:15:00+09:00"


def test_json_ld_cannot_close_its_script_element(client, make_post):
    post = make_post(title="</script><script>alert(1)</script>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    assert head_of(client.get(post.get_absolute_url())).json_ld[0]["headline"] == post.title
