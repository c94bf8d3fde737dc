from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.html import format_html

from .. import search

register = template.Library()


def _board_date(local):
    """HH:MM for today's posts, YYYY.MM.DD otherwise (Asia/Seoul)."""
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y.%m.%d")


@register.simple_tag
def board_time(value):
    """<time> of a board row: ISO time, and HH:MM today or YYYY.MM.DD (Asia/Seoul)."""
    local = timezone.localtime(value)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), _board_date(local))


@register.filter
def is_new(value) -> bool:
    """Younger than 24 hours."""
    return timezone.now() - value < timedelta(hours=24)


@register.simple_tag
def highlight(text, terms):
    return search.highlight(text, terms)
