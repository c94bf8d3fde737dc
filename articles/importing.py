"""Import and export of posts: JSONL, CSV and RSS/Atom feeds.

One row format (README, "Import and export"). Every row is checked first;
bad rows are reported with their line (or entry) number and skipped, or with
`strict` nothing is written. Good rows are written in batches, one transaction
each, through the services' write path. A post is matched by number, else by
source URL, else by title and time, so importing a file twice changes nothing
and an import killed halfway can simply be run again.
"""

import codecs
import csv
import http.client
import io
import json
import re
import time
import urllib.request
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from . import parallel, services
from .models import (
    MAX_NUMBER,
    ArticleBody,
    Author,
    Post,
    validate_published_at,
    validate_source_url,
)
from .text import clean_line, html_to_text, sanitize_html

SEOUL = ZoneInfo(settings.TIME_ZONE)
FIELDS = [
    "number", "title", "author", "published_at", "status", "is_notice",
    "source_name", "source_url", "reporter", "credits", "body_html",
]  # fmt: skip
LIMITS = {  # characters, as the models allow them
    **{
        name: Post._meta.get_field(name).max_length
        for name in ("title", "source_name", "source_url")
    },
    "author": Author._meta.get_field("name").max_length,
    **{name: ArticleBody._meta.get_field(name).max_length for name in ("reporter", "credits")},
    "body_html": ArticleBody.MAX_HTML_LENGTH,
}
REQUIRED = ("title", "author", "published_at")
_NAMELESS = "\0"  # the key of a CSV column without a name (no header holds a NUL)
_OPTIONAL = ("status", "is_notice", "source_name", "source_url", "reporter", "credits", "body_html")
_FLAGS = ("status", "is_notice")
_STORED_AS = {"body_html": "html"}
_LINE_FIELDS = ("title", "author", "source_name", "reporter", "credits")
BATCH = 1_000
_CSV_FIELD_LIMIT = 10 * max(LIMITS.values())
STATUSES = frozenset(Post.Status.values)


class RowError(ValueError):
    pass


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, why): each skipped
    seconds: float = 0.0
    dry_run: bool = False
    strict_failed: bool = False

    @property
    def skipped(self) -> int:
        return len(self.errors)

    def summary(self) -> str:
        head = "점검만 했습니다 (저장하지 않음). " if self.dry_run or self.strict_failed else ""
        return (
            f"{head}새 글 {self.created:,} · 바뀐 글 {self.updated:,} · 그대로 {self.unchanged:,}"
            f" · 건너뜀 {self.skipped:,} ({self.seconds:.1f}초)"
        )


# --- reading ---------------------------------------------------------------


class SourceError(Exception):
    """The file or feed as a whole cannot be read: there are no rows to report."""


