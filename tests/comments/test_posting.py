"""Posting a comment: the reader's side of the pipeline, through the public form."""

import datetime
import time

import pytest
import time_machine
from django.core.cache import cache
from django.db.models.signals import post_init
from django.utils import timezone

from articles import caching
from articles.models import Article
from comments import rules
from comments.forms import sign_timestamp
from comments.models import Comment, Rule
from tests.comments.conftest import SETTLING, approved_comment
from tests.factories import ArticleFactory, UserFactory


def test_a_held_comment_sends_the_reader_back_to_it_on_the_article(post, article):
    response = post(article, body="Glad the pads open early this year.")

    comment = response.comment
    assert response.status_code == 302
    assert response["Location"] == f"/articles/splash-pads/#comment-{comment.pk}"
    assert comment.is_pending()
    assert comment.reasons == ["first_time"]
    assert comment.body_html == "<p>Glad the pads open early this year.</p>"


def test_an_approved_comment_sends_the_reader_back_to_it(post, article, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False

    response = post(article)

    assert response.comment.is_approved()
    assert response["Location"].endswith(f"#comment-{response.comment.pk}")


def test_the_comment_keeps_the_request_details_for_spam_checks(post, article):
    comment = post(
        article,
        ip="203.0.113.9",
        headers={"User-Agent": "Firefox/140", "Referer": "http://testserver/articles/x/"},
    ).comment

    assert comment.ip == "203.0.113.9"
    assert comment.user_agent == "Firefox/140"
    assert comment.referrer == "http://testserver/articles/x/"
    assert [e.kind for e in comment.events.all()][:2] == ["submitted", "rule_matched"]


def test_the_email_address_is_kept_in_lower_case(post, article):
    assert post(article, email="Ada@Example.NET").comment.email == "ada@example.net"


def test_a_staff_member_is_approved_straight_away(client, post, article, senior_editor):
    client.force_login(senior_editor)

    comment = post(article, email="sam@newsroom.example").comment

    assert comment.is_approved()
    assert comment.reasons == ["staff"]
    assert comment.user == senior_editor


def test_staff_comment_under_their_own_name_whatever_the_form_says(
    client, post, article, senior_editor, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    senior_editor.email = "Sam@Newsroom.Example"
    senior_editor.save()
    client.force_login(senior_editor)
    form = client.get(article.get_absolute_url()).content.decode()
    assert "You are commenting as Sam Senior, with a staff badge." in form
    assert 'name="name"' not in form and 'name="email"' not in form

    comment = post(article, name="The Editor-in-Chief", email="boss@elsewhere.example").comment

    assert (comment.name, comment.email, comment.by_staff) == (
        "Sam Senior",
        "sam@newsroom.example",
        True,
    )
    client.logout()
    page = client.get(article.get_absolute_url()).content.decode()
    assert '<b>Sam Senior</b> <span class="comment-staff">Staff</span>' in page
    assert "The Editor-in-Chief" not in page


def test_a_reader_named_like_staff_gets_no_badge(post, article, client, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    post(article, name="Sam Senior")

    page = client.get(article.get_absolute_url()).content.decode()

    assert "<b>Sam Senior</b>" in page
    assert "comment-staff" not in page


def test_a_first_time_commenter_is_trusted_after_an_approved_comment(post, article):
    first = post(article, email="ada@example.net").comment
    assert first.reasons == ["first_time"]
    first.approve()

    second = post(article, email="ada@example.net", body="And another thing.").comment

    assert second.is_approved()


def test_a_premoderated_article_holds_every_comment(post, article, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    Article.objects.filter(pk=article.pk).update(comment_policy="premoderated")

    comment = post(article).comment

    assert comment.is_pending()
    assert comment.reasons == ["premoderated"]


def test_a_reply_to_an_approved_comment_is_threaded_under_it(post, article):
    parent = approved_comment(article)

    reply = post(article, parent=str(parent.pk)).comment

    assert reply.parent == parent
    assert reply.comment_type == "reply"


def test_nobody_can_comment_on_an_unpublished_article(db, post):
    draft = ArticleFactory(draft=True)

    assert post(draft).status_code == 404
    assert not Comment.objects.exists()


def test_the_form_only_accepts_posts(client, article):
    assert client.get(f"/comments/post/{article.pk}/").status_code == 405


# Bad input: an honest status, a clear message, and the reader's text back.


def assert_refused(response, status, message, text="My carefully written text"):
    assert response.status_code == status
    page = response.content.decode()
    assert message in page
    assert text in page
    assert not Comment.objects.filter(body=text).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"email": ""}, "This field is required."),
        ({"email": "not-an-address"}, "Enter a valid email address."),
        ({"url": "not a url"}, "Enter a valid URL."),
        ({"name": "n" * 101}, "Ensure this value has at most 100 characters (it has 101)."),
        ({"email": "e" * 243 + "@example.net"}, "at most 254 characters (it has 255)"),
        ({"url": "https://example.net/" + "p" * 181}, "at most 200 characters (it has 201)."),
    ],
)
def test_invalid_fields_are_refused_with_their_message_and_the_text_back(
    post, article, fields, message
):
    response = post(article, body="My carefully written text", **fields)

    assert_refused(response, 400, message)


