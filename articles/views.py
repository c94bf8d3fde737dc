import hashlib
import html
import json
import re
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from . import search
from .filters import PostFilter
from .models import Post
from .pagination import board_edition, page_of, paginate
from .text import summarize


def _board(request):
    """The filtered board rows and its pinned notices, from the request's list context."""
    public = Post.objects.published().select_related("author")
    filterset = PostFilter(request.GET, queryset=public)
    rows = filterset.qs.order_by("-number")
    if filterset.is_active:
        notices = []
    else:
        rows = rows.rows()
        notices = list(public.notices().order_by("-number"))
    return filterset, rows, notices


def _paginate(filterset, rows, raw_page):
    return paginate(
        rows,
        raw_page=raw_page,
        base_url=reverse("articles:board"),
        params=filterset.params(),
        unfiltered=not filterset.is_active,
        candidates=filterset.search_candidates,
    )


def _board_context(filterset, page, notices) -> dict:
    """What templates/articles/_board.html needs, on the board and under an article."""
    params = filterset.params()
    data = filterset.form.cleaned_data
    return {
        "filterset": filterset,
        "page": page,
        "notices": notices,
        "terms": filterset.terms,
        "context_query": f"?{urlencode(params)}" if params else "",
        "field_choices": search.FIELDS.items(),
        "current_field": data.get("field") or search.DEFAULT_FIELD,
        "current_q": filterset.form.data.get("q", "")[: search.MAX_QUERY_LENGTH],
        "feed_url": reverse("articles:feed") + (f"?{urlencode(params)}" if params else ""),
        "current_date_from": params.get("date_from", ""),
        "current_date_to": params.get("date_to", ""),
    }


# Rendered board pages are kept this long at most: the "new" marks and the
# HH:MM of today's posts depend on the clock, not only on the data.
PAGE_TTL = 30


def board(request):
    # A rendered page is reused while the board's revision is the same, no
    # scheduled post has come due, and PAGE_TTL has not passed: an edit shows
    # on the very next request, and a hit costs one primary-key read.
    revision, next_due = board_edition()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()
    key = f"newsboard:page:{revision}:{path}"
    now = timezone.now()
    cached = cache.get(key)
    if cached is not None and now < cached[1]:
        return HttpResponse(cached[0])

    filterset, rows, notices = _board(request)
    page = _paginate(filterset, rows, request.GET.get("page"))
    response = render(
        request,
        "articles/board.html",
        {
            **_board_context(filterset, page, notices),
            "messages_list": [*filterset.messages(), page.message],
        },
    )
    expires = now + timedelta(seconds=PAGE_TTL)
    if next_due is not None:
        expires = min(expires, next_due)
    cache.set(key, (response.content, expires), PAGE_TTL)
    return response


_FIRST_IMAGE = re.compile(r'<img[^>]*\ssrc="(https?://[^"]+)"')


def _link_preview(request, post, body, summary) -> dict:
    """Open Graph, Twitter card and JSON-LD NewsArticle for an article page."""
    url = request.build_absolute_uri(post.get_absolute_url())
    found = _FIRST_IMAGE.search(body.html) if body else None
    image = (
        html.unescape(found.group(1))
        if found
        else request.build_absolute_uri(static("og-default.png"))
    )
    published = timezone.localtime(post.published_at).isoformat()
    publisher = {"@type": "Organization", "name": settings.SITE_NAME}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": post.title[:110],
        "description": summary,
        "datePublished": published,
        "dateModified": timezone.localtime(post.updated_at).isoformat(),
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
        "published_iso": published,
        "json_ld": mark_safe(json_ld),
        "site_name": settings.SITE_NAME,
    }


def post_detail(request, number: int):
    post = get_object_or_404(
        Post.objects.published().select_related("author", "body"), number=number
    )
    Post.objects.filter(pk=post.pk).update(view_count=F("view_count") + 1)
    post.view_count += 1

    filterset, rows, notices = _board(request)
    newer = rows.filter(number__gt=post.number).order_by("number").first()  # 이전글
    older = rows.filter(number__lt=post.number).first()  # 다음글
    page_number = page_of(post, rows, unfiltered=not filterset.is_active)
    page = _paginate(filterset, rows, str(page_number))
    body = getattr(post, "body", None)
    summary = summarize(body.text) if body else ""
    return render(
        request,
        "articles/post_detail.html",
        {
            **_board_context(filterset, page, notices),
            "post": post,
            "body": body,
            "summary": summary,
            **_link_preview(request, post, body, summary),
            "newer": newer,
            "older": older,
            "list_url": page.url(page.number),
            "messages_list": filterset.messages(),
        },
    )


def robots_txt(request):
    """Crawlers: articles yes; search results and the admin no."""
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /*?q=",
        "Disallow: /*&q=",
        "Disallow: /feed/",
        f"Sitemap: {request.build_absolute_uri(reverse('articles:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
