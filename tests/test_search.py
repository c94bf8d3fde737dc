"""One table of search cases with exact post numbers, run on SQLite and PostgreSQL."""

import unicodedata

import pytest

from articles import search
from articles.models import Post

from .conftest import numbers

POSTS = [
    # number, title, body, author, status
    (
        1,
        "탈퇴 도미노냐 확산 기회냐…트럼프에 울고웃는 '일대일로'",
        "일대일로 참여국이 흔들린다.",
        "랭크뉴스",
        "published",
    ),
    (2, "중국의 AI 투자 확대", "알리바바가 3년간 220조 원을 투자한다.", "랭크뉴스", "published"),
    (3, "美 국무부, 우크라 지원 재확인", "국무장관이 말했다.", "연합", "published"),
    (4, "Apple 신제품 발표", "애플은 새 iPhone을 내놓았다.", "연합", "published"),
    (5, "목표 100% 달성…목표_초과 기업 늘어", "실적이 좋았다.", "연합", "published"),
    (
        6,
        "트럼프 “우크라 광물 합의 임박”",
        "푸틴과 젤렌스키는 전쟁을 끝내야 한다고 말했다.",
        "랭크뉴스",
        "published",
    ),
    (7, "경제 뉴스 한눈에", "중국 경제가 5% 성장했다.", "KBS", "published"),
    (8, "숨긴 트럼프 기사", "트럼프 중국", "랭크뉴스", "hidden"),
    (9, "초안: 트럼프 중국", "트럼프 중국", "랭크뉴스", "draft"),
    (10, "Über Korea: ΑΘΗΝΑ 특파원", "Émile 기자가 전했다.", "연합", "published"),
    (11, "Moody’s 신용등급 유지", "등급 전망은 안정적이다.", "연합", "published"),
]

CASES = [
    # query, field, expected numbers (newest first)
    ("트럼프", "title", [6, 1]),
    ("트럼프", "title_body", [6, 1]),
    ("트럼프에", "title", [1]),
    ("중국", "title", [2]),
    ("중국", "body", [7]),
    ("중국", "title_body", [7, 2]),
    ("중국의", "title_body", [2]),
    ("美", "title", [3]),
    ("美", "body", []),
    ("발", "title", [4]),
    ("apple", "title", [4]),
    ("APPLE", "title_body", [4]),
    ("iphone", "body", [4]),
    ("100%", "title", [5]),
    ("%", "title_body", []),  # punctuation alone: a message, not a scan
    ("_", "title", []),
    ("100% 달", "title", [5]),
    ("목표 _", "title", [5]),
    ("목표_초과", "title", [5]),
    ("0%달", "title", []),
    ('"우크라', "title", [6, 3]),  # a quote before a word is not searched for
    ("“우크라", "title", [6, 3]),
    ("'일대일로'", "title", [1]),
    ("‘일대일로’", "title", [1]),
    # Quotes around a term are not searched for; inside one, straight and
    # curly quotes are the same.
    ('"트럼프"', "title", [6, 1]),
    ("“광물 우크라”", "title", [6]),
    ("'일대일로' 참여국", "title_body", [1]),
    ('"" 중국', "title", [2]),
    ("moody's", "title", [11]),
    ("MOODY’S", "title", [11]),
    ("“moody's”", "title", [11]),
    ("moody”s", "title", []),
    ("트럼프 우크라", "title", [6]),
    ("우크라 트럼프", "title_body", [6]),
    ("중국 경제", "title_body", [7]),
    ("중국 경제", "title", []),
    ("KBS", "author", [7]),
    ("kbs", "author", [7]),
    ("랭크", "author", [6, 2, 1]),
    (unicodedata.normalize("NFD", "트럼프"), "title", [6, 1]),
    (unicodedata.normalize("NFD", "중국의"), "title_body", [2]),
    ("없는말", "title_body", []),
    ("  트럼프   트럼프 ", "title", [6, 1]),
    # Case beyond ASCII (SQLite's own lower() and LIKE fold ASCII only).
    ("über", "title", [10]),
    ("ÜBER", "title_body", [10]),
    ("αθηνα", "title", [10]),
    ("émile", "body", [10]),
    ("ü", "title", [10]),
]


@pytest.fixture
def search_board(make_post):
    for number, title, body, author, status in POSTS:
        make_post(
            number=number, title=title, body_html=f"<p>{body}</p>", author=author, status=status
        )


