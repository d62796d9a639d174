"""comments.spam against the fake Akismet server: the payload, the verdicts, the replays."""

import os

import httpx
import pytest

from comments import spam
from comments.models import Comment
from tests.comments.conftest import approved_comment


@pytest.fixture(autouse=True)
def _no_first_time_hold(settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False


def test_the_check_sends_the_full_payload_and_stores_exactly_what_was_sent(
    fake_akismet, post, article, settings
):
    settings.SITE_URL = "https://news.example"
    parent = approved_comment(article)

    comment = post(
        article,
        ip="203.0.113.9",
        name="Ada",
        email="ada@example.net",
        url="https://ada.example",
        body="Lovely news.",
        parent=str(parent.pk),
        headers={"User-Agent": "Firefox/140", "Referer": "https://news.example/articles/x/"},
    ).comment

    [check] = fake_akismet.hits("/1.1/comment-check")
    sent = {k: v for k, v in check.form.items() if k not in ("api_key", "blog")}
    assert sent == comment.akismet_payload
    assert sent == {
        "user_ip": "203.0.113.9",
        "user_agent": "Firefox/140",
        "referrer": "https://news.example/articles/x/",
        "permalink": "https://news.example/articles/splash-pads/",
        "comment_type": "reply",
        "comment_author": "Ada",
        "comment_author_email": "ada@example.net",
        "comment_author_url": "https://ada.example",
        "comment_content": "Lovely news.",
        "comment_date_gmt": comment.submitted_at.isoformat(),
        "comment_post_modified_gmt": article.published_at.isoformat(),
        "blog_lang": "en",
        "blog_charset": "UTF-8",
    }
    assert check.form["blog"] == "http://testserver"
    assert check.form["api_key"] == "fake-akismet-key"
    assert check.headers["User-Agent"].startswith("akismet.py/")


def test_test_mode_marks_every_check_as_a_test(fake_akismet, post, article, settings):
    settings.AKISMET_TEST_MODE = True

    post(article)

    assert fake_akismet.hits("/1.1/comment-check")[0].form["is_test"] == "1"


def test_ham_is_approved(fake_akismet, post, article):
    comment = post(article).comment

    assert comment.is_approved()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.reasons == []


def test_ham_that_a_rule_held_stays_held(fake_akismet, post, article, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = True

    comment = post(article).comment

    assert comment.is_pending()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.reasons == ["first_time"]


def test_spam_is_marked_spam(fake_akismet, post, article):
    comment = post(article, name="akismet-guaranteed-spam").comment

    assert comment.is_spam()
    assert not comment.is_blatant
    assert comment.reasons == ["akismet_spam"]


def test_discard_is_marked_blatant_spam_and_kept(fake_akismet, post, article):
    comment = post(article, name="fake-discard").comment

    assert comment.is_spam()
    assert comment.is_blatant
    assert comment.akismet == Comment.Akismet.DISCARD
    assert comment.reasons == ["akismet_discard"]


def test_the_check_is_recorded_in_the_audit_trail(fake_akismet, post, article):
    comment = post(article, name="akismet-guaranteed-spam").comment

    kinds = list(comment.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "held", "spam_checked", "marked_spam"]
    assert comment.events.get(kind="spam_checked").data == {"verdict": "spam"}


def test_without_a_key_nothing_is_sent_and_the_verdict_is_disabled(
    fake_akismet, post, article, settings
):
    settings.AKISMET_API_KEY = ""

    comment = post(article).comment

    assert comment.is_approved()
    assert comment.akismet == Comment.Akismet.DISABLED
    assert fake_akismet.requests == []


def test_staff_comments_and_rule_spam_are_not_sent_to_akismet(
    fake_akismet, client, post, article, moderator
):
    from comments.models import Rule

    Rule.objects.create(kind="disallowed_word", value="casino")
    post(article, body="casino")
    client.force_login(moderator)
    post(article)

    assert fake_akismet.hits("/1.1/comment-check") == []


@pytest.mark.parametrize("verb", ["submit_spam", "submit_ham"])
def test_submitting_spam_or_ham_replays_the_stored_payload_unchanged(
    fake_akismet, post, article, verb
):
    comment = post(article, body="Replay me exactly.").comment
    fake_akismet.requests.clear()

    error = getattr(spam, verb)(comment)

    [sent] = fake_akismet.hits(f"/1.1/{verb.replace('_', '-')}")
    assert error == ""
    assert {k: v for k, v in sent.form.items() if k not in ("api_key", "blog")} == (
        comment.akismet_payload
    )


def test_a_failed_submission_reports_the_error_instead_of_raising(fake_akismet, post, article):
    comment = post(article).comment
    fake_akismet.mode = "http500"

    assert "500" in spam.submit_spam(comment)


def test_a_comment_never_checked_is_not_submitted(fake_akismet, article):
    comment = approved_comment(article)

    assert spam.submit_ham(comment) == ""
    assert fake_akismet.requests == []


def test_the_key_status_is_checked_with_akismet_and_cached(fake_akismet, settings):
    assert spam.key_status() == "valid"
    assert spam.key_status() == "valid"
    assert len(fake_akismet.hits("/1.1/verify-key")) == 1


def test_with_the_cache_down_the_key_status_is_asked_of_akismet_each_time(fake_akismet, settings):
    settings.CACHES = {"default": {"BACKEND": "newsroom.cache.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip

    assert spam.key_status() == "valid"
    assert spam.key_status() == "valid"
    assert len(fake_akismet.hits("/1.1/verify-key")) == 2  # nothing could be kept


def test_an_invalid_key_is_reported(fake_akismet):
    fake_akismet.mode = "invalid_key"

    assert spam.key_status() == "invalid"


def test_an_unreachable_akismet_is_reported(fake_akismet):
    fake_akismet.mode = "http500"

    assert spam.key_status() == "unreachable"


def test_an_invalid_key_met_during_a_check_is_reported_too(fake_akismet, post, article):
    fake_akismet.mode = "invalid_key"

    comment = post(article).comment

    assert "APIKeyError" in comment.events.get(kind="spam_check_failed").data["error"]
    assert spam.key_status() == "invalid"


def test_checks_share_one_connection_to_akismet(fake_akismet, post, article):
    """A new HTTP client for every check cost more CPU (its TLS context) than the check."""
    post(article, body="First of two.")
    post(article, body="Second of two.", email="other@example.net")

    checks = fake_akismet.hits("/1.1/comment-check")
    assert len(checks) == 2
    assert checks[0].peer == checks[1].peer


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_builds_its_own_client_and_does_not_share_the_parents(fake_akismet):
    parent = spam._http_client()
    pid = os.fork()
    if pid == 0:  # the child: report by exit code, and leave at once
        own = spam._shared["client"] is None and spam._http_client() is not parent
        os._exit(0 if own else 1)
    _pid, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert spam._http_client() is parent


def test_the_transport_only_redirects_requests_meant_for_akismet(fake_akismet):
    with pytest.raises(httpx.ConnectError):
        spam._http_client().get("https://example.org/")
