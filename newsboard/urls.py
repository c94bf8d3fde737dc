from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = admin.site.site_title = f"{settings.SITE_NAME} 관리"

urlpatterns = [
    # the admin, under a configurable prefix (ADMIN_URL)
    path(settings.ADMIN_URL, admin.site.urls),
    # the board and its articles
    path("", include("articles.urls")),
]
