"""Validators, 304s and Cache-Control on the public pages."""

import pytest
import time_machine
from django.db.models import F
from django.test import Client
from django.utils import timezone

from articles import pagination, services
from articles.models import BoardRevision, Post


@pytest.mark.parametrize("url", ["/", "/?q=소식", "/feed/", "/sitemap.xml", "/robots.txt"])
def test_public_pages_have_validators_and_cdn_friendly_cache_control(client, make_post, url):
    make_post(title="소식")
    response = client.get(url)
    assert response.status_code == 200
    assert response["ETag"] and response["Last-Modified"]
    assert response["Cache-Control"] == "public, max-age=30, stale-while-revalidate=300"


@pytest.mark.parametrize("method", ["post", "put", "delete", "options"])
def test_public_pages_answer_only_get_and_head(make_post, method):
    client = Client(enforce_csrf_checks=True)  # as a crawler's POST: no CSRF token
    post = make_post(title="소식")
    for url in ["/", "/?q=소식", post.get_absolute_url(), "/feed/", "/sitemap.xml",
                "/sitemap-posts-0.xml", "/robots.txt"]:  # fmt: skip
        response = getattr(client, method)(url)
        assert (url, response.status_code, response.get("Allow")) == (url, 405, "GET, HEAD")
        # Not the page: a line saying why, in Korean.
        assert response.content.decode() == "이 주소는 읽기만 할 수 있습니다 (GET, HEAD).\n", url
    assert client.head("/").status_code == 200


