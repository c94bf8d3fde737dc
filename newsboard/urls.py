from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    # /admin/
    path("admin/", admin.site.urls),
    # the board and its articles
    path("", include("articles.urls")),
]
