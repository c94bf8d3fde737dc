"""Korean substring search: one entry point, `search()`.

Korean readers expect substring matches (`중국` finds `중국의`), so terms are
matched inside words, never as whole words. Query and text are compared after
the same folding: NFC, no NUL bytes, curly quotes made straight, lower case.
Every whitespace-separated term must match; quotes around a term are dropped.
`%` and `_` are literal.

The board's FilterSet calls `search()`; the admin and scripts that only need
the queryset call `search_posts()`. How the match is found (an index, a scan)
is this module's business.
"""

import re
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise, repeat

import psycopg
from django.conf import settings
from django.db import OperationalError, connections, transaction
from django.db.backends.signals import connection_created
from django.db.models import BooleanField, F, Func, Q, TextField, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Replace
from django.db.models.lookups import Contains, Lookup
from django.dispatch import receiver
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from psycopg.adapt import Dumper
from psycopg.pq import Format

FIELDS = {
    "title_body": "제목+내용",
    "title": "제목",
    "body": "내용",
    "author": "글쓴이",
}
DEFAULT_FIELD = "title_body"
MAX_QUERY_LENGTH = 100
MAX_TERMS = 10

_CURLY = "‘’‚‛′“”„‟″"
_STRAIGHT = "'''''" + '"""""'
_QUOTE_PAIRS = tuple(zip(_CURLY, _STRAIGHT, strict=True))


def fold(value: str) -> str:
    """The form in which query and text are compared; keeps the length of NFC text."""
    value = unicodedata.normalize("NFC", value.replace("\x00", ""))
    for curly, straight in _QUOTE_PAIRS:  # str.replace is much faster than translate here
        if curly in value:
            value = value.replace(curly, straight)
    return _lower(value)


def _lower(value: str) -> str:
    lowered = value.lower()
    if len(lowered) == len(value):
        return lowered
    # A few characters lengthen when lowered (İ → i̇); keep those as they are so
    # that positions in the folded text are positions in the original.
    return "".join(c if len(low := c.lower()) != 1 else low for c in value)


class _Lower(Lower):
    """lower() as fold() does it. SQLite's own lower() changes ASCII letters only,
    so there it calls _lower(), registered on each connection."""

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="newsboard_lower", **extra)


@receiver(connection_created)
def _register_sqlite_functions(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "newsboard_lower", 1, lambda v: v if v is None else _lower(v), deterministic=True
        )


def query_terms(query: str, limit: int | None = MAX_TERMS) -> list[str]:
    """The distinct folded terms of a query, in order, at most `limit`.

    Quotes around a term are not part of it: a reader who types "개헌" means
    the word, not the marks (which the index does not hold, so a quoted
    common word used to be checked in every post that has it). Quotes inside
    a term stay (trump's).
    """
    terms = []
    for word in fold(query).split():
        term = word.strip(_QUOTES) or word
        if term not in terms:
            terms.append(term)
    # Quotes alone are a term only in a query of nothing else, which the
    # reader is then asked to fill with a letter.
    words = [term for term in terms if term.strip(_QUOTES)]
    return (words or terms)[:limit]


_QUOTES = "'\""  # after fold()


class _QuoteFold(Func):
    """Curly quotes made straight, in SQL."""

    output_field = TextField()

    def as_sql(self, compiler, connection, **extra):
        expression = Func(
            self.source_expressions[0],
            Value(_CURLY),
            Value(_STRAIGHT),
            function="translate",
            output_field=TextField(),
        )
        return expression.as_sql(compiler, connection)

    def as_sqlite(self, compiler, connection, **extra):
        expression = self.source_expressions[0]
        for curly, straight in zip(_CURLY, _STRAIGHT, strict=True):
            expression = Replace(expression, Value(curly), Value(straight))
        return expression.as_sql(compiler, connection)