@pytest.mark.parametrize(("query", "field", "expected"), CASES)
def test_search_finds_exactly(search_board, query, field, expected):
    found = search.search_posts(Post.objects.published(), query, field).order_by("-number")
    assert list(found.values_list("number", flat=True)) == expected


@pytest.mark.parametrize(("query", "field", "expected"), CASES)
def test_the_board_shows_the_same_results(client, search_board, query, field, expected):
    response = client.get("/", {"q": query, "field": field})
    assert response.status_code == 200
    assert numbers(response) == expected


def test_the_default_field_is_title_and_body(client, search_board):
    assert numbers(client.get("/", {"q": "중국"})) == [7, 2]


def test_matches_are_highlighted_in_titles(client, search_board):
    html = client.get("/", {"q": "트럼프 우크라", "field": "title"}).content.decode()
    assert "<mark>트럼프</mark> “<mark>우크라</mark> 광물 합의 임박”" in html


def test_titles_are_marked_only_where_titles_were_searched(client, make_post):
    make_post(title="연합 소식", author="연합뉴스", body_html="<p>연합 본문</p>")
    for field, marked in [
        ("title_body", True),
        ("title", True),
        ("author", False),
        ("body", False),
    ]:
        html = client.get("/", {"q": "연합", "field": field}).content.decode()
        assert ("<mark>연합</mark> 소식" in html) is marked, field


def test_highlighting_ignores_case_and_quote_style(client, search_board):
    assert "<mark>Apple</mark>" in client.get("/", {"q": "APPLE"}).content.decode()
    assert "“<mark>우크라</mark>" in client.get("/", {"q": '"우크라'}).content.decode()


def test_highlighting_escapes_the_title():
    assert search.highlight("<b>트럼프</b>", ["트럼프"]) == "&lt;b&gt;<mark>트럼프</mark>&lt;/b&gt;"


def test_overlapping_matches_are_marked_once():
    assert search.highlight("트럼프에", ["트럼", "럼프"]) == "<mark>트럼프</mark>에"
    assert search.highlight("아아아", ["아아"]) == "<mark>아아아</mark>"


def test_terms_are_folded_deduplicated_and_limited():
    assert search.query_terms(" Apple  “A”  apple ") == ["apple", "a"]
    assert len(search.query_terms(" ".join(f"단어{i}" for i in range(50)))) == search.MAX_TERMS


HOSTILE = [
    "트럼프 & ", "&", "|", "!", "트럼프-중국", "트럼프:*", "(트럼프", "트럼프)", "'", "''", '"',
    "\\", "\\'", "트럼프' | '중국", "a:*B", "<->", "NEAR(a b)", "AND", "OR NOT", "*", "^", "%_%",
    "\u200b", "\ufeff트럼프", "🙂", "트럼프\u0301",
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
@pytest.mark.parametrize("field", ["title_body", "title", "body", "author"])
def test_query_syntax_characters_are_searched_literally(client, search_board, query, field):
    response = client.get("/", {"q": query, "field": field})
    assert response.status_code == 200


def test_query_operators_are_plain_text(search_board):
    assert found_numbers("트럼프 & ", "title") == []  # "&" is a term, and no title has it
    assert found_numbers("'일대일로'", "title") == [1]
    assert found_numbers("트럼프-중국", "title") == []
    assert found_numbers("트럼프:*", "title") == []


def found_numbers(query, field):
    found = search.search_posts(Post.objects.published(), query, field).order_by("-number")
    return list(found.values_list("number", flat=True))


def test_bulk_written_posts_are_found(db):
    from django.utils import timezone

    from articles import services

    services.posts_bulk_write(
        [
            services.post_prepare(
                title=f"대량 입력 {i}", author="가져온뉴스", published_at=timezone.now(),
                body_html=f"<p>본문 키워드{i}</p>",
            )
            for i in range(3)
        ]
    )  # fmt: skip
    assert found_numbers("대량", "title") == [3, 2, 1]
    assert found_numbers("키워드1", "body") == [2]


def test_a_query_of_punctuation_alone_gets_a_message(client, search_board):
    response = client.get("/", {"q": "% _ …"})
    assert response.status_code == 200
    assert "검색어에 글자나 숫자를 한 자 이상 넣어 주세요." in response.content.decode()
    assert numbers(response) == []
