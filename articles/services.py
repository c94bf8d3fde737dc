"""The one write path for posts.

Admin saves and actions, the import and demo commands, the generator and the
tests all call these functions, so that cleaning, numbering and whatever the
search index needs happen in exactly one place.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import connections, transaction
from django.db.models import Max
from django.utils import timezone

from . import search
from .models import ArticleBody, Author, BoardRevision, Post
from .text import clean_line, clean_text, html_to_text, sanitize_html


def author_get_or_create(*, name: str) -> Author:
    author, _ = Author.objects.get_or_create(name=clean_line(name))
    return author


def next_number(using: str = "default") -> int:
    """One above the highest number ever given: hidden and deleted posts keep theirs."""
    top = Post.objects.using(using).aggregate(top=Max("number"))["top"] or 0
    return max(top, BoardRevision.highest(using)) + 1


def lock_numbers(using: str) -> None:
    """Serialise number-taking writers on PostgreSQL until the transaction ends.

    SQLite serialises writers by itself (IMMEDIATE transactions).
    """
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(46201)")


_LINES = ("title", "author", "source_name")  # one-line text fields


def _clean_fields(fields: dict) -> dict:
    """The post's own text fields, cleaned as every write path cleans them."""
    cleaned = dict(fields)
    for name in _LINES:
        if isinstance(cleaned.get(name), str):
            cleaned[name] = clean_line(cleaned[name])
    if "source_url" in cleaned:
        cleaned["source_url"] = clean_text(cleaned["source_url"]).strip()
    return cleaned


def _body_fields(*, html: str, credits: str = "", reporter: str = "") -> dict:
    clean_html = sanitize_html(html)
    return {
        "html": clean_html,
        "text": html_to_text(clean_html),
        "credits": clean_line(credits),
        "reporter": clean_line(reporter),
    }


def post_create(
    *,
    title: str,
    author: Author | str,
    body_html: str = "",
    published_at: datetime | None = None,
    status: str = Post.Status.PUBLISHED,
    is_notice: bool = False,
    source_name: str = "",
    source_url: str = "",
    credits: str = "",
    reporter: str = "",
    number: int | None = None,
) -> Post:
    """Create a post with its body. Without `number` it takes the next free one.

    Writers take numbers one at a time (lock_numbers, or SQLite's IMMEDIATE
    transactions), so two posts created at once never race for a number.
    """
    if isinstance(author, str):
        author = author_get_or_create(name=author)
    fields = _clean_fields(
        {
            "title": title,
            "author": author,
            "published_at": published_at or timezone.now(),
            "status": status,
            "is_notice": is_notice,
            "source_name": source_name,
            "source_url": source_url,
        }
    )
    body = _body_fields(html=body_html, credits=credits, reporter=reporter)
    with transaction.atomic():
        lock_numbers("default")  # numbers are taken one writer at a time
        post = Post.objects.create(number=next_number() if number is None else number, **fields)
        ArticleBody.objects.create(post=post, **body)
    return post


def post_update(
    *,
    post: Post,
    body_html: str | None = None,
    credits: str | None = None,
    reporter: str | None = None,
    **fields,
) -> Post:
    """Change a post's fields (and body) through the same cleaning as post_create."""
    fields = _clean_fields(fields)
    if isinstance(fields.get("author"), str):
        fields["author"] = author_get_or_create(name=fields["author"])
    with transaction.atomic():
        for name, value in fields.items():
            setattr(post, name, value)
        # Only what changed: a full save would write back a stale 조회 count.
        post.save(update_fields=[*fields, "updated_at"])
        if (body_html, credits, reporter) != (None, None, None):
            body_save(post=post, html=body_html, credits=credits, reporter=reporter)
    return post


def body_save(*, post: Post, html: str | None = None, credits=None, reporter=None) -> ArticleBody:
    """Write a post's body: sanitised HTML and the plain text derived from it."""
    body, _ = ArticleBody.objects.get_or_create(post=post)
    fields = _body_fields(
        html=body.html if html is None else html,
        credits=body.credits if credits is None else credits,
        reporter=body.reporter if reporter is None else reporter,
    )
    for name, value in fields.items():
        setattr(body, name, value)
    body.save()
    return body


def posts_set_status(*, posts, status: str) -> int:
    """Publish, hide or restore many posts at once. Hidden posts keep their numbers."""
    return _posts_update(posts, status=status)


def posts_set_notice(*, posts, is_notice: bool) -> int:
    """Pin posts above the board as 공지, or unpin them."""
    return _posts_update(posts, is_notice=is_notice)


def _posts_update(posts, **values) -> int:
    with transaction.atomic():
        changed = Post.objects.filter(pk__in=posts.values("pk")).update(
            **values, updated_at=timezone.now()
        )
        BoardRevision.bump()
    return changed


# --- many posts at once (generator, import) ----------------------------------


@dataclass(frozen=True)
class PreparedPost:
    """A post cleaned and derived, ready to write: what post_prepare() returns.

    Preparing is pure computation (sanitising, plain text, search tokens), so
    bulk writers may spread it over processes before one writer stores it.
    """

    number: int | None
    title: str
    author: str
    published_at: datetime
    status: str
    is_notice: bool
    source_name: str
    source_url: str
    html: str
    text: str
    credits: str
    reporter: str
    tokens: str  # search.sorted_document()
    # Fields the source did not give (an import's row without 상태, say): a new
    # post takes their defaults, an existing one keeps its own.
    kept: frozenset[str] = frozenset()


