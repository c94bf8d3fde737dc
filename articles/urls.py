from django.urls import path

from . import views
from .feeds import BoardFeed

app_name = "articles"

urlpatterns = [
    path("", views.board, name="board"),
    path("posts/<int:number>/", views.post_detail, name="detail"),
    path("feed/", BoardFeed(), name="feed"),
]
