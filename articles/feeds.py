"""/feed/: an Atom feed of the board, honouring every board filter."""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from . import search
from .filters import PostFilter
from .http import not_kept
from .models import Post
from .pagination import with_query
from .text import summarize

FEED_SIZE = 50


class BoardFeed(Feed):
    feed_type = Atom1Feed
    language = "ko"

    def __call__(self, request, *args, **kwargs):
        queryset = Post.objects.published().select_related("author", "body")
        request.board_filter = PostFilter(request.GET, queryset=queryset)
        try:
            with request.board_filter.bounded():
                return super().__call__(request, *args, **kwargs)
        except search.TooSlow:
            return not_kept(
                HttpResponse(
                    search.TooSlow.message, status=503, content_type="text/plain; charset=utf-8"
                )
            )

    def get_object(self, request):
        # The feed object is shared between requests: keep everything per request in obj.
        return request.board_filter

    def title(self, filterset):
        q = filterset.form.cleaned_data.get("q") if filterset.terms else ""
        return f"{settings.SITE_NAME}: ‘{q}’ 검색" if q else f"{settings.SITE_NAME} 게시판"

    def subtitle(self, filterset):
        return (
            f"{settings.SITE_NAME}의 새 글"
            if not filterset.terms
            else self.title(filterset) + " 결과의 새 글"
        )

    def link(self, filterset):
        return with_query(reverse("articles:board"), filterset.params())

    def feed_url(self, filterset):
        return with_query(reverse("articles:feed"), filterset.params())

    def items(self, filterset):
        if filterset.is_active:  # a search or a period: in the list's own order
            return filterset.newest_first()[:FEED_SIZE]
        # The whole board: the newest published first (post_published_at). A
        # scheduled post keeps the number it was saved with and comes due
        # after newer numbers: by number, it missed the feed once FEED_SIZE
        # posts had followed it overnight.
        return filterset.qs.order_by("-published_at", "-number")[:FEED_SIZE]

    def item_title(self, post):
        return post.title

    def item_description(self, post):
        # Atom marks the summary as HTML: plain text must be escaped to stay text.
        body = getattr(post, "body", None)
        return escape(summarize(body.text, 300)) if body else ""

    def item_pubdate(self, post):
        return timezone.localtime(post.published_at)  # written with +09:00

    def item_updateddate(self, post):
        return timezone.localtime(post.modified_at)  # never before <published>

    def item_author_name(self, post):
        return post.author.name
