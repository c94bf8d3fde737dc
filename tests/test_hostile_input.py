"""Property-based: arbitrary query strings never give a 5xx or reflect unescaped input."""

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PUBLIC_URLS = [
    "/",
    "/posts/1/",
    "/feed/",
    "/sitemap.xml",
    "/sitemap-posts-0.xml",
    "/robots.txt",
    "/healthz",
]
ADMIN_URLS = ["/admin/articles/post/", "/admin/articles/author/"]
PARAMS = ["q", "field", "date_from", "date_to", "page", "p", "status__exact", "is_notice__exact",
          "published_at__year", "published_at__month", "o", "source_name", "e", "all", "_changelist_filters"]  # fmt: skip
MARKER = "<x-hostile>"

values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=10).map(lambda s: MARKER + s),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        [
            "",
            "\x00",
            "%",
            "_",
            "&",
            "'",
            '"',
            "\\",
            "2025-13-40",
            "9999-12-31",
            "0",
            "-1",
            "1e309",
            "NaN",
            "title",
            "title_body",
            "published",
            "트럼프",
            "美",
            "中",
        ]
    ),
)
raw_bytes = st.binary(max_size=12).map(lambda b: "".join(f"%{c:02X}" for c in b))
query = st.lists(
    st.tuples(st.sampled_from(PARAMS) | st.text(max_size=8), values | raw_bytes), max_size=6
).map(
    lambda pairs: "&".join(
        f"{quote(k, safe='')}={v if v.startswith('%') else quote(v, safe='')}" for k, v in pairs
    )
)

FAST = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))


@pytest.fixture
def board(make_post):
    make_post(number=1, title="트럼프 관세", body_html="<p>美 中 본문</p>")
    make_post(number=2, title="공지", is_notice=True)


def check(response):
    assert response.status_code < 500, response.status_code
    if response.status_code == 200 and not response.get("Content-Type", "").startswith("image/"):
        assert MARKER.encode() not in response.content


@FAST
@given(url=st.sampled_from(PUBLIC_URLS), qs=query)
def test_public_urls_survive_any_query_string(client, board, url, qs):
    check(client.get(f"{url}?{qs}"))


@FAST
@given(number=st.integers(min_value=-(10**20), max_value=10**40))
def test_article_numbers_of_any_size(client, board, number):
    check(client.get(f"/posts/{number}/"))


@FAST
@given(url=st.sampled_from(ADMIN_URLS), qs=query)
def test_admin_changelists_survive_any_filter(admin_client, board, url, qs):
    response = admin_client.get(f"{url}?{qs}")
    assert response.status_code < 500