def test_an_empty_comment_is_refused(post, article):
    response = post(article, body="", name="Ada Lovelace")

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Ada Lovelace" in response.content.decode()


def test_a_comment_over_5000_characters_is_refused_and_returned_whole(post, article):
    text = "My carefully written text " + "x" * 5000

    response = post(article, body=text)

    assert_refused(response, 400, "at most 5000 characters", text=text)


def test_a_comment_on_a_closed_article_is_refused_with_403(post, article):
    Article.objects.filter(pk=article.pk).update(comment_policy="closed")

    response = post(article, body="My carefully written text")

    assert_refused(response, 403, "Comments are closed on this article.")


def test_comments_close_automatically_after_the_configured_number_of_days(db, post, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 14
    old = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=15))
    recent = ArticleFactory(published_at=timezone.now() - datetime.timedelta(days=13))

    assert post(old, body="My carefully written text").status_code == 403
    assert post(recent).status_code == 302


def test_a_second_comment_from_the_same_ip_within_15_seconds_is_refused_with_429(post, article):
    post(article, ip="203.0.113.5")

    response = post(article, ip="203.0.113.5", body="My carefully written text")

    assert_refused(response, 429, "You are posting too quickly.")


def test_a_second_comment_from_the_same_email_within_15_seconds_is_refused_with_429(post, article):
    post(article, email="ada@example.net")

    response = post(article, email="ada@example.net", body="My carefully written text")

    assert_refused(response, 429, "You are posting too quickly.")


def test_the_same_reader_may_comment_again_once_the_flood_window_has_passed(
    post, article, settings
):
    # Real time, not a frozen clock: the window lives in the shared cache (Redis in CI) too.
    settings.COMMENTS_FLOOD_SECONDS = 1
    post(article, ip="203.0.113.5")
    assert post(article, ip="203.0.113.5").status_code == 429

    time.sleep(1.1)
    response = post(article, ip="203.0.113.5")

    assert response.status_code == 302


def test_comments_from_one_address_are_stored_at_least_the_flood_window_apart_on_a_busy_server(
    post, article, settings
):
    # A busy server takes a while between building the form and judging it (under load,
    # hundreds of milliseconds): here 0.4 s pass on a frozen clock as the form is built. The
    # earlier comment was made directly, so no claim of it is in the cache: the database
    # check decides.
    settings.COMMENTS_FLOOD_SECONDS = 5
    now = timezone.now()
    earlier = Comment.objects.create(
        article=article,
        name="A",
        email="a@example.net",
        body="First.",
        ip="203.0.113.5",
        submitted_at=now - datetime.timedelta(seconds=4.7),
    )
    with time_machine.travel(now, tick=False) as clock:
        busy = BusyServer(clock, seconds=0.4)
        post_init.connect(busy, sender=Comment)
        try:
            response = post(article, ip="203.0.113.5")
        finally:
            post_init.disconnect(busy, sender=Comment)

    assert response.status_code == 302
    gap = response.comment.submitted_at - earlier.submitted_at
    assert gap >= datetime.timedelta(seconds=5)


class BusyServer:
    """Moves the frozen clock on once, when the first comment object is built (by the form)."""

    def __init__(self, clock, seconds):
        self.clock, self.seconds, self.done = clock, seconds, False

    def __call__(self, **kwargs):
        if not self.done:
            self.done = True
            self.clock.shift(datetime.timedelta(seconds=self.seconds))


