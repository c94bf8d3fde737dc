import html
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import F
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache

from . import search
from .filters import PostFilter, shown_query
from .http import not_kept, public_page
from .models import Post
from .pagination import BoardPage, page_of, paginate, with_query
from .text import summarize


def _board_filter(request) -> PostFilter:
    """The board's filters from the request's list context (no query yet)."""
    return PostFilter(request.GET, queryset=Post.objects.published().select_related("author"))


def _rows(filterset):
    """The filtered board rows and the notices pinned above them.

    Call inside filterset.bounded(): a search runs its index probe here.
    """
    rows = filterset.newest_first()
    if filterset.is_active:
        return rows, []
    return rows.rows(), list(filterset.queryset.notices().order_by("-number"))


def _paginate(filterset, rows, raw_page, raw_start=None):
    return paginate(
        rows,
        raw_page=raw_page,
        base_url=reverse("articles:board"),
        params=filterset.params(),
        unfiltered=not filterset.is_active,
        known_matches=filterset.known_matches,
        raw_start=raw_start,
        state=_anchors(filterset),
    )


def _anchors(filterset):
    """The unfiltered board's state (its page anchors) for paging it; None for
    a filtered list, which is counted instead."""
    return None if filterset.is_active else filterset.board


def _date_presets(params: dict) -> list[dict]:
    """오늘 / 최근 1주 / 최근 1개월 links that keep the search and set the dates."""
    today = timezone.localdate()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month_ago = last_month_end.replace(
        day=min(today.day, last_month_end.day)
    )  # same day, a month back
    search = {k: v for k, v in params.items() if k in ("q", "field")}
    presets = []
    for label, start in (
        ("오늘", today),
        ("최근 1주", today - timedelta(days=6)),
        ("최근 1개월", month_ago),
    ):
        dates = {"date_from": start.isoformat(), "date_to": today.isoformat()}
        presets.append(
            {
                "label": label,
                "url": with_query(reverse("articles:board"), {**search, **dates}),
                "current": all(params.get(k) == v for k, v in dates.items()),
            }
        )
    return presets


def _board_context(filterset, page, notices) -> dict:
    """What templates/articles/_board.html needs, on the board and under an article."""
    params = filterset.params()
    data = filterset.form.cleaned_data
    current_field = data.get("field") or search.DEFAULT_FIELD
    return {
        "period": _period(data.get("date_from"), data.get("date_to")),
        "date_presets": _date_presets(params),
        "filterset": filterset,
        "page": page,
        "notices": notices,
        "terms": filterset.terms,
        # Marked in titles only where titles were searched.
        "title_terms": filterset.terms if current_field in ("title", "title_body") else [],
        "author_terms": filterset.terms if current_field == "author" else [],
        # Articles opened from a filtered list say which page they were on:
        # deep in a search with many matches, finding it again would mean
        # counting every newer match.
        "row_query": page.query(page.number) if filterset.is_active else "",  # "" unfiltered
        "field_choices": search.FIELDS.items(),
        "current_field": current_field,
        # As searched; as typed (cut short) when it could not be searched.
        "current_q": data["q"] if "q" in data else shown_query(filterset.form.data.get("q", "")),
        "feed_url": with_query(reverse("articles:feed"), params),
        "current_date_from": params.get("date_from", ""),
        "current_date_to": params.get("date_to", ""),
    }


def _period(start, end) -> str:
    """The dates a list is filtered to, as the board writes dates."""
    start, end = (day and day.strftime("%Y.%m.%d") for day in (start, end))
    if start and end:
        return start if start == end else f"{start} ~ {end}"
    return f"{start}부터" if start else f"{end}까지" if end else ""


def _default_image(request) -> str:
    """The link-card picture of pages without one of their own."""
    return request.build_absolute_uri(static("og-default.png"))


def _too_slow(filterset) -> BoardPage:
    """An empty list with the filters as given, for a search that ran too long."""
    page = paginate(
        Post.objects.none(),
        raw_page=None,
        base_url=reverse("articles:board"),
        params=filterset.params(),
        unfiltered=False,
    )
    page.message = search.TooSlow.message
    return page


@public_page
def board(request):
    filterset = _board_filter(request)
    try:
        with filterset.bounded():
            rows, notices = _rows(filterset)
            page = _paginate(filterset, rows, request.GET.get("page"), request.GET.get("from"))
            messages = [m for m in (*filterset.messages(), page.message) if m]
            status = 200
    except search.TooSlow:
        page, notices, status = _too_slow(filterset), [], 503
        messages = [*filterset.input_messages(), page.message]
    context = {
        **_board_context(filterset, page, notices),
        "messages_list": messages,
        # For a link card: this list's own address (whatever else the shared
        # one carried: the page cache serves it to all), and the site's picture.
        "page_url": request.build_absolute_uri(reverse("articles:board") + page.query(page.number)),
        "og_image": _default_image(request),
    }
    response = render(request, "articles/board.html", context, status=status)
    return not_kept(response) if status == 503 else response


