"""Commenters edit their own comments: from the browser that posted them or from a signed link,
for COMMENTS_EDIT_MINUTES, each edit checked again by the rules and Akismet."""

import datetime
import re

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.utils import timezone

from comments import edits
from comments.models import Comment, CommentEvent, Rule
from tests.comments.conftest import approved_comment, held_comment

pytestmark = pytest.mark.django_db

PAGE = "/articles/splash-pads/"


@pytest.fixture(autouse=True)
def _published_at_once(settings):
    """Comments go straight onto the page unless a test holds them (Akismet is off)."""
    settings.COMMENTS_HOLD_FIRST_TIME = False
    settings.COMMENTS_EDIT_MINUTES = 10


@pytest.fixture
def edit(client, django_capture_on_commit_callbacks):
    """Send an edit as the reader's browser does; on-commit work (the re-check) runs."""

    def send(comment, body, using=None, url=None, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            response = (using or client).post(
                url or f"/comments/{comment.pk}/edit/", {"body": body}, headers=headers
            )
        comment.refresh_from_db()
        return response

    return send


def edit_path(comment):
    return edits.edit_url(comment).removeprefix("http://127.0.0.1:8000")


# The browser that posted the comment.


def test_the_reader_edits_their_published_comment_from_the_same_browser(
    client, post, article, edit
):
    comment = post(article, body="Teh pool opens at nine.").comment
    assert comment.is_approved()

    form = client.get(f"/comments/{comment.pk}/edit/")
    response = edit(comment, "The pool opens at nine.")

    assert form.status_code == 200
    assert "Teh pool opens at nine." in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{PAGE}#comment-{comment.pk}"
    assert comment.body == "The pool opens at nine."
    assert comment.is_approved()
    assert comment.edited_at is not None
    event = comment.events.get(kind=CommentEvent.Kind.COMMENTER_EDITED)
    assert event.data == {
        "before": {"body": "Teh pool opens at nine."},
        "after": {"body": "The pool opens at nine."},
    }


def test_the_edit_page_is_private_and_carries_a_csrf_token(client, post, article):
    comment = post(article).comment

    response = client.get(f"/comments/{comment.pk}/edit/")

    control = set(response["Cache-Control"].split(", "))
    assert {"private", "no-store"} <= control
    assert 'name="csrfmiddlewaretoken"' in response.content.decode()


def test_the_reader_page_shows_edit_links_only_on_their_own_comments(client, post, article):
    other = approved_comment(article, body="Somebody else's view.")
    mine = post(article).comment

    html = client.get(PAGE).content.decode()

    assert f'href="/comments/{mine.pk}/edit/"' in html
    assert f"/comments/{other.pk}/edit/" not in html


def test_a_held_comment_of_their_own_can_be_edited_too(client, post, article, edit, settings):
    settings.COMMENTS_HOLD_FIRST_TIME = True
    comment = post(article, body="First try.").comment
    assert comment.is_pending()

    assert f'href="/comments/{comment.pk}/edit/"' in client.get(PAGE).content.decode()
    edit(comment, "First try, corrected.")

    assert comment.body == "First try, corrected."
    assert comment.is_pending()
    assert comment.reasons == ["first_time"]  # still what it was held for


def test_the_shared_page_never_carries_an_edit_link(client, post, article):
    comment = post(article).comment

    shared = Client().get(PAGE)

    assert "public" in shared["Cache-Control"]
    assert comment.body in shared.content.decode()
    assert "/edit/" not in shared.content.decode()
    own = client.get(PAGE)
    assert "private" in own["Cache-Control"]


def test_another_browser_cannot_edit_the_comment_and_gets_its_text_back(post, article, edit):
    comment = post(article, body="Mine, not yours.").comment
    stranger = Client()

    page = stranger.get(f"/comments/{comment.pk}/edit/")
    response = edit(comment, "Yours now.", using=stranger)

    assert page.status_code == 403
    assert "Mine, not yours." not in page.content.decode()
    assert response.status_code == 403
    assert "Yours now." in response.content.decode()
    assert comment.body == "Mine, not yours."


def test_the_edit_window_closes_on_time(client, post, article, edit):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        comment = post(article, body="Posted at the start.").comment
    with time_machine.travel(start + datetime.timedelta(minutes=9, seconds=59), tick=False):
        assert client.get(f"/comments/{comment.pk}/edit/").status_code == 200
        assert f"/comments/{comment.pk}/edit/" in client.get(PAGE).content.decode()
    with time_machine.travel(start + datetime.timedelta(minutes=10), tick=False):
        response = edit(comment, "Too late to say this.")
        page = client.get(PAGE).content.decode()

    assert response.status_code == 403
    assert "the time for this one has passed" in response.content.decode()
    assert "Too late to say this." in response.content.decode()  # the text, to copy
    assert comment.body == "Posted at the start."
    assert f"/comments/{comment.pk}/edit/" not in page


def test_no_edits_once_the_article_is_closed_to_comments_or_taken_down(post, article, edit):
    comment = post(article, body="Said while it was open.").comment
    article.comment_policy = "closed"
    article.save()

    closed = edit(comment, "Said after it closed.")
    article.comment_policy = "open"
    article.status = "draft"
    article.save()
    gone = edit(comment, "Said after it went.")

    assert closed.status_code == gone.status_code == 403
    assert "Comments on this article are closed" in closed.content.decode()
    assert "Said after it closed." in closed.content.decode()  # the text, to copy
    assert comment.body == "Said while it was open."


def test_the_window_is_a_setting(client, post, article, settings):
    settings.COMMENTS_EDIT_MINUTES = 0
    comment = post(article).comment

    assert client.get(f"/comments/{comment.pk}/edit/").status_code == 403
    assert "comments_own" not in client.cookies


# Bad input, other sites, and what cannot be edited.


@pytest.mark.parametrize("body", ["", "x" * 5001])
def test_bad_text_is_refused_with_a_400_and_the_text_back(client, post, article, edit, body):
    comment = post(article, body="The original.").comment

    response = edit(comment, body)

    assert response.status_code == 400
    assert "your text is kept" in response.content.decode()
    if body:
        assert body in response.content.decode()
    assert comment.body == "The original."
    assert not comment.events.filter(kind=CommentEvent.Kind.COMMENTER_EDITED).exists()


def test_an_edit_sent_from_another_site_is_refused(client, post, article, edit):
    comment = post(article, body="The original.").comment

    response = edit(comment, "Forged.", Origin="https://elsewhere.example", **{
        "Sec-Fetch-Site": "cross-site"})  # fmt: skip

    assert response.status_code == 403
    assert comment.body == "The original."


def test_the_edit_form_needs_its_csrf_token(post, article, edit):
    browser = Client(enforce_csrf_checks=True)
    comment = post(article, body="The original.", using=browser).comment

    without = edit(comment, "No token.", using=browser)
    page = browser.get(f"/comments/{comment.pk}/edit/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    with_token = browser.post(
        f"/comments/{comment.pk}/edit/", {"body": "With a token.", "csrfmiddlewaretoken": token}
    )

    assert without.status_code == 403
    assert "No token." in without.content.decode()  # the text, to copy
    assert with_token.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "With a token."


def test_an_unchanged_text_is_no_edit(client, post, article, edit):
    comment = post(article, body="Same words.").comment

    response = edit(comment, "Same words.")

    assert response.status_code == 302
    assert comment.edited_at is None
    assert not comment.events.filter(kind=CommentEvent.Kind.COMMENTER_EDITED).exists()


def test_a_comment_taken_down_cannot_be_edited(client, post, article, edit, moderator):
    comment = post(article, body="Taken down soon.").comment
    comment.remove(by=moderator)

    response = edit(comment, "Put back up?")

    assert response.status_code == 403
    assert "no longer published" in response.content.decode()
    assert comment.body == "Taken down soon."


def test_no_more_edits_once_a_moderator_acted_after_an_edit(client, post, article, edit, moderator):
    comment = post(article, body="First words.").comment
    comment.unapprove(by=moderator)  # before any edit: the reader may still edit
    edit(comment, "Second words.")
    assert comment.body == "Second words."

    comment.approve(by=moderator)
    response = edit(comment, "Third words.")

    assert response.status_code == 403
    assert "A moderator has looked at this comment" in response.content.decode()
    assert "Third words." in response.content.decode()
    assert comment.body == "Second words."
    assert f"/comments/{comment.pk}/edit/" not in client.get(PAGE).content.decode()


def test_the_queryset_and_the_instance_agree_on_what_is_editable(article, moderator):
    now = timezone.now()
    fresh = approved_comment(article)
    old = approved_comment(article, submitted_at=now - datetime.timedelta(minutes=11))
    held = held_comment(article)
    spam = held_comment(article)
    spam.mark_spam(by=moderator)
    edited = approved_comment(article)
    edited.revise("Changed.")
    moderated = approved_comment(article)
    moderated.revise("Changed too.")
    moderated.unapprove(by=moderator)
    every = [fresh, old, held, spam, edited, moderated]

    listed = set(Comment.objects.editable().values_list("pk", flat=True))

    assert listed == {c.pk for c in every if c.is_editable()}
    assert listed == {fresh.pk, held.pk, edited.pk}


# The cookieless link.


def test_the_link_edits_the_comment_from_a_fresh_browser(post, article, edit):
    comment = post(article, body="Posted on my phone.").comment
    url = edit_path(comment)
    laptop = Client()

    page = laptop.get(url)
    response = edit(comment, "Corrected on my laptop.", using=laptop, url=url)
    saved = laptop.get(response["Location"])

    assert edits.edit_url(comment).startswith("http://127.0.0.1:8000/comments/")
    assert page.status_code == 200
    assert "Posted on my phone." in page.content.decode()
    assert response.status_code == 302
    assert comment.body == "Corrected on my laptop."
    assert "Your edit is saved and published." in saved.content.decode()
    assert set(laptop.cookies) <= {"csrftoken"}  # nothing that would make pages personal


def test_the_link_expires_with_the_edit_window(post, article):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        comment = post(article).comment
        url = edit_path(comment)
    with time_machine.travel(start + datetime.timedelta(minutes=10, seconds=1), tick=False):
        response = Client().get(url)

    assert response.status_code == 403
    assert "This edit link has expired" in response.content.decode()


def test_a_tampered_link_is_refused(post, article, edit):
    comment = post(article, body="Untouched.").comment
    url = edit_path(comment)
    tampered = url[:-3] + ("A" if url[-3] != "A" else "B") + url[-2:]

    response = edit(comment, "Tampered.", using=Client(), url=tampered)

    assert response.status_code == 403
    assert "This edit link is not valid" in response.content.decode()
    assert "Tampered." in response.content.decode()
    assert comment.body == "Untouched."


def test_another_comments_link_does_not_open_this_one(post, article, edit):
    mine = post(article, body="Mine.").comment
    theirs = post(article, body="Theirs.").comment
    token = edits.edit_token(mine)

    response = edit(theirs, "Hijacked.", using=Client(), url=f"/comments/{theirs.pk}/edit/{token}/")

    assert response.status_code == 403
    assert "another comment" in response.content.decode()
    assert theirs.body == "Theirs."


def test_a_link_signed_for_something_else_is_refused(post, article):
    comment = post(article).comment
    token = signing.dumps({"c": comment.pk}, salt="comments.form-timestamp")

    assert Client().get(f"/comments/{comment.pk}/edit/{token}/").status_code == 403


# Checked again: the rules and Akismet.


def test_a_hold_word_added_by_an_edit_takes_the_comment_back_to_the_queue(post, article, edit):
    Rule.objects.create(kind=Rule.Kind.HOLD_WORD, value="casino")
    comment = post(article, body="Nice park.").comment

    edit(comment, "Nice park. Visit my casino.")

    assert comment.is_pending()
    assert comment.reasons == ["edited", "hold_word"]
    assert comment.events.filter(kind="rule_matched", data__edit=True).exists()


def test_a_disallowed_word_added_by_an_edit_makes_it_spam(post, article, edit):
    Rule.objects.create(kind=Rule.Kind.DISALLOWED_WORD, value="pills")
    comment = post(article, body="Nice park.").comment

    edit(comment, "Cheap pills here.")

    assert comment.is_spam()


def test_akismet_checks_the_new_text_and_publishes_it_again(fake_akismet, post, article, edit):
    comment = post(article, body="Before the edit.").comment
    assert comment.is_approved()

    edit(comment, "After the edit.")

    first, again = fake_akismet.hits("/1.1/comment-check")
    assert first.form["comment_content"] == "Before the edit."
    assert again.form["comment_content"] == "After the edit."
    assert again.form["recheck_reason"] == "edit"
    assert comment.is_approved()
    assert comment.akismet_payload["comment_content"] == "After the edit."


def test_the_recheck_holds_an_approved_comment_back_with_the_reason_edited(
    fake_akismet, post, article, edit
):
    Rule.objects.create(kind=Rule.Kind.HOLD_WORD, value="casino")
    comment = post(article, body="Nice park.").comment
    assert comment.is_approved()

    edit(comment, "Nice park. My casino is nicer.")

    [check] = fake_akismet.hits("/1.1/comment-check")[1:]
    assert check.form["recheck_reason"] == "edit"
    assert comment.is_pending()
    assert comment.akismet == Comment.Akismet.HAM
    assert comment.reasons == ["edited", "hold_word"]
    assert comment.has_reason("edited")
    assert Comment.objects.with_reason("edited").get() == comment


def test_akismet_calling_the_new_text_spam_makes_it_spam(fake_akismet, post, article, edit):
    comment = post(article, body="Honest words.").comment
    fake_akismet.verdict = "spam"

    edit(comment, "Buy now!")

    assert comment.is_spam()
    assert comment.has_reason("akismet_spam")


def test_an_edit_while_akismet_is_down_waits_in_the_queue_for_the_check(
    fake_akismet, post, article, edit
):
    comment = post(article, body="Honest words.").comment
    fake_akismet.mode = "http500"

    edit(comment, "Honest words, edited.")

    assert comment.is_pending()
    assert comment.is_awaiting_spam_check()
    assert comment.akismet_payload["comment_content"] == "Honest words, edited."


# What readers and moderators see.


def test_the_page_shows_edited_with_the_time(client, post, article, edit):
    comment = post(article, body="Before.").comment
    edit(comment, "After.")

    html = Client().get(PAGE).content.decode()

    stamp = comment.edited_at.strftime("%Y-%m-%dT%H:%M:%S%z")
    assert f'<span class="comment-edited">(edited <time datetime="{stamp}">' in html
    assert "After." in html


def test_an_edit_of_a_published_comment_refreshes_the_cached_page(post, article, edit):
    comment = post(article, body="The old wording.").comment
    reader = Client()
    assert "The old wording." in reader.get(PAGE).content.decode()  # now kept in the cache

    edit(comment, "The new wording.")
    html = reader.get(PAGE).content.decode()

    assert "The new wording." in html
    assert "The old wording." not in html


def test_a_moderators_correction_refreshes_the_cached_page_too(article, moderator):
    comment = approved_comment(article, body="Teh council met.")
    reader = Client()
    assert "Teh council met." in reader.get(PAGE).content.decode()

    comment.edit(by=moderator, body="The council met.")

    assert "The council met." in reader.get(PAGE).content.decode()


def test_moderators_see_the_diff_between_the_versions(client, post, article, edit, moderator):
    comment = post(article, body="Line one.\nLine two.").comment
    edit(comment, "Line one.\nLine 2, fixed.")
    client.force_login(moderator)

    html = client.get(f"/admin/comments/comment/{comment.pk}/change/").content.decode()

    assert "Edited by the commenter" in html
    assert '<span class="diff-removed">-Line two.</span>' in html
    assert '<span class="diff-added">+Line 2, fixed.</span>' in html
    assert '<span class="diff-context"> Line one.</span>' in html


def test_erasing_a_comment_erases_its_earlier_versions_too(post, article, edit):
    from comments import retention

    comment = post(article, body="Something I regret.").comment
    edit(comment, "Something I regret more.")

    retention.erase_commenter(comment.email, keep_text=False)

    event = comment.events.get(kind=CommentEvent.Kind.COMMENTER_EDITED)
    assert event.data == {"before": {}, "after": {}}
