"""The one write path for posts.

Admin saves and actions, the import and demo commands, the generator and the
tests all call these functions, so that cleaning, numbering and whatever the
search index needs happen in exactly one place.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from .models import ArticleBody, Author, Post
from .text import clean_line, clean_text, html_to_text, sanitize_html

_NUMBER_RETRIES = 10


def author_get_or_create(*, name: str) -> Author:
    author, _ = Author.objects.get_or_create(name=clean_line(name))
    return author


def next_number() -> int:
    """The next free number: one above the highest ever used (hidden posts keep theirs)."""
    return (Post.objects.aggregate(top=Max("number"))["top"] or 0) + 1


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

    Two posts created at the same moment race for the same number; the unique
    constraint makes the loser fail, and it retries with the next number.
    """
    if isinstance(author, str):
        author = author_get_or_create(name=author)
    fields = {
        "title": clean_line(title),
        "author": author,
        "published_at": published_at or timezone.now(),
        "status": status,
        "is_notice": is_notice,
        "source_name": clean_line(source_name),
        "source_url": clean_text(source_url).strip(),
    }
    body = _body_fields(html=body_html, credits=credits, reporter=reporter)
    for attempt in range(_NUMBER_RETRIES):
        try:
            with transaction.atomic():
                post = Post.objects.create(
                    number=next_number() if number is None else number, **fields
                )
                ArticleBody.objects.create(post=post, **body)
                return post
        except IntegrityError:
            if number is not None or attempt == _NUMBER_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def post_update(
    *,
    post: Post,
    body_html: str | None = None,
    credits: str | None = None,
    reporter: str | None = None,
    **fields,
) -> Post:
    """Change a post's fields (and body) through the same cleaning as post_create."""
    for name in ("title", "source_name"):
        if name in fields:
            fields[name] = clean_line(fields[name])
    if "source_url" in fields:
        fields["source_url"] = clean_text(fields["source_url"]).strip()
    if isinstance(fields.get("author"), str):
        fields["author"] = author_get_or_create(name=fields["author"])
    with transaction.atomic():
        for name, value in fields.items():
            setattr(post, name, value)
        post.save()
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
    return Post.objects.filter(pk__in=posts.values("pk")).update(
        status=status, updated_at=timezone.now()
    )


def posts_set_notice(*, posts, is_notice: bool) -> int:
    """Pin posts above the board as 공지, or unpin them."""
    return Post.objects.filter(pk__in=posts.values("pk")).update(
        is_notice=is_notice, updated_at=timezone.now()
    )