def test_the_same_text_by_the_same_author_on_the_same_article_is_refused_with_409(post, article):
    post(article, email="ada@example.net", body="My carefully written text")

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        response = post(article, email="ada@example.net", body="My carefully written text")

    assert response.status_code == 409
    assert "You have already posted this comment here." in response.content.decode()
    assert Comment.objects.filter(body="My carefully written text").count() == 1


def test_the_same_text_by_someone_else_is_fine(post, article):
    post(article, email="ada@example.net", body="Agreed!")

    assert post(article, email="grace@example.net", body="Agreed!").status_code == 302


def test_a_reply_to_a_held_comment_is_refused(post, article):
    held = Comment.objects.create(article=article, name="A", email="a@example.net", body="x")
    held.hold("first_time")

    response = post(article, parent=str(held.pk), body="My carefully written text")

    assert_refused(response, 400, "You can only reply to a published comment on this article.")


def test_a_reply_to_a_comment_on_another_article_is_refused(post, article):
    elsewhere = approved_comment(ArticleFactory())

    response = post(article, parent=str(elsewhere.pk), body="My carefully written text")

    assert_refused(response, 400, "You can only reply to a published comment on this article.")


# Bots: refused without saying why.

GENERIC = "Sorry, your comment could not be posted."


def test_a_filled_honeypot_is_refused_without_saying_why(post, article):
    response = post(article, homepage="http://spam.example", body="My carefully written text")

    assert_refused(response, 400, GENERIC)
    assert "honeypot" not in response.content.decode().lower()


def test_a_form_sent_faster_than_a_person_can_type_is_refused(post, article):
    response = post(article, timestamp=sign_timestamp(article), body="My carefully written text")

    assert_refused(response, 400, GENERIC)


def test_a_form_older_than_two_hours_is_refused(post, article):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=2, seconds=5)):
        stale = sign_timestamp(article)

    response = post(article, timestamp=stale, body="My carefully written text")

    assert_refused(response, 400, GENERIC)


def test_a_form_an_hour_old_is_accepted_as_from_a_cached_page(post, article):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=1)):
        timestamp = sign_timestamp(article)

    assert post(article, timestamp=timestamp).status_code == 302


@pytest.mark.parametrize("timestamp", ["", "forged", "1:2:3"])
def test_a_missing_or_forged_timestamp_is_refused(post, article, timestamp):
    response = post(article, timestamp=timestamp, body="My carefully written text")

    assert_refused(response, 400, GENERIC)


def test_a_timestamp_from_another_articles_form_is_refused(post, article):
    other = ArticleFactory()
    with time_machine.travel(timezone.now() - datetime.timedelta(minutes=1)):
        timestamp = sign_timestamp(other)

    assert post(article, timestamp=timestamp).status_code == 400