_IMAGE = re.compile(r"<img\s[^>]*>")  # sanitised HTML: ">" inside an attribute is "&gt;"
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')  # and every value is double-quoted
_PIXELS = re.compile(r"\s*([0-9]+)(?:px)?\s*")
# Smaller than this, an image is a tracking pixel, an icon or a bullet; Facebook
# refuses og:images under 200×200 px and would show a card without a picture.
PREVIEW_IMAGE_MIN_SIZE = 200


def _preview_image(body) -> str | None:
    """The first body image big enough for a link card, or None.

    An image without width and height is taken (most news images have
    none); one declared smaller than PREVIEW_IMAGE_MIN_SIZE on either side is
    not. http:// images pass the sanitiser and are kept: crawlers fetch
    og:image themselves, so no mixed-content rule applies to the card.
    """
    for tag in _IMAGE.finditer(body.html if body else ""):
        attributes = dict(_ATTRIBUTE.findall(tag[0]))
        src = html.unescape(attributes.get("src", ""))
        if not src.startswith(("https://", "http://")):
            continue
        sizes = (_PIXELS.fullmatch(attributes.get(side, "")) for side in ("width", "height"))
        if any(size and int(size[1]) < PREVIEW_IMAGE_MIN_SIZE for size in sizes):
            continue
        return src
    return None


def _description(post, body) -> str:
    """The article's lead; for a body without text (a board row, photos only),
    who published it, when and the title, as a news site's card reads."""
    summary = summarize(body.text) if body else ""
    if summary:
        return summary
    day = timezone.localtime(post.published_at).strftime("%Y.%m.%d")
    return summarize(f"{post.source_name or post.author.name} · {day} · {post.title}")