def post_prepare(
    *,
    title: str,
    author: str,
    published_at: datetime,
    body_html: str = "",
    status: str = Post.Status.PUBLISHED,
    is_notice: bool = False,
    source_name: str = "",
    source_url: str = "",
    credits: str = "",
    reporter: str = "",
    number: int | None = None,
) -> PreparedPost:
    body = _body_fields(html=body_html, credits=credits, reporter=reporter)
    fields = _clean_fields(
        {"title": title, "author": author, "source_name": source_name, "source_url": source_url}
    )
    return PreparedPost(
        number=number,
        published_at=published_at,
        status=status,
        is_notice=is_notice,
        tokens=search.sorted_document(fields["title"], body["text"]),
        **fields,
        **body,
    )


def _authors(names: set[str], using: str) -> dict[str, int]:
    Author.objects.using(using).bulk_create(
        [Author(name=name) for name in names], ignore_conflicts=True
    )
    return dict(Author.objects.using(using).filter(name__in=names).values_list("name", "pk"))


def posts_bulk_write(
    posts: list[PreparedPost], *, using: str = "default", floor: int = 0
) -> list[int]:
    """Store prepared posts, their bodies and search tokens in one transaction.

    Posts without a number get the next free ones, in order. Returns the
    numbers written. PostgreSQL takes the rows by COPY; writers are serialised
    by a transaction-level advisory lock so that two never take the same numbers.
    """
    if not posts:
        return []
    connection = connections[using]
    now = timezone.now()
    with transaction.atomic(using=using):
        lock_numbers(using)
        authors = _authors({p.author for p in posts}, using)
        # New numbers go above every number in use, ever given, or coming
        # later in this import (`floor`), so they can never collide.
        top = max(next_number(using) - 1, floor)
        numbers = []
        for post in posts:
            if post.number is None:
                top += 1
                numbers.append(top)
            else:
                numbers.append(post.number)
                top = max(top, post.number)
        if connection.vendor == "postgresql":
            _copy_postgres(connection, posts, numbers, authors, now)
        else:
            created = Post.objects.using(using).bulk_create(
                Post(
                    number=number,
                    title=p.title,
                    author_id=authors[p.author],
                    published_at=p.published_at,
                    status=p.status,
                    is_notice=p.is_notice,
                    source_name=p.source_name,
                    source_url=p.source_url,
                    created_at=now,
                    updated_at=now,
                )
                for p, number in zip(posts, numbers, strict=True)
            )
            ArticleBody.objects.using(using).bulk_create(
                ArticleBody(
                    post=row, html=p.html, text=p.text, credits=p.credits, reporter=p.reporter
                )
                for row, p in zip(created, posts, strict=True)
            )
            search.index_documents(
                [(row.pk, p.tokens.split()) for row, p in zip(created, posts, strict=True)],
                using=using,
            )
        BoardRevision.bump(using=using, number=max(numbers))
    return numbers


def refresh_statistics(changed: int, using: str = "default") -> bool:
    """ANALYZE on PostgreSQL after a bulk write that changed a tenth of the
    posts or more (autovacuum's own threshold). Returns whether it ran.

    The planner's row counts come from statistics that autovacuum refreshes at
    its next round, a minute or more later, or never where it is turned off.
    Until then, 20,000 new posts looked like one row to it: board page 1 took
    40 ms (a sort of every row) instead of 2, an article page 120 ms. The
    search picks its plans by the same statistics (search.probe).
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or changed <= 0:
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'articles_post'::regclass")
        known = cursor.fetchone()[0]  # -1 until the table is first analysed
        if known >= 0 and changed * 10 < known:
            return False
        cursor.execute("ANALYZE articles_post, articles_search, articles_author")
    return True


def _copy_postgres(connection, posts, numbers, authors, now) -> None:
    raw = connection.connection  # the psycopg connection, inside Django's transaction
    with raw.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('articles_post', 'id')) "
            "FROM generate_series(1, %s)",
            [len(posts)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        with cursor.copy(
            "COPY articles_post (id, number, title, author_id, published_at, status, is_notice,"
            " source_name, source_url, view_count, created_at, updated_at) FROM STDIN"
        ) as copy:
            for pk, number, p in zip(ids, numbers, posts, strict=True):
                copy.write_row(
                    (pk, number, p.title, authors[p.author], p.published_at, p.status,
                     p.is_notice, p.source_name, p.source_url, 0, now, now)
                )  # fmt: skip
        with cursor.copy(
            "COPY articles_articlebody (post_id, html, text, credits, reporter) FROM STDIN"
        ) as copy:
            for pk, p in zip(ids, posts, strict=True):
                copy.write_row((pk, p.html, p.text, p.credits, p.reporter))
        cursor.adapters.register_dumper(search.TsvectorBinary, search.TsvectorBinaryDumper)
        with cursor.copy(
            "COPY articles_search (post_id, number, tokens) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int8", "int4", search.TSVECTOR_OID])
            for pk, number, p in zip(ids, numbers, posts, strict=True):
                copy.write_row((pk, number, search.tsvector_binary(p.tokens)))
