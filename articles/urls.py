from django.urls import path, re_path

from . import sitemaps, views
from .feeds import BoardFeed
from .http import public_page

app_name = "articles"

urlpatterns = [
    path("", views.board, name="board"),
    # First: "detail" would read /posts/046206/ as the same number, a second URL.
    re_path(
        r"^posts/0+(?P<number>[1-9][0-9]{0,9})/$", views.post_number_padded, name="detail-padded"
    ),
    path("posts/<int:number>/", views.post_detail, name="detail"),
    path("posts/<int:number>/view.gif", views.count_view, name="count-view"),
    path("feed/", public_page(BoardFeed()), name="feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", public_page(sitemaps.index), name="sitemap"),
    path("sitemap-<str:section>.xml", public_page(sitemaps.section), name="sitemap-section"),
]
