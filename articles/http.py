"""HTTP caching of public pages: a shared page cache, validators and Cache-Control.

A rendered page (board, article, feed, sitemap) is reused while the board's
revision is the same, no scheduled post has come due and PAGE_TTL has not
passed. Each process reads the revision at most once every
BOARD_REVISION_MAX_AGE seconds for readers (so most hits touch no database,
and an edit reaches every reader within that second, plus a replica's lag
where there is one), and on every request of anyone with a session, so
editors see their own changes at once.
Responses carry Last-Modified (when the page was rendered);
Django's ConditionalGetMiddleware adds an ETag and answers 304. Readers' pages
may be kept briefly by browsers and a CDN; staff responses never are.
"""

import hashlib
from datetime import timedelta
from functools import wraps
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotAllowed
from django.utils import timezone
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from .pagination import board_edition

# The "new" marks and the HH:MM of today's posts depend on the clock, not only
# on the data: a rendered page is kept this long at most.
PAGE_TTL = 30
PUBLIC = f"public, max-age={PAGE_TTL}, stale-while-revalidate={PAGE_TTL * 10}"
PRIVATE = "private, no-store"


def _has_session(request) -> bool:
    # Without a session cookie nobody is logged in: no need to load a session
    # (which would also add "Vary: Cookie" and split a CDN's cache by cookie).
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def not_kept(response, retry_after: int = 30):
    """A response about a moment's load: no cache (ours, a CDN's, a browser's)
    keeps it, and the client may try again after `retry_after` seconds."""
    response.cacheable = False  # read by public_page
    response["Cache-Control"] = "no-store"
    response["Retry-After"] = str(retry_after)
    return response


def set_cache_headers(request, response) -> None:
    staff = False
    if _has_session(request):
        user = getattr(request, "user", None)
        staff = user is not None and user.is_authenticated and user.is_staff
    response["Cache-Control"] = PRIVATE if staff else PUBLIC


# The query parameters public pages read: the board's filters, its page, and
# a sitemap section's page. Any other (utm_source, fbclid: links shared on
# social media carry them) changes nothing on the page.
PAGE_PARAMS = frozenset({"q", "field", "date_from", "date_to", "page", "from", "p"})


def _page_query(query: str) -> str:
    """The pairs of a raw query string that can change a page, as received."""
    if not query:
        return ""
    return "&".join(
        pair for pair in query.split("&") if unquote_plus(pair.partition("=")[0]) in PAGE_PARAMS
    )


def _read_only(view):
    """GET and HEAD; anything else 405 with Allow, and a line saying so in Korean."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            response = HttpResponseNotAllowed(
                ["GET", "HEAD"],
                "이 주소는 읽기만 할 수 있습니다 (GET, HEAD).\n",
                content_type="text/plain; charset=utf-8",
            )
            response["Cache-Control"] = "no-store"
            return response
        return view(request, *args, **kwargs)

    return wrapper


def public_page(view):
    """A page anyone may read, with GET or HEAD only.

    Any other method is answered 405 (Allow: GET, HEAD) before the page cache
    or the view is reached. That needs the CSRF check skipped: the middleware
    runs before the view and would refuse a POST with its 403 first. Nothing
    here accepts a write, so there is nothing for it to protect.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        revision, next_due = board_edition(
            max_age=0 if _has_session(request) else settings.BOARD_REVISION_MAX_AGE
        )
        # Pages hold absolute URLs (canonical, og:url, feed and sitemap links):
        # the scheme and host are part of what was rendered. The query string
        # as received: get_full_path() percent-encodes raw bytes, which made
        # "?q=본문" sent unencoded and its mojibake share one page.
        query = _page_query(request.META.get("QUERY_STRING", ""))
        where = f"{request.scheme}://{request.get_host()}{request.path}?{query}"
        path = hashlib.sha256(where.encode()).hexdigest()
        key = f"newsboard:page:2:{revision}:{path}"  # 2: entries hold the view's headers
        now = timezone.now()
        cached = cache.get(key)
        if cached is not None and now < cached["expires"]:
            response = HttpResponse(cached["content"])
            for header, value in cached["headers"].items():
                response[header] = value
            rendered = cached["rendered"]
        else:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            rendered = now
            if (
                response.status_code == 200
                and not response.streaming
                and getattr(response, "cacheable", True)  # see not_kept()
            ):
                expires = now + timedelta(seconds=PAGE_TTL)
                if next_due is not None:
                    expires = min(expires, next_due)
                entry = {
                    "content": response.content,
                    "headers": dict(response.items()),  # the view's: X-Robots-Tag, …
                    "expires": expires,
                    "rendered": rendered,
                }
                cache.set(key, entry, PAGE_TTL)
        if response.status_code == 200 and getattr(response, "cacheable", True):
            response["Last-Modified"] = http_date(rendered.timestamp())
            set_cache_headers(request, response)
        return response

    return csrf_exempt(_read_only(wrapper))
