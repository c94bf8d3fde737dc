"""/sitemap.xml: an index of sections of 10,000 posts, by number range.

Sections are number ranges, not positions, so a section never needs a count
or an OFFSET; the index's lastmod values come from one grouped query, cached
for ten minutes. Only public posts are listed.
"""

import re

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F, Max
from django.http import Http404

from .models import MODIFIED_AT, Post

SECTION = 10_000


class _OnePage(Paginator):
    """A section is one page by construction (a range of SECTION numbers)."""

    @property
    def count(self):
        return self.per_page


class PostSection(Sitemap):
    limit = SECTION
    changefreq = "never"

    def __init__(self, index: int, lastmod=None):
        self.index, self._lastmod = index, lastmod

    def items(self):
        start = self.index * SECTION + 1
        return (
            Post.objects.published()
            .filter(number__gte=start, number__lt=start + SECTION)
            .order_by("number")
            .only("number", "updated_at", "published_at")
        )

    @property
    def paginator(self):
        return _OnePage(self.items(), self.limit)

    def lastmod(self, post):
        return post.modified_at

    def get_latest_lastmod(self):
        return self._lastmod


def _sections() -> dict[str, PostSection]:
    # One pass over the board (about 0.3 s at a million posts), kept for ten
    # minutes: crawlers do not need a new post's section date at once.
    key = "newsboard:sitemap:sections"
    found = cache.get(key)
    if found is None:
        found = list(
            Post.objects.published()
            .annotate(section=(F("number") - 1) / SECTION)
            .values("section")
            .annotate(last=Max(MODIFIED_AT))  # one pass either way: updated_at is in no index
            .order_by("section")
            .values_list("section", "last")
        )
        cache.set(key, found, 600)
    return {f"posts-{index}": PostSection(index, last) for index, last in found}


def index(request):
    return sitemap_views.index(request, _sections(), sitemap_url_name="articles:sitemap-section")


def section(request, section: str):
    # One URL a section: not posts-01, nor 4 for posts-4.
    found = re.fullmatch(r"posts-(0|[1-9][0-9]{0,5})", section)
    if not found or section not in _sections():  # no public posts: no such section
        raise Http404
    return sitemap_views.sitemap(request, {section: PostSection(int(found[1]))}, section=section)
