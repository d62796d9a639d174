"""Save first, then check; and the moderators' e-mail, which may fail without losing anything."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command

from articles.roles import MODERATOR
from comments.models import Comment
from comments.tasks import check_comment, notify_moderators
from tests.factories import UserFactory

FAILING_MAIL = {"default": {"BACKEND": "tests.comments.failing_mail.FailingBackend"}}


def run_queued(backend):
    """What a worker would do now with the queue: every task due, in order, new ones too."""
    done = 0
    while done < len(backend.results):
        result = backend.results[done]
        if result.task.run_after is None:
            result.task.call(*result.args, **result.kwargs)
        done += 1


def test_the_comment_is_saved_and_held_before_the_spam_check_runs(
    fake_akismet, dummy_tasks, post, article
):
    response = post(article, body="Saved before anything else.")

    comment = response.comment
    assert response.status_code == 302
    assert comment.is_pending()
    assert comment.is_awaiting_spam_check()
    assert comment.reasons == ["first_time", "awaiting_spam_check"]
    assert fake_akismet.requests == []
    [queued] = dummy_tasks.results
    assert (queued.task.name, queued.args) == ("check_comment", [comment.pk])

    run_queued(dummy_tasks)

    comment.refresh_from_db()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.reasons == ["first_time"]


def test_a_held_reader_sees_their_comment_before_the_check_has_run(
    fake_akismet, dummy_tasks, client, post, article
):
    comment = post(article, body="Still waiting for the checker.").comment

    page = client.get("/articles/splash-pads/").content.decode()

    assert f'id="comment-{comment.pk}"' in page
    assert "Your comment is awaiting moderation." in page


def test_a_moderator_decision_before_the_check_wins(fake_akismet, dummy_tasks, post, article):
    comment = post(article).comment
    comment.approve()

    run_queued(dummy_tasks)

    comment.refresh_from_db()
    assert comment.is_approved()
    assert fake_akismet.requests == []


@pytest.fixture
def moderators(moderator):
    moderator.email = "mo@newsroom.example"
    moderator.save()
    return [moderator.email]


def test_moderators_get_one_email_per_held_comment_with_a_link_to_it(
    moderators, post, article, settings
):
    settings.SITE_URL = "https://news.example"

    comment = post(article, name="Ada", body="Please review me.").comment

    [message] = mail.outbox
    assert message.to == moderators
    assert "Ada" in message.subject
    assert "Splash pads reopen early" in message.subject
    assert "Please review me." in message.body
    assert "First comment from this e-mail address" in message.body
    assert f"https://news.example/admin/comments/comment/{comment.pk}/change/" in message.body
    comment.refresh_from_db()
    assert comment.notified_at is not None
    assert comment.events.filter(kind="notified").exists()


def test_moderators_email_is_plain_text_with_readable_reasons(moderators, post, article):
    article.title = 'The mayor\'s "cool streets" plan & you'
    article.save()
    post(article, name="O'Neill", body="Read <this> & that.", url="https://example.org/a")

    [message] = mail.outbox
    assert message.subject == (
        "[The Newsroom Ledger] Comment held for review: O'Neill on "
        '\u201cThe mayor\'s "cool streets" plan & you\u201d'
    )
    assert "Why it was held: First comment from this e-mail address\n" in message.body
    assert "Read <this> & that." in message.body


def test_no_email_for_spam_or_approved_comments(moderators, post, article, settings):
    from comments.models import Rule

    Rule.objects.create(kind="disallowed_word", value="casino")
    post(article, body="casino")
    settings.COMMENTS_HOLD_FIRST_TIME = False
    post(article)

    assert mail.outbox == []


def test_no_email_while_the_spam_check_is_still_to_come(fake_akismet, moderators, post, article):
    fake_akismet.mode = "http500"

    post(article)

    assert mail.outbox == []


def test_no_email_for_comments_akismet_calls_spam(fake_akismet, moderators, post, article):
    post(article, name="akismet-guaranteed-spam")

    assert mail.outbox == []


def test_the_email_goes_out_after_akismet_says_ham_and_a_rule_holds_it(
    fake_akismet, moderators, post, article
):
    post(article)

    assert len(mail.outbox) == 1


def test_managers_get_the_email_when_there_are_no_moderators(post, article, settings):
    settings.MANAGERS = ["desk@news.example"]

    post(article)

    assert mail.outbox[0].to == ["desk@news.example"]


def test_inactive_moderators_and_other_staff_get_no_email(moderators, post, article, reporter):
    gone = UserFactory(username="gone", email="gone@news.example", is_active=False)
    gone.groups.add(Group.objects.get(name=MODERATOR))

    post(article)

    assert mail.outbox[0].to == moderators


def test_a_failing_mail_server_loses_nothing_and_the_email_is_retried(
    moderators, post, article, settings
):
    settings.MAILERS = FAILING_MAIL

    response = post(article, body="Kept despite the mail server.")

    comment = response.comment
    assert response.status_code == 302
    assert comment.is_pending()
    assert comment.notified_at is None
    assert comment.events.filter(kind="notify_failed").exists()

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("recheck_comments", stdout=io.StringIO())

    comment.refresh_from_db()
    assert comment.notified_at is not None
    assert len(mail.outbox) == 1


def test_a_failed_email_is_retried_by_a_deferred_task_when_the_backend_can_defer(
    moderators, dummy_tasks, post, article, settings
):
    settings.MAILERS = FAILING_MAIL
    comment = post(article).comment
    run_queued(dummy_tasks)

    retry = dummy_tasks.results[-1]
    assert retry.task.name == "notify_moderators"
    assert retry.task.run_after is not None
    assert retry.args == [comment.pk]


def test_moderators_are_emailed_once_even_if_the_task_runs_twice(moderators, post, article):
    comment = post(article).comment

    notify_moderators.call(comment.pk)

    assert len(mail.outbox) == 1


def test_a_check_task_for_a_deleted_comment_does_nothing(db):
    check_comment.call(12345)

    assert not Comment.objects.exists()


def test_a_broken_task_queue_loses_nothing_and_cron_checks_the_comment_later(
    fake_akismet, post, article, settings
):
    settings.TASKS = {"default": {"BACKEND": "tests.comments.broken_queue.BrokenBackend"}}

    response = post(article, body="Kept although the queue is down.")

    comment = response.comment
    assert response.status_code == 302
    assert comment.is_awaiting_spam_check()

    call_command("recheck_comments", stdout=io.StringIO())

    comment.refresh_from_db()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.reasons == ["first_time"]


def test_a_name_cannot_write_lines_into_the_moderators_email(moderators, post, article):
    post(article, name="Ann\r\nApprove here: https://evil.example/approve\n\tNow")

    comment = Comment.objects.get()
    body = mail.outbox[0].body
    assert comment.name == "Ann Approve here: https://evil.example/approve Now"
    assert not any(line.startswith("Approve here") for line in body.splitlines())
    assert "\n" not in mail.outbox[0].subject
