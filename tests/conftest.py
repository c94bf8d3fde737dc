import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from articles import services
from articles.models import Post

SEOUL = ZoneInfo("Asia/Seoul")


def seoul(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SEOUL)


@pytest.fixture
def demo_board(db):
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.fixture
def make_post(db):
    """Create posts through the one write path, with sensible defaults."""
    counter = itertools.count(1)

    def make(**fields) -> Post:
        n = next(counter)
        fields.setdefault("title", f"테스트 글 {n}")
        fields.setdefault("author", "테스트뉴스")
        fields.setdefault("published_at", seoul(2025, 1, 1, 9, 0) + dt.timedelta(minutes=n))
        return services.post_create(**fields)

    return make


@pytest.fixture
def editor(db, django_user_model):
    """A staff member who may change posts (not a superuser)."""
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("editor", password="pw-editor-1234", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="articles", codename__in=[
            "view_post", "change_post", "add_post", "delete_post", "view_author", "add_author",
            "change_author", "view_articlebody", "change_articlebody", "add_articlebody",
        ])
    )  # fmt: skip
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def numbers(response) -> list[int]:
    """The post numbers of the board rows shown on a page, top to bottom."""
    return [row.number for row in response.context["page"].rows]


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Each test starts with an empty cache (board anchors are cached per revision).

    Always the process's memory: emptying the Redis that REDIS_URL names, in
    an operator's shell, would empty the site's shared cache.
    """
    from django.core.cache import cache

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    from articles import pagination
    from articles.models import BoardRevision

    def clear():
        cache.clear()
        pagination._local.clear()
        pagination._editions.clear()
        BoardRevision._seen.clear()

    clear()
    yield
    clear()