def read_jsonl(data: bytes) -> Iterator[tuple[int, dict | RowError]]:
    # A byte order mark, which some editors write, is not part of the first row.
    for line_no, raw in enumerate(data.removeprefix(codecs.BOM_UTF8).splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield line_no, RowError("UTF-8이 아닌 바이트가 있습니다")
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as exc:
            yield line_no, RowError(f"JSON으로 읽을 수 없습니다 ({exc.colno:,}번째 글자)")
            continue
        except (ValueError, RecursionError):  # a number of thousands of digits; deep nesting
            yield line_no, RowError("JSON으로 읽을 수 없습니다 (값이 너무 길거나 깊습니다)")
            continue
        if not isinstance(row, dict):
            yield line_no, RowError("한 줄에 JSON 객체 하나여야 합니다")
        elif unknown := [name for name in row if name not in FIELDS]:
            # Say so rather than drop it: a "body" meant as body_html would vanish.
            yield line_no, RowError("알 수 없는 필드: " + ", ".join(map(repr, unknown[:5])))
        else:
            yield line_no, row


def read_csv(data: bytes) -> Iterator[tuple[int, dict | RowError]]:
    """The rows of a CSV file whose header names FIELDS; SourceError if it names
    others or lacks a required one (every row would lose that column)."""
    # Undecodable bytes survive as lone surrogates, so the row that holds them
    # is reported by its line instead of vanishing.
    text = data.decode("utf-8", errors="surrogateescape").removeprefix("\ufeff")
    # Fields longer than any limit are read, to be reported as too long.
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    reader = csv.DictReader(io.StringIO(text))
    try:
        header = reader.fieldnames or []
    except csv.Error:
        raise SourceError("CSV의 머리글(첫 줄)을 읽을 수 없습니다.") from None
    # A nameless column (a trailing comma, as spreadsheets write) is none of
    # the fields; each gets a key of its own so that no value in one is lost.
    header = [name.strip() or f"{_NAMELESS}{i}" for i, name in enumerate(header)]
    reader.fieldnames = header
    if header:
        named = [name for name in header if not name.startswith(_NAMELESS)]
        unknown = [name for name in named if name not in FIELDS]
        missing = [name for name in REQUIRED if name not in header]
        twice = sorted({name for name in named if named.count(name) > 1})
        problems = []
        if unknown:
            problems.append("알 수 없는 열: " + ", ".join(map(repr, unknown)))
        if missing:
            problems.append("없는 열: " + ", ".join(missing))
        if twice:
            problems.append("두 번 나온 열: " + ", ".join(twice))
        if problems:
            raise SourceError(
                f"CSV 머리글을 확인해 주세요 ({'; '.join(problems)}). 쉼표로 나눈 첫 줄에"
                f" 쓸 수 있는 열: {', '.join(FIELDS)}."
            )
    return _csv_rows(reader)


def _csv_rows(reader) -> Iterator[tuple[int, dict | RowError]]:
    line_no = reader.line_num  # the last line read
    try:
        for row in reader:
            line_no = reader.line_num
            if (checked := _csv_row(row)) is not None:
                yield line_no, checked
    except csv.Error:  # a field past the limit, say: the rest cannot be split into rows
        yield line_no + 1, RowError("CSV를 더 읽을 수 없어 이 줄부터 가져오지 않았습니다")


def _csv_row(row: dict) -> dict | RowError | None:
    """A CSV row to check, what is wrong with it, or None for a blank row."""
    values = [value for value in row.values() if isinstance(value, str)]
    if any("\udc80" <= char <= "\udcff" for value in values for char in value):
        return RowError("UTF-8이 아닌 바이트가 있습니다")
    if None in row:
        return RowError("머리글보다 칸이 많습니다")
    nameless = [key for key in row if key.startswith(_NAMELESS)]
    if any((row.pop(key) or "").strip() for key in nameless):
        return RowError("이름 없는 열에 값이 있습니다")
    return row if any(value.strip() for value in values) else None


FEED_TIMEOUT = 30  # seconds a feed's server may leave a request unanswered
FEED_MAX_BYTES = 50 * 1024 * 1024


def fetch_feed(url: str) -> bytes:
    """A feed's bytes from an http(s) URL, or SourceError.

    feedparser would fetch it too, but without a timeout: a server that
    accepts the connection and never answers held the import forever.
    """
    # The caller passes http(s) URLs only (urlopen would open file:// too).
    request = urllib.request.Request(url, headers={"User-Agent": "newsboard-import"})
    try:
        with urllib.request.urlopen(request, timeout=FEED_TIMEOUT) as response:
            data = response.read(FEED_MAX_BYTES + 1)
    # URLError, HTTPError, timeouts; a malformed URL; a connection cut short
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise SourceError("피드를 가져올 수 없습니다. 주소와 연결을 확인해 주세요.") from exc
    if len(data) > FEED_MAX_BYTES:
        raise SourceError(f"피드가 {FEED_MAX_BYTES // 1024 // 1024}MB보다 커서 읽지 않았습니다.")
    return data


def read_feed(data: bytes) -> Iterator[tuple[int, dict | RowError]]:
    """The entries of an RSS 2.0 or Atom document, as rows; SourceError if it is neither."""
    import feedparser

    # A file-like object, never the bytes themselves: given bytes or a string,
    # feedparser first tries them as a URL or a file name, so a "feed" whose
    # content was /dev/zero or a server path read that file.
    feed = feedparser.parse(io.BytesIO(data))
    # A web page parses without error (not bozo), but as no kind of feed.
    if not feed.version or (feed.bozo and not feed.entries):
        raise SourceError("피드를 읽을 수 없습니다. RSS 2.0이나 Atom 형식이 아닙니다.")
    return _feed_rows(feed)


_ADDRESS = re.compile(r"[^\s()<>,]+@[^\s()<>,]+")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|<\s*>")


def _feed_author(value: str) -> str:
    """The name in a feed's author: RSS <author> is an e-mail address, often with
    the name in brackets ("kim@kbs.co.kr (김기자)"); the board never shows the address."""
    # (feedparser's author_detail reads addresses under 5-letter domains
    # wrongly.) Also "홍길동(hong@yna.co.kr)" and "김기자 <kim@kbs.co.kr>".
    if "@" not in value:
        return value
    return _EMPTY_BRACKETS.sub("", _ADDRESS.sub("", value)).strip(" ()<>\"',")


def _feed_rows(feed) -> Iterator[tuple[int, dict | RowError]]:
    outlet = feed.feed.get("title", "")
    for entry_no, entry in enumerate(feed.entries, start=1):
        parsed = entry.get("published_parsed") or entry.get("updated_parsed")
        try:
            published = datetime(*parsed[:6], tzinfo=ZoneInfo("UTC")).isoformat() if parsed else ""
        except ValueError:  # year 0: feedparser parses dates Python cannot hold
            published = ""
        content = entry.get("content")
        author = _feed_author(entry.get("author", ""))
        title = entry.get("title", "")
        if entry.get("title_detail", {}).get("type") in ("text/html", "application/xhtml+xml"):
            # Atom <title type="html">: the words, not the markup
            title = html_to_text(sanitize_html(title))
        yield (
            entry_no,
            {
                "title": title,
                "author": author or outlet or "피드",
                "published_at": published,
                "source_name": outlet,
                "source_url": entry.get("link", ""),
                "body_html": content[0].get("value", "") if content else entry.get("summary", ""),
            },
        )


READERS = {"jsonl": read_jsonl, "csv": read_csv, "feed": read_feed}


def guess_format(name: str) -> str:
    """The reader for a file name: .csv, .jsonl (.ndjson, .json), else a feed."""
    lowered = name.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "feed"


# --- checking --------------------------------------------------------------


def _text(row: dict, name: str) -> str:
    value = row.get(name)
    if value is None:
        return ""
    if not isinstance(value, str | int | float):
        raise RowError(f"{name}: 글자여야 합니다")
    value = str(value)
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:  # a lone surrogate, e.g. "\ud800" in JSON
            raise RowError(f"{name}: 글자로 쓸 수 없는 코드(U+D800–U+DFFF)가 있습니다") from None
    return value


def _number(value) -> int | None:
    """A row's board number: a positive integer (JSON number or digits), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value)
    else:
        number = 0  # 1.5, true, "abc", "-3"
    if not 0 < number <= MAX_NUMBER:
        raise RowError(f"번호는 양의 정수여야 합니다: {value!r}")
    return number


def check_row(row: dict) -> services.PreparedPost:
    """A raw row as a PreparedPost, or RowError saying what is wrong in Korean."""
    # One-line fields are measured as they will be stored: cleaning (NFC) can
    # lengthen text.
    lines = {name: clean_line(_text(row, name)) for name in _LINE_FIELDS}
    if not lines["title"]:
        raise RowError("제목이 없습니다")
    if not lines["author"]:
        raise RowError("글쓴이가 없습니다")
    for name, limit in LIMITS.items():
        value = lines[name] if name in lines else _text(row, name)
        if len(value) > limit:
            raise RowError(f"{name}: {limit}자를 넘습니다 ({len(value):,}자)")

    number = _number(row.get("number"))

    raw_date = _text(row, "published_at").strip()
    try:
        published_at = datetime.fromisoformat(raw_date.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(f"날짜를 읽을 수 없습니다: {raw_date!r}") from None
    if timezone.is_naive(published_at):
        published_at = published_at.replace(tzinfo=SEOUL)
    try:
        validate_published_at(published_at)
    except ValidationError:
        raise RowError(f"날짜는 1970년부터 2100년 사이여야 합니다: {raw_date!r}") from None

    status = _text(row, "status").strip() or Post.Status.PUBLISHED
    if status not in STATUSES:
        raise RowError(f"알 수 없는 상태입니다: {status!r} (draft, published, hidden)")

    notice = row.get("is_notice")
    if notice is None:
        notice = False
    elif isinstance(notice, str):
        if notice.strip().lower() not in {"", "0", "1", "true", "false"}:
            raise RowError(f"공지 여부는 true 또는 false여야 합니다: {notice!r}")
        notice = notice.strip().lower() in {"1", "true"}
    elif not isinstance(notice, bool | int):
        raise RowError("공지 여부는 true 또는 false여야 합니다")

    source_url = _text(row, "source_url").strip()
    if source_url:
        try:
            validate_source_url(source_url)
        except ValidationError:
            raise RowError(f"원문 주소가 http(s) 주소가 아닙니다: {source_url[:80]!r}") from None

    prepared = services.post_prepare(
        number=number,
        title=lines["title"],
        author=lines["author"],
        published_at=published_at,
        status=status,
        is_notice=bool(notice),
        source_name=lines["source_name"],
        source_url=source_url,
        reporter=lines["reporter"],
        credits=lines["credits"],
        body_html=_text(row, "body_html"),
    )
    # What the row leaves out, an update leaves as it is: a feed has no 상태,
    # 공지 or byline, and reimporting it must not undo an editor's hide or pin.
    # (A blank 상태 or 공지 cell is not given either; a blank byline clears it.)
    kept = frozenset(
        _STORED_AS.get(name, name)
        for name in _OPTIONAL
        if row.get(name) is None or (name in _FLAGS and not str(row[name]).strip())
    )
    return replace(prepared, kept=kept)


def _check(item: tuple[int, dict | RowError]) -> tuple[int, services.PreparedPost | RowError]:
    line_no, row = item
    if isinstance(row, RowError):
        return line_no, row
    try:
        return line_no, check_row(row)
    except RowError as error:
        return line_no, error


# --- writing ---------------------------------------------------------------


def _key(post: services.PreparedPost):
    if post.number is not None:
        return ("number", post.number)
    if post.source_url:
        return ("source_url", post.source_url)
    return ("title", post.title, post.published_at)


def _existing(batch: list[services.PreparedPost]) -> dict:
    numbers = [p.number for p in batch if p.number is not None]
    urls = [p.source_url for p in batch if p.number is None and p.source_url]
    # By time, which post_published_at indexes (titles are in no index), and
    # title: a file of dates without times would otherwise fetch every post
    # of each midnight, bodies included.
    unlinked = [p for p in batch if p.number is None and not p.source_url]
    times, titles = {p.published_at for p in unlinked}, {p.title for p in unlinked}
    found = {}
    posts = Post.objects.select_related("author", "body")
    for post in posts.filter(number__in=numbers):
        found[("number", post.number)] = post
    for post in posts.filter(source_url__in=urls).order_by("number"):
        found.setdefault(("source_url", post.source_url), post)
    for post in posts.filter(published_at__in=times, title__in=titles).order_by("number"):
        found.setdefault(("title", post.title, post.published_at), post)
    return found


def _stored(post: Post) -> dict:
    """A post's importable fields as stored (the body's HTML under "html")."""
    body = getattr(post, "body", None)
    return {
        "title": post.title,
        "author": post.author.name,
        "published_at": post.published_at,
        "status": post.status,
        "is_notice": post.is_notice,
        "source_name": post.source_name,
        "source_url": post.source_url,
        "reporter": body.reporter if body else "",
        "credits": body.credits if body else "",
        "html": body.html if body else "",
    }


def _differences(post: Post, new: services.PreparedPost) -> dict:
    return {
        name: getattr(new, name)
        for name, value in _stored(post).items()
        if name not in new.kept and getattr(new, name) != value
    }


def _write(batch: list[services.PreparedPost], report: Report, floor: int = 0) -> None:
    with transaction.atomic():
        # Before looking up what exists: another import writing the same posts
        # holds the lock until its rows are committed, and then they are found.
        services.lock_numbers("default")
        existing = _existing(batch)
        creates = []
        for new in batch:
            post = existing.get(_key(new))
            if post is None:
                creates.append(new)
                continue
            changes = _differences(post, new)
            if not changes:
                report.unchanged += 1
                continue
            body = {
                name: changes.pop(name)
                for name in ("html", "credits", "reporter")
                if name in changes
            }
            services.post_update(
                post=post,
                body_html=body.get("html"),
                credits=body.get("credits"),
                reporter=body.get("reporter"),
                **changes,
            )
            report.updated += 1
        services.posts_bulk_write(creates, floor=floor)
        report.created += len(creates)


def _write_all(good, report, progress, batch_size) -> None:
    # Rows without a number are numbered above every number the file names,
    # even in later batches, so a later row can never claim an earlier one's.
    floor = max((p.number for p in good if p.number is not None), default=0)
    for start in range(0, len(good), batch_size):
        chunk = good[start : start + batch_size]
        _write(chunk, report, floor)
        if progress:
            progress(len(chunk))


def import_rows(
    rows: Iterable[tuple[int, dict | RowError]],
    *,
    dry_run: bool = False,
    strict: bool = False,
    progress=None,
    batch_size: int = BATCH,
    workers: int = 1,
) -> Report:
    """Check every row, then (unless dry_run, or strict with bad rows) write the good ones.

    Checking (sanitising, plain text, search tokens) is pure computation, and
    most of an import's time: with `workers` > 1 it is spread over that many
    forked processes. The writes stay in this process, in file order.
    """
    started = time.perf_counter()
    report = Report(dry_run=dry_run)
    good: list[services.PreparedPost] = []
    seen: dict = {}
    checked: list[tuple[int, services.PreparedPost]] = []
    with parallel.mapper(workers) as map_:  # checking never touches the database
        for line_no, post in map_(_check, rows):
            if isinstance(post, RowError):
                report.errors.append((line_no, str(post)))
            elif (first := seen.setdefault(_key(post), line_no)) != line_no:
                report.errors.append((line_no, f"{first}번째 줄과 같은 글입니다"))
            else:
                checked.append((line_no, post))
    # An unnumbered row is matched by its source URL: where another row names
    # the same URL, it would overwrite that row's post, and every rerun of the
    # file would change it back and forth.
    lines_of: dict[str, list[int]] = {}
    for line_no, post in checked:
        if post.source_url:
            lines_of.setdefault(post.source_url, []).append(line_no)
    for line_no, post in checked:
        others = [n for n in lines_of.get(post.source_url, ()) if n != line_no]
        if post.number is None and others:
            report.errors.append((line_no, f"{others[0]}번째 줄과 원문 주소가 같습니다"))
        else:
            good.append(post)
    report.errors.sort(key=lambda error: error[0])
    if strict and report.errors:
        report.strict_failed = True
    elif dry_run:
        # The same writes, rolled back: the report says exactly what would change.
        with transaction.atomic():
            _write_all(good, report, progress, batch_size)
            transaction.set_rollback(True)
    else:
        _write_all(good, report, progress, batch_size)
        services.refresh_statistics(report.created + report.updated)
    report.seconds = time.perf_counter() - started
    return report


# --- export -----------------------------------------------------------------


def export_lines(batch_size: int = 2_000) -> Iterator[str]:
    """Every post as one JSONL line, by number: what import_rows reads back."""
    last = 0
    posts = Post.objects.select_related("author", "body").order_by("number")
    while True:
        chunk = list(posts.filter(number__gt=last)[:batch_size])
        if not chunk:
            return
        for post in chunk:
            stored = _stored(post)
            stored["published_at"] = timezone.localtime(post.published_at, SEOUL).isoformat()
            stored["body_html"] = stored.pop("html")
            row = {"number": post.number, **{name: stored[name] for name in FIELDS[1:]}}
            yield json.dumps(row, ensure_ascii=False) + "\n"
        last = chunk[-1].number
