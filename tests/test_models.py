import threading

import pytest
from django.db import IntegrityError, connection, transaction

from articles import services
from articles.models import Post

from .conftest import seoul


def test_a_new_post_gets_the_next_free_number(make_post):
    make_post(number=41)
    assert make_post().number == 42


def test_the_first_post_is_number_one(make_post):
    assert make_post().number == 1


def test_hidden_posts_keep_their_numbers_and_are_never_reused(make_post):
    post = make_post(number=7)
    services.posts_set_status(posts=Post.objects.filter(pk=post.pk), status=Post.Status.HIDDEN)
    assert make_post().number == 8


def test_numbers_must_be_positive_in_the_database(make_post):
    with pytest.raises(IntegrityError), transaction.atomic():
        make_post(number=0)


def test_titles_must_not_be_empty_in_the_database(make_post):
    post = make_post()
    with pytest.raises(IntegrityError), transaction.atomic():
        Post.objects.filter(pk=post.pk).update(title="")


def test_an_explicit_number_that_is_taken_is_refused(make_post):
    make_post(number=5)
    with pytest.raises(IntegrityError):
        make_post(number=5)


def test_published_means_published_status_and_not_in_the_future(make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0))
    public = make_post(published_at=seoul(2025, 3, 1, 11, 59))
    make_post(published_at=seoul(2025, 3, 1, 12, 1))  # scheduled
    make_post(status=Post.Status.DRAFT, published_at=seoul(2025, 2, 1))
    make_post(status=Post.Status.HIDDEN, published_at=seoul(2025, 2, 1))
    assert list(Post.objects.published()) == [public]


def test_scheduled_post_becomes_public_when_due(make_post, time_machine):
    time_machine.move_to(seoul(2025, 3, 1, 12, 0))
    post = make_post(published_at=seoul(2025, 3, 1, 13, 0))
    assert not Post.objects.published().filter(pk=post.pk).exists()
    time_machine.move_to(seoul(2025, 3, 1, 13, 0))
    assert Post.objects.published().filter(pk=post.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_posts_created_at_the_same_moment_get_different_numbers():
    services.post_create(title="처음 글", author="테스트뉴스", number=100)
    workers = 4 if connection.vendor == "postgresql" else 2
    barrier = threading.Barrier(workers)
    made, errors = [], []

    def create(i):
        try:
            barrier.wait()
            made.append(services.post_create(title=f"동시 글 {i}", author="테스트뉴스").number)
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(made) == list(range(101, 101 + workers))
