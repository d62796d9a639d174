import io

import pytest
from django.core.management import call_command

from comments.models import Comment, Rule

REFERENCE = "heat-resilience-plan-cooler-blocks"


@pytest.fixture
def seeded(db, settings, tmp_path):
    call_command("seed", stdout=io.StringIO())
    call_command("seed_comments", stdout=io.StringIO())


def test_the_reference_article_gets_a_threaded_discussion_two_to_three_levels_deep(seeded):
    approved = Comment.objects.approved().filter(article__slug=REFERENCE)

    assert 10 <= approved.count() <= 15
    assert approved.filter(parent__parent__isnull=False).exists()
    assert not approved.filter(parent__parent__parent__parent__isnull=False).exists()


def test_the_queue_has_held_comments_with_reasons_and_spam(seeded):
    held = Comment.objects.pending().filter(article__slug=REFERENCE)

    assert sorted(c.reasons[0] for c in held) == ["first_time", "hold_word", "link_limit"]
    assert Comment.objects.spam().get().reasons[0] == "disallowed_word"
    assert Rule.objects.filter(kind="hold_word").exists()
    assert Rule.objects.filter(kind="disallowed_word").exists()


def test_every_seeded_comment_has_an_audit_trail(seeded):
    assert not Comment.objects.filter(events__isnull=True).exists()


def test_seeding_twice_changes_nothing(seeded):
    before = list(Comment.objects.values_list("pk", "status").order_by("pk"))

    call_command("seed_comments", stdout=io.StringIO())

    assert list(Comment.objects.values_list("pk", "status").order_by("pk")) == before
    assert Rule.objects.count() == 2


def test_the_queue_has_a_reported_comment_back_in_the_queue_and_one_still_published(seeded):
    reported = Comment.objects.reported()

    assert reported.filter(status="pending", reasons__icontains='"reported"').count() == 1
    assert reported.filter(status="approved").count() == 1


def test_seeding_twice_adds_no_reports(seeded):
    from comments.models import Report

    before = Report.objects.count()
    call_command("seed_comments", stdout=io.StringIO())

    assert Report.objects.count() == before == 4


def test_only_replies_have_a_parent_and_it_is_on_the_same_article(seeded):
    replies = Comment.objects.filter(parent__isnull=False).select_related("parent")

    assert replies.count() == 11
    assert all(reply.parent.article_id == reply.article_id for reply in replies)


def test_with_akismet_off_no_demo_comment_waits_for_a_spam_check(seeded):
    assert not Comment.objects.awaiting_spam_check().exists()
    assert set(Comment.objects.approved().values_list("akismet", flat=True)) == {"disabled"}


def test_with_akismet_on_each_held_demo_comment_is_checked_once_the_seed_commits(
    db, fake_akismet, django_capture_on_commit_callbacks
):
    call_command("seed", stdout=io.StringIO())
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_comments", stdout=io.StringIO())

    held = Comment.objects.pending().filter(article__slug=REFERENCE)
    assert set(held.values_list("akismet", flat=True)) == {"ham"} and held.count() == 3
    assert not Comment.objects.awaiting_spam_check().exists()
    assert len(fake_akismet.hits("/1.1/comment-check")) == 3
