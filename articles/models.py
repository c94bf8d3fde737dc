import datetime
import time
from typing import ClassVar
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import connections, models, transaction
from django.db.models import Q
from django.db.models.functions import Greatest
from django.urls import get_script_prefix, reverse
from django.utils import timezone

# Dates a post may carry, and the links it may point to: shared by the admin's
# forms (model validation) and the import.
MAX_NUMBER = 2**31 - 1  # the largest board number
EARLIEST_PUBLISHED = datetime.datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
LATEST_PUBLISHED = datetime.datetime(2100, 12, 31, 23, 59, 59, tzinfo=ZoneInfo("UTC"))
validate_source_url = URLValidator(
    schemes=["http", "https"],
    message="원문 주소는 http 또는 https 주소여야 합니다.",
    code="http_only",  # not "invalid": a field's own message for that code would replace it
)


def validate_published_at(value: datetime.datetime) -> None:
    if not EARLIEST_PUBLISHED <= value <= LATEST_PUBLISHED:
        raise ValidationError("게시 시각은 1970년부터 2100년 사이여야 합니다.", code="out_of_range")


_DETAIL_URLS: dict[str, str] = {}  # script prefix → "/posts/" (see Post.get_absolute_url)


class Author(models.Model):
    name = models.CharField(
        "이름",
        max_length=100,
        unique=True,
        help_text="게시판의 글쓴이 칸에 보이는 이름 (예: 랭크뉴스).",
    )

    class Meta:
        verbose_name = "글쓴이"
        verbose_name_plural = "글쓴이"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="author_name_not_empty"),
        ]

    def __str__(self):
        return self.name


class PostQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """The one definition of "public": published, and not scheduled for later."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def scheduled(self, *, now=None):
        """Published, but dated later: public when that time comes (예약)."""
        return self.filter(status=Post.Status.PUBLISHED, published_at__gt=now or timezone.now())

    def notices(self):
        return self.filter(is_notice=True)

    def rows(self):
        """Board rows: notices are pinned above the list instead of numbered in it."""
        return self.filter(is_notice=False)

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        # The admin's date hierarchy asks for the years that have posts: a
        # DISTINCT over a million rows (300+ ms). The years between the first
        # and the last post come from two index reads instead (a year without
        # posts may show; its page is simply empty).
        if kind != "year" or field_name != "published_at":
            return super().datetimes(field_name, kind, order, tzinfo)
        span = self.aggregate(first=models.Min("published_at"), last=models.Max("published_at"))
        if span["first"] is None:
            return []
        zone = tzinfo or timezone.get_current_timezone()
        first, last = (timezone.localtime(span[k], zone).year for k in ("first", "last"))
        years = [datetime.datetime(year, 1, 1, tzinfo=zone) for year in range(first, last + 1)]
        return years if order == "ASC" else years[::-1]


class Post(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "임시저장"
        PUBLISHED = "published", "게시"
        HIDDEN = "hidden", "숨김"

    number = models.PositiveIntegerField(
        "번호",
        unique=True,
        blank=True,
        # What PostgreSQL's integer holds, on SQLite too: a board moved between
        # them (export, import) keeps every number.
        validators=[
            MinValueValidator(1, "번호는 1 이상이어야 합니다."),
            MaxValueValidator(MAX_NUMBER, f"번호는 {MAX_NUMBER:,} 이하여야 합니다."),
        ],
        help_text="게시판의 영구 번호. 비워 두면 다음 빈 번호가 붙고, 한 번 정해지면 바뀌지 않습니다.",
    )
    title = models.CharField("제목", max_length=300, help_text="목록과 기사 위에 보이는 제목.")
    author = models.ForeignKey(
        Author,
        on_delete=models.PROTECT,
        related_name="posts",
        verbose_name="글쓴이",
        help_text="게시판의 글쓴이 칸에 보일 이름.",
    )
    published_at = models.DateTimeField(
        "게시 시각",
        default=timezone.now,
        validators=[validate_published_at],
        help_text="서울 시각. 미래 시각이면 그때까지 게시판에 나오지 않습니다 (예약).",
    )
    status = models.CharField(
        "상태",
        max_length=10,
        choices=Status.choices,
        default=Status.PUBLISHED,
        help_text="게시: 누구나 봄 · 숨김: 번호는 남기고 게시판에서 내림 · 임시저장: 아직 안 보임.",
    )
    is_notice = models.BooleanField(
        "공지", default=False, help_text="켜면 게시판 맨 위에 공지로 고정됩니다."
    )
    source_name = models.CharField(
        "출처", max_length=100, blank=True, help_text="원문을 낸 언론사 (예: KBS)."
    )
    source_url = models.URLField(
        "원문 주소",
        max_length=500,
        blank=True,
        validators=[validate_source_url],
        help_text="원문 기사의 주소 (http 또는 https).",
    )
    view_count = models.PositiveIntegerField("조회", default=0, editable=False)
    created_at = models.DateTimeField("만든 시각", auto_now_add=True)
    updated_at = models.DateTimeField("고친 시각", auto_now=True)

    objects = PostQuerySet.as_manager()

    class Meta:
        verbose_name = "게시글"
        verbose_name_plural = "게시글"
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.CheckConstraint(condition=Q(number__gt=0), name="post_number_positive"),
            models.CheckConstraint(condition=~Q(title=""), name="post_title_not_empty"),
        ]
        indexes = [
            # The board: public rows newest first (WHERE status='published' ORDER BY number DESC).
            # published_at is included so that counting and anchoring the board
            # (articles/pagination.py) is an index-only scan on PostgreSQL.
            models.Index(
                fields=["-number"],
                include=["published_at"],
                condition=Q(status="published", is_notice=False),
                name="post_board_rows",
            ),
            # The admin's 숨김 and 임시저장 filters: a few percent of the rows.
            models.Index(
                fields=["-number"], condition=~Q(status="published"), name="post_unpublished"
            ),
            # Notices pinned above the board: a handful of rows.
            models.Index(fields=["-number"], condition=Q(is_notice=True), name="post_notices"),
            # Date filters (date_from / date_to) and scheduled publishing.
            models.Index(fields=["published_at"], name="post_published_at"),
            # A search by 글쓴이 (field=author): the matching authors' posts, newest first.
            models.Index(fields=["author", "-number"], name="post_author_number"),
            # Imports match rows without a number by their source URL.
            models.Index(
                fields=["source_url"], condition=~Q(source_url=""), name="post_source_url"
            ),
        ]

    def __str__(self):
        return f"{self.number} {self.title}"

    def get_absolute_url(self):
        # reverse() once per script prefix: a board page links 20-odd posts,
        # and reversing each took a fifth of rendering it.
        prefix = get_script_prefix()
        base = _DETAIL_URLS.get(prefix)
        if base is None:
            base = _DETAIL_URLS[prefix] = reverse(
                "articles:detail", kwargs={"number": 1}
            ).removesuffix("1/")
        return f"{base}{self.number}/"

    @property
    def modified_at(self):
        """When the post last changed for readers and crawlers (sitemap, feed,
        JSON-LD). A scheduled post is saved before it comes due: for them it
        appears, and so changes, when it does. MODIFIED_AT is the same in SQL."""
        return max(self.updated_at, self.published_at)

    @property
    def is_scheduled(self) -> bool:
        """PostQuerySet.scheduled(), for one post."""
        return self.status == self.Status.PUBLISHED and self.published_at > timezone.now()

    @property
    def is_public(self) -> bool:
        """PostQuerySet.published(), for one post: readers can see it."""
        return self.status == self.Status.PUBLISHED and not self.is_scheduled

    @property
    def state_label(self) -> str:
        """게시, 숨김 or 임시 저장 as stored, or 예약 while it is not due yet."""
        return "예약" if self.is_scheduled else self.get_status_display()


MODIFIED_AT = Greatest("updated_at", "published_at")  # Post.modified_at, in SQL


class ArticleBody(models.Model):
    """The article text, in its own table so that board lists never load it."""

    post = models.OneToOneField(
        Post, on_delete=models.CASCADE, primary_key=True, related_name="body", verbose_name="게시글"
    )
    # Checked by the admin and by imports. PostgreSQL keeps at most 1 MB of
    # search tokens a post; 100,000 characters give at most 100,000 distinct
    # tokens of at most 9 bytes (a news article is about 5,000 characters).
    MAX_HTML_LENGTH = 100_000

    html = models.TextField(
        "본문", blank=True, help_text="기사 본문 HTML. 저장할 때 허용된 태그만 남기고 정리됩니다."
    )
    text = models.TextField(
        "본문 텍스트",
        blank=True,
        editable=False,
        help_text="본문에서 뽑은 순수 텍스트 (검색·요약용).",
    )
    credits = models.CharField(
        "크레딧",
        max_length=500,
        blank=True,
        help_text="기자·촬영·편집 등 크레딧 한 줄 (예: 촬영기자:안용습/영상편집:김철).",
    )
    reporter = models.CharField(
        "기자", max_length=100, blank=True, help_text="기사를 쓴 기자 이름."
    )

    class Meta:
        verbose_name = "본문"
        verbose_name_plural = "본문"

    def __str__(self):
        return f"{self.post.number}번 글"  # the admin heads the body "본문: 46201번 글"


class SearchEntry(models.Model):
    """One post's search tokens (articles/search.py explains the index).

    Declared so that Django knows the table (test flushes, deletes); written
    and read only with SQL by articles/search.py. On PostgreSQL `tokens` is a
    GIN-indexed tsvector; on SQLite the table is FTS5 (rowid = post id), so
    do not query this model with the ORM.
    """

    # The database removes the row with its post (a cascading key on PostgreSQL, a
    # signal on SQLite), so the ORM never has to.
    post = models.OneToOneField(
        Post, on_delete=models.DO_NOTHING, primary_key=True, related_name="search_entry"
    )
    tokens = models.TextField()

    class Meta:
        db_table = "articles_search"
        verbose_name = "검색 색인"
        default_permissions = ()

    def __str__(self):
        return f"{self.post_id} 검색 색인"


class BoardRevision(models.Model):
    """Counters bumped by writes to the board; one row, read by primary key.

    `revision` changes with every write a reader could see (rendered pages are
    cached per revision); `layout` only with those that can move rows between
    board pages (a post added, deleted, hidden, pinned or rescheduled): deep
    board pages are found through page anchors computed once per layout
    (articles/pagination.py), which fixing a typo need not throw away.
    """

    LAYOUT_FIELDS = frozenset({"number", "status", "is_notice", "published_at"})

    revision = models.BigIntegerField(default=0)
    layout = models.BigIntegerField(default=0)
    # The highest number ever given, so that deleting the newest post never
    # frees its number for another article (links to /posts/<number>/ are shared).
    highest_number = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "게시판 판"
        default_permissions = ()

    def __str__(self):
        return f"게시판 판 {self.revision}"

    # What this process last read, per database: ((revision, layout), time.time() then).
    _seen: ClassVar[dict[str, tuple[tuple[int, int], float]]] = {}

    @classmethod
    def current(cls, using="default", *, max_age: float = 0) -> int:
        """The board's revision; with `max_age`, a reading that many seconds old will do.

        A write through bump() makes this process forget its readings, so its
        own edits show at once; other processes see them within `max_age`.
        """
        return cls._read(using, max_age)[0]

    @classmethod
    def is_fresh(cls, using: str, max_age: float) -> bool:
        """Whether this process read `using`'s revision less than `max_age` ago."""
        return cls._fresh(using, max_age, time.time()) is not None

    @classmethod
    def _fresh(cls, using, max_age: float, now: float) -> tuple[int, int] | None:
        seen = cls._seen.get(using)
        return seen[0] if seen is not None and 0 <= now - seen[1] < max_age else None

    @classmethod
    def current_layout(cls, using="default") -> int:
        """The board's layout counter, read now."""
        return cls._read(using, 0)[1]

    @classmethod
    def _read(cls, using, max_age: float) -> tuple[int, int]:
        now = time.time()
        if (reading := cls._fresh(using, max_age, now)) is not None:
            return reading
        # Plain SQL: this runs for most requests, and skips the ORM's query building.
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT revision, layout FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        reading = (row[0], row[1]) if row else (0, 0)
        # Inside a transaction the revision may be one that is rolled back.
        if not connections[using].in_atomic_block:
            cls._seen[using] = (reading, now)
        return reading

    @classmethod
    def bump(cls, using="default", *, number: int = 0, layout: bool = True) -> None:
        """A new revision (and layout, unless `layout` is False); `number` raises
        the highest number ever given.

        A new value is at least the current time in microseconds, not merely
        one more: a restored backup or a rebuilt database starts again from a
        lower value, and counting up from there would reuse revisions whose
        pages and anchors a shared cache still holds for other rows.
        """
        tick = models.Value(time.time_ns() // 1000)
        changed = (
            cls.objects.using(using)
            .filter(pk=1)
            .update(
                revision=Greatest(models.F("revision") + 1, tick),
                layout=Greatest(models.F("layout") + 1, tick) if layout else models.F("layout"),
                highest_number=Greatest(models.F("highest_number"), models.Value(number)),
            )
        )
        if not changed:
            _, created = cls.objects.using(using).get_or_create(
                pk=1,
                defaults={
                    "revision": tick.value,
                    "layout": tick.value if layout else 0,
                    "highest_number": number,
                },
            )
            if not created:  # another first writer made the row meanwhile: bump it
                return cls.bump(using, number=number, layout=layout)
        cls._seen.clear()
        transaction.on_commit(cls._seen.clear, using=using)

    @classmethod
    def highest(cls, using="default") -> int:
        row = cls.objects.using(using).filter(pk=1).values_list("highest_number", flat=True).first()
        return row or 0
