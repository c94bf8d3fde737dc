"""Keep the search index and the board revision in step with single saves and deletes.

Services, the admin and `post.save()` in a shell all end here. Bulk writers
(the generator, the importer) index their rows themselves in the same
transaction.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from . import search
from .models import ArticleBody, Author, BoardRevision, Post


@receiver(post_save, sender=Post)
@receiver(post_delete, sender=Post)
@receiver(post_save, sender=ArticleBody)  # search results change with the body
@receiver(post_save, sender=Author)  # the board shows authors' names
def board_changed(sender, instance, using="default", raw=False, update_fields=None, **kwargs):
    if raw:
        return
    if sender is not Post:
        BoardRevision.bump(using=using, layout=False)  # text only: rows stay where they are
        return
    # A save that names its fields moves rows only through these; one that
    # doesn't (a new post, a shell's save()) or a delete may.
    moves = update_fields is None or bool(BoardRevision.LAYOUT_FIELDS & set(update_fields))
    BoardRevision.bump(using=using, number=instance.number, layout=moves)


@receiver(post_save, sender=Post)
@receiver(post_save, sender=ArticleBody)
def reindex(sender, instance, raw=False, using="default", update_fields=None, **kwargs):
    if raw:
        return
    if (
        sender is Post
        and update_fields is not None
        and not {"title", "number"} & set(update_fields)
    ):
        return
    post_id = instance.pk if sender is Post else instance.post_id
    search.index_posts([post_id], using=using)


@receiver(post_delete, sender=Post)
def unindex(sender, instance, using="default", **kwargs):
    post_id = instance.pk
    search.unindex_posts([post_id], using=using)
