"""Article pages unfurl: Open Graph, Twitter card and JSON-LD, read by parsing the HTML."""

import json
from html.parser import HTMLParser


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
    assert head.meta["twitter:card"] == "summary_large_image"
    (article,) = head.json_ld
    assert article["@type"] == "NewsArticle"
    assert article["headline"] == title
    assert article["datePublished"] == "2025-02-23T16:24:00+09:00"
    assert article["author"]["name"] == "김효신"
    assert article["publisher"]["name"] == "뉴스보드"
    assert article["mainEntityOfPage"]["@id"] == "http://testserver/posts/46181/"


def test_the_first_body_image_is_the_preview_image(client, make_post):
    post = make_post(body_html='<p>글</p><img src="https://img.example/a.jpg?x=1&amp;y=2" alt="">')
    head = head_of(client.get(post.get_absolute_url()))
    assert head.meta["og:image"] == "https://img.example/a.jpg?x=1&y=2"


def test_json_ld_cannot_close_its_script_element(client, make_post):
    post = make_post(title="</script><script>alert(1)</script>")
    html = client.get(post.get_absolute_url()).content.decode()
    assert "</script><script>alert(1)" not in html
    assert head_of(client.get(post.get_absolute_url())).json_ld[0]["headline"] == post.title
