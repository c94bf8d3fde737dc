"""Korean substring search: one entry point, `search_posts()`.

Korean readers expect substring matches (`중국` finds `중국의`), so terms are
matched inside words, never as whole words. Query and text are compared after
the same folding: NFC, no NUL bytes, curly quotes made straight, lower case.
Every whitespace-separated term must match. `%` and `_` are literal.

Views and filters only call `search_posts()` and `query_terms()`; how the match
is found (a scan, an index) is this module's business.
"""

import unicodedata
from dataclasses import dataclass

from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Lower, Replace
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

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
_QUOTES = str.maketrans(_CURLY, _STRAIGHT)


def fold(value: str) -> str:
    """The form in which query and text are compared; keeps the length of NFC text."""
    value = unicodedata.normalize("NFC", value.replace("\x00", "")).translate(_QUOTES)
    # str.lower() can lengthen a character (İ → i̇); keep those as they are so
    # that positions in the folded text are positions in the original.
    return "".join(c if len(low := c.lower()) != 1 else low for c in value)


def query_terms(query: str) -> list[str]:
    """The distinct folded terms of a query, in order, at most MAX_TERMS."""
    terms = []
    for term in fold(query).split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


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


def _folded(field: str):
    return Lower(_QuoteFold(F(field)))


_COLUMNS = {
    "title": ("title",),
    "body": ("body__text",),
    "title_body": ("title", "body__text"),
    "author": ("author__name",),
}


def search_posts(queryset, query: str, field: str = DEFAULT_FIELD):
    """Posts of `queryset` in which every term of `query` occurs in `field`."""
    terms = query_terms(query)
    if not terms:
        return queryset
    columns = _COLUMNS.get(field, _COLUMNS[DEFAULT_FIELD])
    aliases = {f"_fold_{i}": _folded(column) for i, column in enumerate(columns)}
    queryset = queryset.alias(**aliases)
    for term in terms:
        match = Q()
        for alias in aliases:
            match |= Q(**{f"{alias}__contains": term})
        queryset = queryset.filter(match)
    return queryset


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
