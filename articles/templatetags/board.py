from datetime import timedelta

from django import template
from django.utils import timezone

from .. import search

register = template.Library()


@register.filter
def board_date(value):
    """HH:MM for today's posts, YYYY.MM.DD otherwise (Asia/Seoul)."""
    local = timezone.localtime(value)
    if local.date() == timezone.localdate():
        return local.strftime("%H:%M")
    return local.strftime("%Y.%m.%d")


@register.filter
def is_new(value) -> bool:
    """Younger than 24 hours."""
    return timezone.now() - value < timedelta(hours=24)


@register.simple_tag
def highlight(text, terms):
    return search.highlight(text, terms)
