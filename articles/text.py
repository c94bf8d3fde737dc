"""Text hygiene shared by every write path and by search.

Everything that reaches the database goes through `clean_text` (NFC, no NUL
bytes or other control characters), and body HTML through `sanitize_html`
(nh3, an allow-list of what a news article uses).
"""

import html
import re
import unicodedata

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "b", "i", "u", "blockquote", "h2", "h3", "h4",
    "ul", "ol", "li", "figure", "figcaption", "img", "a",
    "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
}
ALLOWED_URL_SCHEMES = {"http", "https"}

_BLOCK_END = re.compile(r"</(p|h[2-4]|li|blockquote|figcaption|tr|th|td|caption)>|<br\s*/?>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v]+")


# Control characters other than tab and line breaks: invisible, refused by
# XML (the feed would fail on them) and, NUL, by PostgreSQL. Vertical tab
# and form feed are spacing. The noncharacters U+FFFE and U+FFFF and lone
# surrogates (a JSON "\ud800") are not text either: XML refuses them too, and
# UTF-8 cannot encode a surrogate.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _replace_control(match: re.Match) -> str:
    return " " if match[0] in "\x0b\x0c" else ""


def clean_text(value: str) -> str:
    """NFC-normalise and drop control characters but tab and line breaks."""
    return unicodedata.normalize("NFC", _CONTROLS.sub(_replace_control, value))


_LINE_BREAKS = re.compile(r"[\r\n\t\v\f\u2028\u2029]+")
# Bidirectional embeddings, overrides and isolates: in a title they reverse
# what follows them, up to the " - 뉴스보드" after it in a tab or a link card.
_BIDI_CONTROLS = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


def clean_line(value: str) -> str:
    """A one-line field (title, name): clean_text on one line, ends trimmed,
    without bidirectional controls.

    Inner spacing is kept as given (a title is reproduced character for
    character, no-break spaces included).
    """
    return _BIDI_CONTROLS.sub("", _LINE_BREAKS.sub(" ", clean_text(value))).strip()


# Built once: nh3.clean() would rebuild the same sanitiser from these sets on
# every call, about a quarter of its time on a news body.
_SANITIZER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    url_relative="deny",  # "/x" and "//host/x" carry no scheme to allow
    link_rel="noopener nofollow",
    strip_comments=True,
)


def sanitize_html(value: str) -> str:
    """Keep the markup of a news article; drop scripts, handlers, styles and bad URLs."""
    # Cleaned after nh3, which turns character references (&#27;, e&#x301;)
    # into the characters themselves; it drops NUL bytes on its own.
    return clean_text(_SANITIZER.clean(value))


def html_to_text(value: str) -> str:
    """Plain text of sanitised HTML: one paragraph a line, entities decoded.

    Sanitised HTML holds no control characters, and decoding entities adds
    none but form feed (others decode to nothing, NUL to U+FFFD), which is
    squeezed to a space: only NFC remains to be ensured.
    """
    text = _squeeze_spaces(html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", value))))
    lines = "\n".join(line for line in map(str.strip, text.split("\n")) if line)
    return unicodedata.normalize("NFC", lines)


def _squeeze_spaces(text: str) -> str:
    # Most text has single spaces only, and the substitution costs more than
    # the rest of html_to_text: look before substituting.
    if "  " in text or any(space in text for space in "\t\r\f\v"):
        return _SPACES.sub(" ", text)
    return text


def summarize(text: str, length: int = 150) -> str:
    """The first `length` characters of plain text, cut at a word when possible."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length]
    space = cut.rfind(" ")
    return (cut[:space] if space > length * 0.6 else cut).rstrip() + "…"
