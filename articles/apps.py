from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "게시판"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import search, signals  # noqa: F401
        from .models import SearchEntry

        SearchEntry._meta.get_field("tokens").register_lookup(search.TsMatch)
