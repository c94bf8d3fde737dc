"""The one write path's text hygiene: sanitising, plain text, NFC, NUL bytes."""

import unicodedata

import pytest

from articles import services
from articles.text import clean_line, clean_text, html_to_text, sanitize_html, summarize

KEPT = [
    "<p>문단<br>줄바꿈</p>",
    "<p><strong>굵게</strong> <em>기울여</em> <b>b</b> <i>i</i> <u>밑줄</u></p>",
    "<blockquote><p>인용</p></blockquote>",
    "<h2>소제목</h2><h3>작은 제목</h3><h4>더 작은 제목</h4>",
    "<ul><li>하나</li></ul><ol><li>둘</li></ol>",
    '<figure><img src="https://img.example/a.jpg" alt="사진"><figcaption>설명</figcaption></figure>',
    '<a href="https://example.com/" rel="noopener nofollow">링크</a>',
    '<table><caption>표</caption><thead><tr><th scope="col">항목</th></tr></thead><tbody><tr><td>값</td></tr></tbody></table>',
]


@pytest.mark.parametrize("html", KEPT)
def test_the_markup_of_a_news_article_is_kept(html):
    assert sanitize_html(html) == html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ("<p>본문</p><script>alert(1)</script>", "<p>본문</p>"),
        (
            '<img src="https://img.example/a.jpg" onerror="alert(1)" alt="">',
            '<img src="https://img.example/a.jpg" alt="">',
        ),
        ('<a href="javascript:alert(1)">링크</a>', '<a rel="noopener nofollow">링크</a>'),
        ('<img src="data:image/png;base64,AAAA">', "<img>"),
        ('<p style="color:red" class="x" onclick="y()">글</p>', "<p>글</p>"),
        ('<iframe src="https://evil.example/"></iframe><p>뒤</p>', "<p>뒤</p>"),
        ("<style>p{}</style><p>글</p>", "<p>글</p>"),
        (
            '<a href="https://example.com/" target="_blank">링크</a>',
            '<a href="https://example.com/" rel="noopener nofollow">링크</a>',
        ),
        ("<!-- 주석 --><p>글</p>", "<p>글</p>"),
        # Only http(s) URLs: relative and scheme-relative ones name no scheme to check.
        ('<img src="//evil.example/x.png" alt="">', '<img alt="">'),
        ('<a href="/relative">링크</a>', '<a rel="noopener nofollow">링크</a>'),
    ],
)
def test_hostile_html_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_plain_text_has_one_paragraph_a_line_and_decoded_entities():
    assert (
        html_to_text("<p>첫 &amp; 문단</p><p>둘째<br>줄</p><ul><li>항목</li></ul>")
        == "첫 & 문단\n둘째\n줄\n항목"
    )


def test_plain_text_keeps_table_cells_apart():
    # Glued together, 서울 and 부산 would be found by a search for 울부.
    text = html_to_text(
        "<table><tr><th>도시</th><th>기온</th></tr><tr><td>서울</td><td>3도</td></tr></table>"
    )
    assert text.split() == ["도시", "기온", "서울", "3도"]


def test_character_references_are_cleaned_like_characters():
    html = sanitize_html("<p>가\x1b나&#12;다&#27;라&#0;마&#13;바\x0b사 e&#x301;</p>")
    assert html_to_text(html) == "가나 다라\ufffd마 바 사 \u00e9"  # no controls; NFC
    assert "\x1b" not in html and "\u00e9" in html


def test_plain_text_squeezes_runs_of_spaces_and_keeps_no_break_spaces():
    assert (
        html_to_text("<p>  첫\t\t문단  끝 </p>\n\n<p>\xa0둘째&nbsp; 줄</p>")
        == "첫 문단 끝\n둘째\xa0 줄"
    )


def test_summaries_cut_at_a_word():
    assert summarize("가나다 " * 100, 20) == "가나다 가나다 가나다 가나다 가나다…"
    assert summarize("짧은 글") == "짧은 글"


def test_titles_and_bodies_are_nfc_without_nul_bytes(make_post):
    decomposed = unicodedata.normalize("NFD", "한국어 제목")
    post = make_post(title=f"{decomposed}\x00", body_html=f"<p>{decomposed}\x00 본문</p>")
    post.refresh_from_db()
    assert post.title == "한국어 제목"
    assert post.body.html == "<p>한국어 제목 본문</p>" and post.body.text == "한국어 제목 본문"


def test_the_bulk_path_cleans_the_same_way(db):
    from django.utils import timezone

    prepared = services.post_prepare(
        title=unicodedata.normalize("NFD", "가\x00나"), author="글쓴이", published_at=timezone.now(),
        body_html="<p onclick='x'>본문</p><script>x</script>",
    )  # fmt: skip
    assert (prepared.title, prepared.html, prepared.text) == ("가나", "<p>본문</p>", "본문")


def test_one_line_fields_lose_bidirectional_controls():
    # U+202E would show the rest of the title, and the site name after it, reversed.
    assert clean_line("가\u202e나다\u202c \u2066라\u2069") == "가나다 라"
    assert clean_text("가\u202e나") == "가\u202e나"  # bodies may hold right-to-left text


def test_lone_surrogates_and_noncharacters_are_dropped():
    assert clean_text("가\ud800나\uffff다\ufffe") == "가나다"