def test_a_form_that_fails_the_csrf_check_is_explained_in_korean(db):
    response = Client(enforce_csrf_checks=True).post(
        "/admin/login/?next=/admin/", {"username": "editor", "password": "x"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "<h1>요청을 확인하지 못했습니다</h1>" in html
    assert '<a class="button" href="/admin/login/?next=/admin/">페이지 다시 열기</a>' in html
    assert "CSRF verification failed" not in html


def test_a_query_sent_as_raw_utf8_is_not_served_its_mojibakes_page(client, make_post):
    make_post(title="본문 소식")
    mojibake = "본문".encode().decode("latin-1")  # what a raw query decodes to in WSGI
    first = client.get("/", QUERY_STRING="q=" + "".join(f"%{b:02X}" for b in mojibake.encode()))
    assert f"‘{mojibake}’ 검색 결과" in first.content.decode()
    raw = client.get("/", QUERY_STRING="q=" + mojibake)
    assert "‘본문’ 검색 결과" in raw.content.decode()


def test_a_page_cache_hit_keeps_the_views_headers(client, make_post):
    make_post()
    first = client.get("/sitemap-posts-0.xml")
    again = client.get("/sitemap-posts-0.xml")
    assert first["X-Robots-Tag"] and again["X-Robots-Tag"] == first["X-Robots-Tag"]
    assert again["Content-Type"] == first["Content-Type"]


def test_a_404_is_kept_by_nobody(client, make_post):
    # A scheduled post opened early must be found once it is due.
    response = client.get("/posts/99999/")
    assert response.status_code == 404 and response["Cache-Control"] == "no-store"


def test_a_304_round_trip_with_if_none_match(client, make_post):
    post = make_post()
    first = client.get(post.get_absolute_url())
    again = client.get(post.get_absolute_url(), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""


def test_a_304_round_trip_with_if_modified_since(client, make_post):
    make_post()
    first = client.get("/")
    again = client.get("/", HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 304


def test_the_next_response_after_an_edit_is_fresh(client, make_post):
    post = make_post(title="처음 제목")
    first = client.get("/")
    services.post_update(post=post, title="고친 제목")
    again = client.get("/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert "고친 제목" in again.content.decode()
    article = client.get(post.get_absolute_url())
    assert "고친 제목" in article.content.decode()


def test_staff_responses_are_private_and_never_stored(editor_client, make_post):
    post = make_post()
    for url in ["/", post.get_absolute_url()]:
        assert editor_client.get(url)["Cache-Control"] == "private, no-store"


def test_anonymous_pages_do_not_vary_by_cookie(client, make_post):
    make_post()
    response = client.get("/")
    assert "Cookie" not in response.get("Vary", "")


def _edit_from_another_server(post, title):
    """An edit this process does not hear about: only the database changes."""
    Post.objects.filter(pk=post.pk).update(title=title)
    BoardRevision.objects.filter(pk=1).update(revision=F("revision") + 1)


# Outside a test transaction (readings taken inside a transaction are not
# kept), with the clock stopped so that the reading cannot age meanwhile.
@pytest.fixture
def stopped_clock(transactional_db):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        yield clock


def test_a_page_cache_hit_needs_no_database_query(
    stopped_clock, client, make_post, django_assert_num_queries
):
    make_post(title="처음 제목")
    client.get("/")
    with django_assert_num_queries(0):
        assert "처음 제목" in client.get("/").content.decode()


def test_readers_see_another_servers_edit_within_a_second(
    stopped_clock, client, make_post, settings
):
    post = make_post(title="처음 제목")
    assert "처음 제목" in client.get("/").content.decode()
    _edit_from_another_server(post, "고친 제목")
    assert "처음 제목" in client.get("/").content.decode()  # this process's reading is fresh
    stopped_clock.shift(settings.BOARD_REVISION_MAX_AGE)
    assert "고친 제목" in client.get("/").content.decode()


def test_signed_in_users_see_another_servers_edit_at_once(stopped_clock, editor_client, make_post):
    post = make_post(title="처음 제목")
    reader = Client()
    assert "처음 제목" in reader.get("/").content.decode()  # a reading this process keeps
    _edit_from_another_server(post, "고친 제목")
    assert "처음 제목" in reader.get("/").content.decode()
    assert "고친 제목" in editor_client.get("/").content.decode()


# --- a restored backup ---------------------------------------------------------------


def _board_counters():
    return BoardRevision.objects.values("revision", "layout", "highest_number").get(pk=1)


def _restore(counters):
    """Restoring a backup brings back its counters, and restarting the app
    servers empties their memory; the shared cache keeps what it holds."""
    BoardRevision.objects.filter(pk=1).update(**counters)
    BoardRevision._seen.clear()
    pagination._local.clear()
    pagination._editions.clear()


def test_after_a_restored_backup_no_page_of_the_abandoned_rows_is_served(client, make_post):
    make_post(title="백업 전 글")
    backup = _board_counters()
    lost = make_post(title="백업 뒤에 쓴 글")
    assert "백업 뒤에 쓴 글" in client.get("/").content.decode()
    lost.delete()
    _restore(backup)

    make_post(title="복원 뒤에 쓴 글")
    page = client.get("/").content.decode()
    assert "복원 뒤에 쓴 글" in page
    assert "백업 뒤에 쓴 글" not in page


def test_after_a_restored_backup_deep_pages_are_counted_again(client, make_post):
    posts = [make_post() for _ in range(21)]
    backup = _board_counters()
    lost = make_post()
    assert client.get("/", {"page": 2}).context["page"].total == 22
    lost.delete()
    _restore(backup)

    services.posts_set_status(posts=Post.objects.filter(pk=posts[2].pk), status="hidden")
    response = client.get("/")
    assert response.context["page"].total == 20
    assert response.context["page"].num_pages == 1


def test_links_with_tracking_parameters_share_the_cached_page(
    stopped_clock, client, make_post, django_assert_num_queries
):
    from articles.filters import PostFilter
    from articles.http import PAGE_PARAMS

    # Every parameter a page reads is part of the cache key.
    assert set(PostFilter.base_filters) <= PAGE_PARAMS
    post = make_post(title="공유된 기사")
    client.get(post.get_absolute_url(), {"utm_source": "kakao"})
    with django_assert_num_queries(0):
        shared = client.get(post.get_absolute_url(), {"fbclid": "IwAR0abc"})
    assert "공유된 기사" in shared.content.decode()
    client.get("/", {"q": "공유", "utm_medium": "social"})
    with django_assert_num_queries(0):
        client.get("/", {"q": "공유"})
    # A parameter the page does read is never shared.
    other = client.get("/", {"q": "없는말", "utm_medium": "social"})
    assert "공유된 기사" not in other.content.decode()


def test_a_response_deleting_a_stale_session_cookie_is_kept_by_no_shared_cache(client, make_post):
    make_post()
    client.cookies["sessionid"] = "expired-or-forged"
    response = client.get("/")
    assert response.status_code == 200
    assert response.cookies["sessionid"].value == ""  # Django deletes the stale cookie
    assert response["Cache-Control"] == "private, no-store"