# --- the index -------------------------------------------------------------
#
# PostgreSQL's word search misses 중국 in 중국의, pg_trgm cannot index two-
# character queries (and extracts nothing from Hangul in a C-collation
# database), and pg_bigm is not packaged by Debian. So the index is built
# here, the same way for both databases: every run of letters and digits
# gives its character bigrams plus its last character (중국의 → 중국, 국의, 의),
# prefixed with the field they come from ("t" title, "b" body). Then
#
#   - a two-character term is one token, an exact match by itself;
#   - a one-character term X is the prefix query "X*": every occurrence of X
#     in a run starts a bigram or ends the run;
#   - a longer term needs all its bigrams, which only narrows the candidates,
#     so those are checked again with LIKE on the folded text.
#
# PostgreSQL keeps the tokens in a GIN-indexed tsvector (articles_search),
# SQLite in an FTS5 table with the same name; both are written by
# index_posts() and deleted with their post. PostgreSQL's table also keeps
# the post's number (permanent), so that the newest match is found without
# reading the board (_PostgresIndex.newest).

_RUN = re.compile(r"[^\W_]+")
TABLE = "articles_search"
TSVECTOR_OID = 3614  # a built-in type: its oid is fixed


def tokens(text: str, prefix: str = "") -> set[str]:
    """The index tokens of a text: bigrams of each letter/digit run, and its last character."""
    # Runs never cross whitespace, so each distinct word is tokenised once
    # (and news text repeats its words: the cache makes most words free).
    words = set(fold(text).split())
    return set().union(*map(_word_tokens, words, repeat(prefix))) if words else set()


@lru_cache(maxsize=32_768)  # ≈ 50 MB when full
def _word_tokens(word: str, prefix: str) -> frozenset[str]:
    found = set()
    for run in _RUN.findall(word):
        found.add(prefix + run[-1])
        found.update(prefix + run[i : i + 2] for i in range(len(run) - 1))
    return frozenset(found)


def document(title: str, text: str) -> list[str]:
    """The tokens stored for one post: title tokens marked "t", body tokens "b"."""
    return [*tokens(title, "t"), *tokens(text, "b")]


def sorted_document(title: str, text: str) -> str:
    """document() as one string, sorted and space-separated: cheap to pass between
    processes, and in PostgreSQL's order (bytewise, which for UTF-8 is Python's
    order of str), so the server need not sort it."""
    return " ".join(sorted(document(title, text)))


@dataclass(frozen=True)
class _Term:
    text: str
    needles: tuple[tuple[str, bool], ...]  # (token, is_prefix), all required
    exact: bool  # the index alone decides; no LIKE check needed


def _plan(term: str) -> _Term:
    needles: list[tuple[str, bool]] = []
    runs = _RUN.findall(term)
    for run in runs:
        if len(run) == 1:
            needles.append((run, True))
        else:
            needles.extend((a + b, False) for a, b in pairwise(run))
    exact = len(runs) == 1 and runs[0] == term and len(term) <= 2
    return _Term(term, tuple(dict.fromkeys(needles)), exact)


_PREFIXES = {"title": ("t",), "body": ("b",), "title_body": ("t", "b")}


def _match(terms: list[_Term], field: str, literal, *, and_: str, or_: str) -> str:
    """Every term, each found in one of the field's sides: (t… AND …) OR (b… AND …)."""

    def side(term, prefix):
        return f" {and_} ".join(
            literal(prefix + token, is_prefix) for token, is_prefix in term.needles
        )

    terms_sql = (
        "(" + f" {or_} ".join(f"({side(term, p)})" for p in _PREFIXES[field]) + ")"
        for term in terms
    )
    return f" {and_} ".join(terms_sql)


