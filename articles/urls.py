from django.urls import path

from . import sitemaps, views
from .feeds import BoardFeed

app_name = "articles"

urlpatterns = [
    path("", views.board, name="board"),
    path("posts/<int:number>/", views.post_detail, name="detail"),
    path("feed/", BoardFeed(), name="feed"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("sitemap.xml", sitemaps.index, name="sitemap"),
    path("sitemap-<str:section>.xml", sitemaps.section, name="sitemap-section"),
]