def _link_preview(request, post, body, description) -> dict:
    """Open Graph, Twitter card and JSON-LD NewsArticle for an article page."""
    url = request.build_absolute_uri(post.get_absolute_url())
    own_image = _preview_image(body)
    image = own_image or _default_image(request)
    published = timezone.localtime(post.published_at).isoformat()
    publisher = {"@type": "Organization", "name": settings.SITE_NAME}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title[:110],
        "description": description,
        "datePublished": published,
        "dateModified": timezone.localtime(post.modified_at).isoformat(),
        "author": {"@type": "Person" if body and body.reporter else "Organization",
                   "name": (body.reporter if body and body.reporter else post.author.name)},
        "publisher": publisher,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "image": [image],
        "inLanguage": "ko",
    }  # fmt: skip
    # JSON inside <script>: escape what could close the element or start markup.
    json_ld = json.dumps(data, ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        json_ld = json_ld.replace(char, escaped)
    return {
        "canonical_url": url,
        "og_image": image,
        # The default image is the site's name, not the article's picture: a
        # small card, so that it does not stand for the article.
        "twitter_card": "summary_large_image" if own_image else "summary",
        "published_iso": published,
        "json_ld": mark_safe(json_ld),
    }


def _neighbour_queries(page, post, newer, older) -> dict:
    shown = {row.pk for row in page.rows}
    if post.pk not in shown:  # the list shown is not the post's page
        return {}
    here = page.query(page.number)
    return {
        "newer_query": here if newer is None or newer.pk in shown else page.query(page.number - 1),
        "older_query": here if older is None or older.pk in shown else page.query(page.number + 1),
    }


FAR_IN_THE_LIST = "이 글은 목록의 앞쪽에서 멀리 있어 목록의 첫 페이지를 보여 드립니다."


def _neighbours(filterset, rows, post, pinned: bool) -> tuple[Post | None, Post | None]:
    """이전글 and 다음글: the posts just newer and just older than `post` in
    the list it is read in (for a pinned notice, the other notices)."""
    listed = filterset.queryset.notices().order_by("-number") if pinned else rows
    newer = listed.filter(number__gt=post.number).order_by("number").first()  # 이전글
    older = listed.filter(number__lt=post.number).first()  # 다음글
    return newer, older


def _page_under_article(
    request, filterset, rows, post, pinned: bool
) -> tuple[BoardPage, list[str]]:
    """The page of the list shown under an article, and what the reader is told.

    A filtered list keeps the page the article was opened from (`page` and
    `from` in the query) while that page holds the post. Otherwise the page
    that does is shown: page 1 for a pinned notice, else the post's page, or
    page 1 and FAR_IN_THE_LIST when a filtered list has too many newer rows
    to count. Call inside filterset.bounded(), after _rows().
    """
    messages = filterset.messages()
    if filterset.is_active and not pinned and "page" in request.GET:
        # The list it was opened from, if the post is on it (a link
        # kept from before the list changed may no longer be).
        claimed = _paginate(filterset, rows, request.GET["page"], request.GET.get("from"))
        if any(row.pk == post.pk for row in claimed.rows):
            return claimed, messages
    if pinned:
        number = 1
    else:
        # Many matches are checked row by row: count fewer before giving up.
        within = search.VERIFY_LIMIT if filterset.known_matches is not None else None
        number = page_of(
            post,
            rows,
            unfiltered=not filterset.is_active,
            within=within,
            state=_anchors(filterset),
        )
        if number is None:
            number = 1
            messages.append(FAR_IN_THE_LIST)
    return _paginate(filterset, rows, str(number)), messages


@public_page
def post_detail(request, number: int):
    post = get_object_or_404(
        Post.objects.published().select_related("author", "body"), number=number
    )

    filterset = _board_filter(request)
    # A notice is pinned above page 1 of the board: it is read there,
    # between the other notices.
    pinned = post.is_notice and not filterset.is_active
    slow = False
    try:
        with filterset.bounded():
            rows, notices = _rows(filterset)
            newer, older = _neighbours(filterset, rows, post, pinned)
            page, messages = _page_under_article(request, filterset, rows, post, pinned)
    except search.TooSlow:
        # The article is what was asked for: only the list under it gives up.
        page, notices, newer, older, slow = _too_slow(filterset), [], None, None, True
        messages = [*filterset.input_messages(), page.message]
    body = getattr(post, "body", None)
    description = _description(post, body)
    response = render(
        request,
        "articles/post_detail.html",
        {
            **_board_context(filterset, page, notices),
            "post": post,
            "body": body,
            "description": description,
            **_link_preview(request, post, body, description),
            "newer": newer,
            "older": older,
            # A neighbour off this page is on the page before or after it.
            **(_neighbour_queries(page, post, newer, older) if filterset.is_active else {}),
            "list_url": page.url(page.number),
            "messages_list": messages,
        },
    )
    return not_kept(response) if slow else response


@public_page
def post_number_padded(request, number: str):
    """/posts/046206/ is /posts/46206/: one URL an article, for crawlers and
    for counting shares. The query (a list context) is kept."""
    url = reverse("articles:detail", kwargs={"number": int(number)})
    query = request.GET.urlencode()  # re-encoded: a raw UTF-8 query is not a valid Location
    return HttpResponsePermanentRedirect(f"{url}?{query}" if query else url)


@public_page
def robots_txt(request):
    """Crawlers: articles yes, even opened from a search (a shared link must
    unfurl; the page names its canonical URL), and the board's feed (feed
    readers and search engines' feed submission, Naver's among them, honour
    robots.txt); lists and feeds with a query (searches, dates, pages: the
    sitemap lists every article) and the admin no."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        # Not "/?": some parsers (Python's among them) read it as "/".
        *(
            f"Disallow: {path}?{name}="
            for path in ("/", "/feed/")
            for name in ("q", "field", "date_from", "date_to", "page", "from")
        ),
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


# 조회: counted by a beacon image, so that article pages can be cached (by the
# page cache, browsers or a CDN) and still count. An <img> works without
# JavaScript. Crawlers, and the same browser within a day, are not counted.
_CRAWLER = re.compile(
    r"bot|crawl|spider|slurp|preview|scrap|facebookexternalhit|kakaotalk|yeti|daum|"
    r"headless|python-requests|curl|wget|httpclient|go-http|java/",
    re.IGNORECASE,
)
_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
SEEN_FOR = 24 * 3600


@never_cache
def count_view(request, number: int):
    response = HttpResponse(_GIF, content_type="image/gif")
    cookie = f"nb_seen_{number}"
    agent = request.headers.get("User-Agent", "")
    if (
        request.method == "GET"
        and agent
        and not _CRAWLER.search(agent)
        and cookie not in request.COOKIES
    ):
        # F() makes the increment one UPDATE: concurrent views never lose a count.
        Post.objects.published().filter(number=number).update(view_count=F("view_count") + 1)
        response.set_cookie(
            cookie, "1", max_age=SEEN_FOR, path=reverse("articles:detail", args=[number]),
            httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
        )  # fmt: skip
    return response


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not (for load balancers)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
