"""조회: counted by a beacon, once a day per browser, never for crawlers, never lost."""

import threading

import pytest
from django.db import connection
from django.test import Client

from articles.models import Post

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


def views_of(post):
    post.refresh_from_db()
    return post.view_count


def test_the_article_page_carries_the_beacon_and_shows_the_count(client, make_post):
    post = make_post()
    html = client.get(post.get_absolute_url()).content.decode()
    assert (
        f'<img class="beacon" src="/posts/{post.number}/view.gif" alt="" width="1" height="1">'
        in html
    )
    assert "<dt>조회</dt><dd>0</dd>" in html


def test_a_beacon_counts_once_per_browser_per_day(make_post):
    post = make_post()
    browser = Client(HTTP_USER_AGENT=BROWSER)
    first = browser.get(f"/posts/{post.number}/view.gif")
    assert first.status_code == 200 and first["Content-Type"] == "image/gif"
    assert "no-store" in first["Cache-Control"] or "max-age=0" in first["Cache-Control"]
    browser.get(f"/posts/{post.number}/view.gif")
    assert views_of(post) == 1
    Client(HTTP_USER_AGENT=BROWSER).get(f"/posts/{post.number}/view.gif")  # another browser
    assert views_of(post) == 2


def test_the_beacons_cookie_is_as_secure_as_the_session_cookie(make_post, settings):
    settings.SESSION_COOKIE_SECURE = True  # production: SECURE_COOKIES on
    post = make_post()
    response = Client(HTTP_USER_AGENT=BROWSER).get(f"/posts/{post.number}/view.gif")
    cookie = response.cookies[f"nb_seen_{post.number}"]
    assert cookie["secure"] and cookie["httponly"] and cookie["samesite"] == "Lax"


@pytest.mark.parametrize(
    "agent",
    [
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (compatible; Yeti/1.1; +http://naver.me/spd)",
        "kakaotalk-scrap/1.0",
        "curl/8.5.0",
        "",
    ],
)
def test_crawlers_are_not_counted(make_post, agent):
    post = make_post()
    Client(HTTP_USER_AGENT=agent).get(f"/posts/{post.number}/view.gif")
    assert views_of(post) == 0


def test_hidden_posts_are_not_counted(make_post):
    post = make_post(status="hidden")
    Client(HTTP_USER_AGENT=BROWSER).get(f"/posts/{post.number}/view.gif")
    assert views_of(post) == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_views_lose_nothing(make_post):
    post = make_post()
    threads_count, each = (8, 10) if connection.vendor == "postgresql" else (2, 5)
    barrier = threading.Barrier(threads_count)
    errors = []

    def view():
        try:
            barrier.wait()
            for _ in range(each):
                Client(HTTP_USER_AGENT=BROWSER).get(f"/posts/{post.number}/view.gif")
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=view) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert views_of(post) == threads_count * each


def test_counting_does_not_make_the_article_uncacheable(client, make_post):
    post = make_post()
    response = client.get(post.get_absolute_url())
    assert response["Cache-Control"].startswith("public, max-age=")
    assert Post.objects.get(pk=post.pk).view_count == 0  # the page itself writes nothing