class _PostgresIndex:
    @staticmethod
    def literal(token: str, prefix: bool) -> str:
        quoted = "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"
        return quoted + (":*" if prefix else "")

    def match(self, terms: list[_Term], field: str) -> str:
        return _match(terms, field, self.literal, and_="&", or_="|")

    def probe(self, using: str, match: str) -> tuple[list[int], bool]:
        """Ids of posts whose tokens match, and whether they are all of them.

        Returns every match up to PROBE_LIMIT, else some of them (more than
        VERIFY_LIMIT), cheaply for rare and common words alike.

        A word in a large share of the board (by the planner's statistics,
        reliable for single tokens) is found fastest by reading rows in
        order until `limit` match. Anything else is read from the GIN index
        as a bitmap, whose cost follows the matches, never the bodies: a
        sequential scan with LIMIT looks cheaper to the planner but reads and
        decompresses each row's tokens, 200 ms and more for a word in 1-2 %
        of posts; ANDed bigrams are estimated far too low, which errs toward
        the bitmap.
        """
        with bounded(using), connections[using].cursor() as cursor:
            cursor.execute(
                f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {TABLE} WHERE tokens @@ %s::tsquery",
                [match],
            )
            estimate = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [TABLE])
            dense = estimate > DENSE_SHARE * max(cursor.fetchone()[0], 1)
            limit = VERIFY_LIMIT if dense else PROBE_LIMIT
            if not dense:
                cursor.execute(
                    "SELECT current_setting('enable_seqscan'),"
                    " set_config('enable_seqscan', 'off', true)"
                )
                seqscan = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT post_id FROM {TABLE} WHERE tokens @@ %s::tsquery LIMIT %s",
                [match, limit + 1],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if not dense:  # for this query only: the request's list queries follow
                _set_local(cursor, enable_seqscan=seqscan)
            return ids, len(ids) <= limit

    def newest(self, using: str, match: str) -> int | None:
        """Where a walk over many matches should start: the highest number among
        posts whose tokens match, or None to start at the top.

        A search with very many matches walks the board newest first, which
        is quick while matches are spread over it, and reads every newer row
        first when they are not: a word of 2020 only (거리두기) read the half
        million posts since then, past the time limit.

        Most such words are spread over the board: one is among the newest
        NEWEST_FIRST_SPAN rows, found by checking them newest first, which
        stops at the first match (the walk from the top is short then).
        Otherwise the newest match is found by galloping down in wider
        ranges of numbers below those rows, each asking the GIN index and the
        number index together (bitmaps only: a BitmapAnd), whose cost follows
        the matches' posting lists and the range's rows, never the bodies.
        Reading those posting lists costs tens of milliseconds for a word in
        a third of the posts, which is why it is not the first step.
        """
        with bounded(using), connections[using].cursor() as cursor:
            # One round trip: this runs before every walk (a few ms in all
            # when each step was its own statement). Counted in rows, not
            # numbers: one post given a far higher number (2000000000, by
            # hand) must not leave the newest numbers empty for every word.
            cursor.execute(
                "SELECT current_setting('enable_bitmapscan'), current_setting('enable_indexscan'),"
                " current_setting('enable_seqscan'),"
                f" (SELECT number FROM {TABLE} ORDER BY number DESC OFFSET %s LIMIT 1),"
                " set_config('enable_bitmapscan', 'off', true)",  # row by row, newest first
                [NEWEST_FIRST_SPAN],
            )
            bitmapscan, indexscan, seqscan, floor, _ = cursor.fetchone()
            cursor.execute(
                f"SELECT 1 FROM {TABLE} WHERE number > %s AND tokens @@ %s::tsquery"
                " ORDER BY number DESC LIMIT 1",
                [floor or 0, match],
            )
            newest = None
            if floor is not None and cursor.fetchone() is None:
                # Now bitmaps only: a backward scan of the number index,
                # checking each row's tokens, is the walk itself, and a
                # sequential scan reads every row's tokens.
                _set_local(
                    cursor, enable_bitmapscan="on", enable_indexscan="off", enable_seqscan="off"
                )
                span = NEWEST_FIRST_SPAN * NEWEST_GALLOP
                while True:
                    cursor.execute(
                        f"SELECT max(number) FROM {TABLE}"
                        " WHERE tokens @@ %s::tsquery AND number > %s",
                        [match, floor - span],
                    )
                    newest = cursor.fetchone()[0]
                    if newest is not None or span >= floor:
                        break
                    span *= NEWEST_GALLOP
            _set_local(
                cursor,
                enable_bitmapscan=bitmapscan,
                enable_indexscan=indexscan,
                enable_seqscan=seqscan,
            )
            return newest

    def each_row(self, table: str, match: str, candidates: list[int]):
        # A join, not EXISTS: PostgreSQL turns an EXISTS into a hash of every
        # match (half a million rows for a common word) before the first row.
        # Candidates are known matches: `= ANY` (hashed) spares them the
        # tsvector check, which makes counting among them cheap.
        return self.among(table, candidates) | Q(search_entry__tokens__tsmatch=match)

    def among(self, table: str, ids: list[int]):
        return Q(RawSQL(f"{table}.id = ANY(%s)", [ids], output_field=BooleanField()))

    def write(self, cursor, rows: list[tuple[int, list[str]]]) -> None:
        cursor.executemany(
            f"INSERT INTO {TABLE} (post_id, number, tokens)"
            " SELECT id, number, array_to_tsvector(%s::text[]) FROM articles_post WHERE id = %s"
            " ON CONFLICT (post_id) DO UPDATE SET number = EXCLUDED.number, tokens = EXCLUDED.tokens",
            [(tokens, post_id) for post_id, tokens in rows],
        )

    def delete(self, cursor, ids: list[int]) -> None:
        cursor.execute(f"DELETE FROM {TABLE} WHERE post_id = ANY(%s)", [ids])

    def indexed(self, cursor, ids: list[int]) -> set[int]:
        cursor.execute(f"SELECT post_id FROM {TABLE} WHERE post_id = ANY(%s)", [ids])
        return {row[0] for row in cursor.fetchall()}