def test_one_form_sends_one_comment_from_each_address(post, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    timestamp = sign_timestamp(article, now=time.time() - 10)
    assert post(article, timestamp=timestamp, ip="192.0.2.44").status_code == 302

    replay = post(article, timestamp=timestamp, ip="192.0.2.44", body="A second, different text")

    message = "This form has already been used to send a comment."
    assert_refused(replay, 400, message, text="A second, different text")
    assert timestamp not in replay.content.decode()
    assert Comment.objects.filter(ip="192.0.2.44").count() == 1


def test_readers_sharing_a_cached_form_each_send_their_comment(post, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    timestamp = sign_timestamp(article, now=time.time() - 10)

    codes = [post(article, timestamp=timestamp, ip=f"192.0.2.{n}").status_code for n in (1, 2, 3)]

    assert codes == [302, 302, 302]


def test_a_saved_comment_sent_again_is_told_so_after_its_duplicate_claim_ran_out(post, article):
    # The same POST again: its flood and form claims are still held, its duplicate claim (ten
    # seconds) is gone. The reader hears what is true: it is posted already.
    data = {"ip": "192.0.2.70", "email": "again@example.net", "body": "Sent twice by mistake."}
    timestamp = sign_timestamp(article, now=time.time() - 10)
    assert post(article, timestamp=timestamp, **data).status_code == 302
    cache.delete(rules._duplicate_key(article, data))

    again = post(article, timestamp=timestamp, **data)

    assert again.status_code == 409
    assert "You have already posted this comment here." in again.content.decode()
    assert Comment.objects.filter(body=data["body"]).count() == 1


def test_a_multi_line_comment_sent_again_from_a_browser_is_told_it_is_posted_already(post, article):
    # Browsers send a textarea's lines with CRLF; the comment is stored with LF.
    data = {"ip": "192.0.2.71", "email": "lines@example.net", "body": "First line.\r\nSecond."}
    timestamp = sign_timestamp(article, now=time.time() - 10)
    assert post(article, timestamp=timestamp, **data).status_code == 302
    for body in ("First line.\r\nSecond.", "First line.\nSecond."):  # its claim ran out
        cache.delete(rules._duplicate_key(article, {**data, "body": body}))

    again = post(article, timestamp=timestamp, **data)

    assert again.status_code == 409
    assert Comment.objects.get(email=data["email"]).body == "First line.\nSecond."


def test_a_flood_the_database_finds_is_told_before_a_form_used_again(post, article):
    # The flood claims gone (evicted, say), the form's still held: the database still sees the
    # first comment inside the window, and the reader hears that, as the gate checks the flood
    # before the form.
    data = {"ip": "192.0.2.72", "email": "quick@example.net"}
    timestamp = sign_timestamp(article, now=time.time() - 10)
    assert post(article, timestamp=timestamp, body="First thoughts.", **data).status_code == 302
    cache.delete_many(rules._flood_keys(data, data["ip"]))

    again = post(article, timestamp=timestamp, body="Second thoughts.", **data)

    assert again.status_code == 429
    assert "You are posting too quickly." in again.content.decode()
    assert not Comment.objects.filter(body="Second thoughts.").exists()


def test_a_post_refused_while_the_cache_is_down_asks_nothing_of_it(post, article, monkeypatch):
    post(article, email="down@example.net", body="Said once.")
    caching.cache_down("test")
    monkeypatch.setattr(cache, "delete_many", lambda *a, **k: pytest.fail("cache asked"))
    monkeypatch.setattr(cache, "add", lambda *a, **k: pytest.fail("cache asked"))
    monkeypatch.setattr(cache, "add_all", lambda *a, **k: pytest.fail("cache asked"), raising=False)

    again = post(article, email="down@example.net", body="Said once.")
    flood = post(article, ip="192.0.2.71", email="down@example.net", body="Something new.")

    assert again.status_code == 409
    assert flood.status_code == 429


def test_a_refused_comment_does_not_use_up_its_form(post, article, settings):
    settings.COMMENTS_FLOOD_SECONDS = 0
    post(article, ip="192.0.2.45", email="twice@example.net", body="Said once.")
    timestamp = sign_timestamp(article, now=time.time() - 10)
    again = post(article, timestamp=timestamp, ip="192.0.2.45", email="twice@example.net",
                 body="Said once.")  # fmt: skip
    assert again.status_code == 409

    assert post(article, timestamp=timestamp, ip="192.0.2.45").status_code == 302


def test_with_the_cache_down_the_database_still_refuses_duplicates_and_floods(
    post, article, settings
):
    # The project's own Redis backend (its claims go in one round trip), at a port with no server.
    settings.CACHES = {"default": {"BACKEND": "newsroom.cache.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # fmt: skip
    first = post(article, ip="192.0.2.60", email="down@example.net", body="Said while down.")
    assert first.status_code == 302

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=5)):
        again = post(article, ip="192.0.2.61", email="down@example.net", body="Said while down.")
    flood = post(article, ip="192.0.2.60", email="other@example.net", body="Something else.")

    assert again.status_code == 409
    assert "Said while down." in again.content.decode()  # the reader's text, back in the form
    assert flood.status_code == 429
    assert Comment.objects.filter(email="down@example.net").count() == 1


def test_the_refused_form_comes_back_with_a_fresh_timestamp(post, article):
    old = sign_timestamp(article, now=time.time() - 10)

    response = post(article, timestamp=old, name="")

    assert response.status_code == 400
    assert old not in response.content.decode()


# Remembering the reader.


def test_with_consent_the_readers_details_are_remembered_for_a_year(client, post, article):
    post(article, name="Ada", email="ada@example.net", url="https://ada.example", remember="on")

    cookie = client.cookies["comments_author"]
    page = client.get("/articles/splash-pads/").content.decode()
    assert cookie["max-age"] == 365 * 86400
    assert 'value="Ada"' in page
    assert 'value="ada@example.net"' in page
    assert 'value="https://ada.example"' in page


def test_without_consent_nothing_about_the_reader_is_remembered(client, post, article):
    post(article, name="Ada", email="ada@example.net")

    assert "comments_author" not in client.cookies or not client.cookies["comments_author"].value
    assert 'value="Ada"' not in client.get("/articles/splash-pads/").content.decode()


def test_a_logged_in_non_staff_reader_goes_through_the_normal_rules(client, post, article):
    client.force_login(UserFactory(username="someone"))

    comment = post(article).comment

    assert comment.is_pending()
    assert comment.reasons == ["first_time"]


def test_a_comment_of_lists_nested_thousands_deep_is_stored_with_its_text(post, article):
    body = "1. " * 1664 + "deep"  # Markdown nests a list per "1. " and runs out of stack

    response = post(article, body=body)

    assert response.status_code == 302
    assert response.comment.body == body
    assert "1. 1. 1. 1. deep" in response.comment.body_html


def test_a_posting_writes_the_comment_once_with_its_verdict_and_its_events_together(
    post, article, fake_akismet, dummy_tasks, django_assert_num_queries
):
    # The article; the duplicate, flood and first-time checks and the rules; a savepoint and
    # its release around the comment with its verdict, its reason rows and its three events;
    # where the comment shows on the page; then this test's own look-up of the comment. (The
    # dummy task backend queues the spam check without a query.)
    with django_assert_num_queries(12 + SETTLING) as captured:
        comment = post(article).comment
    statements = [q["sql"].split()[0] for q in captured.captured_queries]

    assert comment.is_pending() and comment.is_awaiting_spam_check()
    assert statements.count("INSERT") == 3
    assert "UPDATE" not in statements and "DELETE" not in statements
    kinds = list(comment.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "rule_matched", "held"]
    assert sorted(comment.reason_rows.values_list("reason", flat=True)) == sorted(comment.reasons)


def test_with_akismet_off_a_posting_is_written_approved_in_one_insert(
    post, article, settings, django_assert_num_queries
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    # As above, without the first-time check or reason rows: the comment's INSERT carries its
    # final status (the disabled check and the approval are not written one after the other).
    with django_assert_num_queries(10 + SETTLING) as captured:
        comment = post(article, email="known@example.net").comment
    statements = [q["sql"].split()[0] for q in captured.captured_queries]

    assert comment.is_approved()
    assert statements.count("INSERT") == 2
    assert "UPDATE" not in statements
    assert list(comment.events.values_list("kind", flat=True)) == ["submitted", "approved"]


# The posting context (the article, its sections and the rules) comes from the cache after the
# first post; each change below, saved as the admin saves it, applies to the very next post.


def test_a_second_posting_reads_neither_the_article_nor_the_rules_again(
    post, article, settings, django_assert_num_queries
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    post(article)
    with django_assert_num_queries(8 + SETTLING) as captured:
        comment = post(article).comment
    statements = " ".join(q["sql"] for q in captured.captured_queries)

    assert comment.is_approved()
    assert '"articles_article"' not in statements and '"comments_rule"' not in statements


def test_comments_closed_on_the_article_refuse_the_next_post(post, article):
    assert post(article).status_code == 302
    article.comment_policy = Article.CommentPolicy.CLOSED
    article.save()

    response = post(article, body="Sent just after the editor closed them.")

    assert response.status_code == 403
    assert Comment.objects.filter(body="Sent just after the editor closed them.").count() == 0


def test_a_section_made_premoderated_holds_the_next_post(post, article):
    post(article)  # the first read fills the cache
    section = article.section
    section.comment_policy = section.CommentPolicy.PREMODERATED
    section.save()

    comment = post(article).comment

    assert comment.is_pending()
    assert "premoderated" in comment.reasons


def test_a_rule_applies_to_the_next_post_and_stops_once_deleted(post, article):
    post(article)
    rule = Rule.objects.create(kind=Rule.Kind.DISALLOWED_WORD, value="miracle tonic")

    assert post(article, body="Try the miracle tonic today.").comment.is_spam()
    rule.delete()
    assert not post(article, body="The miracle tonic shop has closed.").comment.is_spam()


def test_an_unpublished_article_takes_no_more_comments(post, article):
    post(article)
    article.status = Article.Status.DRAFT
    article.save()

    assert post(article).status_code == 404


def test_a_scheduled_article_takes_comments_from_its_publishing_time(post, article):
    article.published_at = timezone.now() + datetime.timedelta(hours=1)
    article.save()

    assert post(article).status_code == 404  # the article is read, and cached, but not yet live
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=2)):
        response = post(article)

    assert response.status_code == 302