class _SqliteIndex:
    @staticmethod
    def literal(token: str, prefix: bool) -> str:
        return '"' + token.replace('"', '""') + '"' + (" *" if prefix else "")

    def match(self, terms: list[_Term], field: str) -> str:
        return _match(terms, field, self.literal, and_="AND", or_="OR")

    def subquery(self) -> str:
        return f"SELECT rowid FROM {TABLE} WHERE {TABLE} MATCH %s"

    def probe(self, using: str, match: str) -> tuple[list[int], bool]:
        with connections[using].cursor() as cursor:
            cursor.execute(f"{self.subquery()} LIMIT %s", [match, PROBE_LIMIT + 1])
            ids = [row[0] for row in cursor.fetchall()]
            return ids, len(ids) <= PROBE_LIMIT

    def newest(self, using: str, match: str) -> None:
        return None  # the embedded database walks without a time limit

    def each_row(self, table: str, match: str, candidates: list[int]):
        # FTS5 answers a MATCH as a whole; checking rows one by one would run
        # it once a row, so SQLite keeps the IN (subquery) form.
        return Q(pk__in=RawSQL(self.subquery(), [match]))

    def among(self, table: str, ids: list[int]):
        return Q(pk__in=ids)

    def write(self, cursor, rows: list[tuple[int, list[str]]]) -> None:
        ids = [post_id for post_id, _ in rows]
        self.delete(cursor, ids)
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, tokens) VALUES (%s, %s)",
            [(post_id, " ".join(toks)) for post_id, toks in rows],
        )

    def delete(self, cursor, ids: list[int]) -> None:
        self._by_rowid(cursor, f"DELETE FROM {TABLE}", ids)

    def indexed(self, cursor, ids: list[int]) -> set[int]:
        return {row[0] for row in self._by_rowid(cursor, f"SELECT rowid FROM {TABLE}", ids)}

    @staticmethod
    def _by_rowid(cursor, statement: str, ids: list[int]) -> list[tuple]:
        """`statement WHERE rowid IN (…)` over ids in chunks (SQLite limits the
        number of parameters), and the rows it returned."""
        rows = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            cursor.execute(f"{statement} WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
        return rows


class TsMatch(Lookup):
    """`tokens__tsmatch=query`: tokens @@ query::tsquery (PostgreSQL)."""

    lookup_name = "tsmatch"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ {rhs}::tsquery", [*lhs_params, *rhs_params]


def _index(using: str = "default"):
    return _PostgresIndex() if connections[using].vendor == "postgresql" else _SqliteIndex()


class TsvectorBinary(bytes):
    """A document in PostgreSQL's binary tsvector format, for binary COPY.

    Bulk writers send tokens this way because parsing the text form costs
    PostgreSQL more than storing the row (≈130 µs of ≈480 tokens a post).
    """


class TsvectorBinaryDumper(Dumper):
    format = Format.BINARY
    oid = TSVECTOR_OID

    def dump(self, obj: TsvectorBinary) -> bytes:
        return obj


def tsvector_binary(document: str) -> TsvectorBinary:
    """tsvectorrecv's input for a sorted_document(): the count (int32), then each
    lexeme NUL-terminated and followed by its number of positions (uint16, 0).

    Tokens are runs of letters and digits, so a space separates them and no
    token holds a NUL.
    """
    if not document:
        return TsvectorBinary(bytes(4))
    count = document.count(" ") + 1
    lexemes = document.replace(" ", "\0\0\0").encode() + b"\0\0\0"
    return TsvectorBinary(count.to_bytes(4, "big") + lexemes)


def index_documents(rows: list[tuple[int, list[str]]], *, using: str = "default") -> None:
    """Store precomputed documents [(post_id, document(...)), ...]."""
    if rows:
        with connections[using].cursor() as cursor:
            _index(using).write(cursor, rows)


def index_posts(post_ids, *, using: str = "default") -> None:
    """(Re)index posts from their current title and body text."""
    from .models import Post

    rows = (
        Post.objects.using(using)
        .filter(pk__in=list(post_ids))
        .values_list("pk", "title", "body__text")
    )
    index_documents([(pk, document(title, text or "")) for pk, title, text in rows], using=using)


def indexed_posts(post_ids, *, using: str = "default") -> set[int]:
    """Which of these posts have a row in the search index."""
    ids = list(post_ids)
    if not ids:
        return set()
    with connections[using].cursor() as cursor:
        return _index(using).indexed(cursor, ids)


def unindex_posts(post_ids, *, using: str = "default") -> None:
    ids = list(post_ids)
    if ids:
        with connections[using].cursor() as cursor:
            _index(using).delete(cursor, ids)


_COLUMNS = {
    "title": ("title",),
    "body": ("body__text",),
    "title_body": ("title", "body__text"),
    "author": ("author__name",),
}


# --- time and plan of a search's queries (PostgreSQL) -------------------------


class TooSlow(Exception):
    """A search's query ran past settings.SEARCH_TIMEOUT and was cancelled."""

    message = "검색이 너무 오래 걸려 멈췄습니다. 검색어를 더 구체적으로 쓰거나 기간을 좁혀 주세요."


# What a search changes for its own transaction, and restores when it is
# nested in a longer one: a SET LOCAL made in a savepoint outlives the savepoint.
_PLANNER = ("statement_timeout", "jit", "enable_hashjoin", "enable_mergejoin",
            "enable_sort", "max_parallel_workers_per_gather")  # fmt: skip
_RESET_MARGIN = 0.1  # seconds a statement may overrun the budget, to spare a round trip


def _set_local(cursor, **values: str) -> None:
    names = list(values)
    calls = ", ".join("set_config(%s, %s, true)" for _ in names)
    cursor.execute(f"SELECT {calls}", [x for name in names for x in (name, values[name])])


def _milliseconds(seconds: float) -> str:
    return str(max(1, int(seconds * 1000)))


@contextmanager
def bounded(using: str):
    """Give the queries of a request that searches SEARCH_TIMEOUT seconds in all;
    raises TooSlow when they run out. Inside another bounded() it adds nothing.

    Searches are open to anyone, and some (a common word found only in old
    posts, a page deep into half a million matches) read most of the board:
    they get a message instead of holding a worker for seconds. The queries
    run in one transaction (or savepoint) with JIT off; each may run for the
    time left (PostgreSQL's statement_timeout, lowered as it runs out), and
    none starts once it is gone. SQLite, the embedded single-user default, is
    not limited.
    """
    connection = connections[using]
    if connection.vendor != "postgresql" or getattr(connection, "search_deadline", None):
        yield
        return
    deadline = time.monotonic() + settings.SEARCH_TIMEOUT
    timeout = settings.SEARCH_TIMEOUT  # the statement_timeout in force

    def within_deadline(execute, sql, params, many, context):
        nonlocal timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise TooSlow
        if timeout - left > _RESET_MARGIN:
            # The driver's own cursor: this statement must not pass through here again.
            context["cursor"].cursor.execute(
                "SELECT set_config('statement_timeout', %s, true)", [_milliseconds(left)]
            )
            timeout = left
        return execute(sql, params, many, context)

    nested = connection.in_atomic_block
    connection.search_deadline = deadline  # per thread, as connections are
    try:
        with transaction.atomic(using=using):
            with connection.cursor() as cursor:
                if nested:
                    cursor.execute(
                        "SELECT " + ", ".join("current_setting(%s)" for _ in _PLANNER), _PLANNER
                    )
                    before = dict(zip(_PLANNER, cursor.fetchone(), strict=True))
                # Plans that check rows one by one look costly, and compiling
                # them (JIT) took 0.4 s for queries that then ran in 10 ms.
                _set_local(cursor, statement_timeout=_milliseconds(timeout), jit="off")
            with connection.execute_wrapper(within_deadline):
                yield
            if nested:
                with connection.cursor() as cursor:
                    _set_local(cursor, **before)
    except (OperationalError, psycopg.errors.QueryCanceled) as error:
        # Django wraps the driver's error; a statement on the driver's own
        # cursor (within_deadline's) raises it bare.
        if psycopg.errors.QueryCanceled in (type(error), type(error.__cause__)):
            raise TooSlow from error
        raise
    finally:
        connection.search_deadline = None


def walk_newest_first(using: str) -> None:
    """Make this transaction's list queries walk the board newest first.

    For a search with very many matches (Search.candidates), reading rows in
    number order and checking each fills a page after about 20 / (share of
    matching posts) rows. PostgreSQL does not know the share: ANDed bigrams
    and LIKE checks are estimated thousands of times too rare (14 rows for
    370,000 matches of `삼성전자 반도체`), so it hash-joins the whole board,
    checks every body and sorts them: 8 s instead of a few ms. Joins by hash
    or merge and explicit sorts are what that plan needs; without them the
    backward index scan on number is the cheapest. Call inside bounded().
    """
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            _set_local(
                cursor,
                enable_hashjoin="off",
                enable_mergejoin="off",
                enable_sort="off",
                # Starting parallel workers took 20 ms for a walk of 4 ms.
                max_parallel_workers_per_gather="0",
            )


PROBE_LIMIT = 10_000  # up to this many matches, fetch them by id
VERIFY_LIMIT = 1_000  # more than this: count this many known matches for "N건 이상"
DENSE_SHARE = 0.05  # a word in this share of posts is probed by reading rows in order
NEWEST_FIRST_SPAN = 2_000  # newest rows where a match is looked for first
NEWEST_GALLOP = 8  # then ranges of numbers below them, this many times wider each time


@dataclass(frozen=True)
class Search:
    """A search applied to a queryset.

    `candidates` is set when the index matched more than PROBE_LIMIT posts:
    ids of some of them, and `known_matches` the posts among those that match
    every term. Counting those gives an honest lower bound of the total
    ("N건 이상") instead of counting every match; it is a lookup by id,
    spared the row-by-row index check that `queryset` makes while walking.
    """

    queryset: object
    candidates: list[int] | None = None
    known_matches: object = None
    unsearchable: bool = False  # no term has a letter or digit to look up


def search(queryset, query: str, field: str = DEFAULT_FIELD) -> Search:
    """Posts of `queryset` in which every term of `query` occurs in `field`.

    PostgreSQL's estimates for ANDed bigrams are off by orders of magnitude,
    and the best plans for a word in half the board and for a word in ten
    posts are opposite. So the index is probed first (a bitmap scan, whose
    cost follows the matches' posting lists, never the bodies):

    - up to PROBE_LIMIT matches: the posts are fetched by id and sorted;
    - more: the board is walked newest first, from the newest match on, and
      each row is checked (the title with LIKE, title and body against the
      index), which fills the first page after about 20 / (share of matching
      posts) rows.

    Filter `queryset` by everything else first: the total of a search with
    many matches is counted among its known matches within it.
    """
    terms = query_terms(query)
    if not terms:
        return Search(queryset)
    if field not in _COLUMNS:
        field = DEFAULT_FIELD
    plans = [_plan(term) for term in terms]
    if field != "author" and not any(plan.needles for plan in plans):
        # Only punctuation: no index can help, and a scan of every body per
        # request would be an easy way to overload the site.
        return Search(queryset.none(), unsearchable=True)
    indexed = [plan for plan in plans if plan.needles] if field != "author" else []
    to_check = [plan for plan in plans if not plan.exact] if indexed else plans
    searched, candidates = queryset, None
    if indexed:
        index = _index(queryset.db)
        table = queryset.model._meta.db_table
        match = index.match(indexed, field)
        ids, complete = index.probe(queryset.db, match)
        if complete:
            searched = queryset.filter(index.among(table, ids))
        else:
            candidates = ids[: VERIFY_LIMIT + 1]
            if field == "title":
                to_check = plans  # a title LIKE is cheaper per row than the index
            else:
                searched = queryset.filter(index.each_row(table, match, ids))
            newest = index.newest(queryset.db, match)
            if newest is not None:
                searched = searched.filter(number__lte=newest)
    checks = [_contains(_COLUMNS[field], plan.text) for plan in to_check]
    known = among(queryset, candidates).filter(*checks) if candidates else None
    return Search(searched.filter(*checks), candidates, known)


def among(queryset, ids: list[int]):
    """`queryset` narrowed to the given post ids (one array parameter on PostgreSQL)."""
    return queryset.filter(_index(queryset.db).among(queryset.model._meta.db_table, ids))


def search_posts(queryset, query: str, field: str = DEFAULT_FIELD):
    """The queryset of search(): for callers that do not count."""
    return search(queryset, query, field).queryset


def _contains(columns, term: str) -> Q:
    """`term` occurs in one of `columns` after folding, checked with LIKE.

    Folding in SQL costs more than the LIKE itself on long bodies, so it is
    applied only where the term could differ: lower() for cased letters,
    quote straightening for quotes. Django escapes `%` and `_` in the term.
    """
    match = Q()
    for column in columns:
        expression = F(column)
        if any(c in term for c in "'\""):
            expression = _QuoteFold(expression)
        if term != term.upper():  # it has cased letters (already lower-cased)
            expression = _Lower(expression)
        match |= Q(Contains(expression, term))
    return match


def _occurrences(text: str, term: str):
    at = text.find(term)
    while at != -1:
        yield at
        at = text.find(term, at + 1)


@dataclass(frozen=True, order=True)
class _Span:
    start: int
    end: int


def highlight(text: str, terms: list[str]) -> SafeString:
    """`text` escaped, with every occurrence of a term wrapped in <mark>."""
    if not terms:
        return escape(text)
    folded = fold(text)
    if len(folded) != len(text):  # text not in NFC: show it unmarked rather than misplaced
        return escape(text)
    found = sorted(_Span(at, at + len(term)) for term in terms for at in _occurrences(folded, term))
    spans: list[_Span] = []
    for span in found:  # merge overlapping and touching matches
        if spans and span.start <= spans[-1].end:
            spans[-1] = _Span(spans[-1].start, max(spans[-1].end, span.end))
        else:
            spans.append(span)
    out, last = [], 0
    for span in spans:
        out.append(escape(text[last : span.start]))
        out.append(f"<mark>{escape(text[span.start : span.end])}</mark>")
        last = span.end
    out.append(escape(text[last:]))
    return mark_safe("".join(out))
