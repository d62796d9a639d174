"""Editors' picks: a moderator features an approved comment; readers see it above the thread."""

import html as markup
import re

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from articles.roles import MODERATOR
from comments.models import Comment, CommentEvent
from tests.comments.conftest import act, approved_comment, held_comment
from tests.comments.test_concurrency import at_once
from tests.conftest import _staff

CHANGELIST = "/admin/comments/comment/"


def kinds(comment):
    return list(comment.events.values_list("kind", flat=True))


def page(client, article, query=""):
    response = client.get(f"/articles/{article.slug}/{query}")
    assert response.status_code == 200
    return markup.unescape(response.content.decode())


def picks(html):
    """The Editors' picks section of a page, or "" when it has none."""
    found = re.search(r'<section class="comment-picks".*?</section>', html, re.DOTALL)
    return found[0] if found else ""


# The verbs.


def test_featuring_an_approved_comment_records_who_picked_it(article, moderator):
    comment = approved_comment(article)

    assert comment.feature(by=moderator) is True

    comment.refresh_from_db()
    assert comment.is_featured() and comment.featured_at is not None
    event = comment.events.get(kind=CommentEvent.Kind.FEATURED)
    assert event.actor == moderator
    assert comment.feature(by=moderator) is False  # already a pick: nothing more recorded
    assert kinds(comment).count(CommentEvent.Kind.FEATURED) == 1


def test_only_approved_comments_can_be_featured(article):
    comment = held_comment(article)

    assert comment.feature() is False

    comment.refresh_from_db()
    assert comment.featured_at is None
    assert CommentEvent.Kind.FEATURED not in kinds(comment)


def test_unfeaturing_records_it_and_says_false_when_it_was_no_pick(article, moderator):
    comment = approved_comment(article)
    comment.feature(by=moderator)

    assert comment.unfeature(by=moderator) is True
    assert comment.unfeature(by=moderator) is False

    comment.refresh_from_db()
    assert not comment.is_featured()
    assert comment.events.get(kind=CommentEvent.Kind.UNFEATURED).actor == moderator


@pytest.mark.parametrize("take_down", ["unapprove", "remove", "mark_spam"])
def test_taking_a_pick_down_unfeatures_it_in_the_same_event(article, moderator, take_down):
    comment = approved_comment(article)
    comment.feature(by=moderator)

    getattr(comment, take_down)(by=moderator)

    comment.refresh_from_db()
    assert comment.featured_at is None
    assert comment.events.order_by("pk").last().data["unfeatured"] is True
    comment.approve(by=moderator)
    comment.refresh_from_db()
    assert not comment.is_featured()  # approving again does not make it a pick again


def test_the_database_refuses_a_pick_that_is_not_approved(article):
    comment = approved_comment(article)
    comment.feature()

    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.PENDING)


def test_featured_agrees_with_is_featured(article):
    plain = approved_comment(article)
    pick = approved_comment(article)
    pick.feature()
    held = held_comment(article)

    in_set = set(Comment.objects.featured().values_list("pk", flat=True))

    assert in_set == {c.pk for c in (plain, pick, held) if c.is_featured()} == {pick.pk}


# The admin: an action in the queue and a button on the comment's page.


def test_a_moderator_features_comments_with_the_queue_action(client, moderator, article):
    client.force_login(moderator)
    first, second = approved_comment(article), approved_comment(article)
    held = held_comment(article)

    response = act(client, "feature_selected", first, second, held)

    assert response.status_code == 200
    text = markup.unescape(response.content.decode())
    assert "2 comments featured as Editors' picks." in text
    assert "1 comment skipped" in text
    assert set(Comment.objects.featured()) == {first, second}
    assert first.events.get(kind="featured").actor == moderator


def test_a_moderator_features_and_unfeatures_from_the_comments_page(client, moderator, article):
    client.force_login(moderator)
    comment = approved_comment(article)
    change = f"{CHANGELIST}{comment.pk}/change/"
    html = client.get(change).content.decode()
    assert f"{CHANGELIST}{comment.pk}/moderate/feature/" in html
    assert "/moderate/unfeature/" not in html

    client.post(f"{CHANGELIST}{comment.pk}/moderate/feature/", {f"seen-{comment.pk}": "approved"})
    comment.refresh_from_db()
    assert comment.is_featured()
    html = markup.unescape(client.get(change).content.decode())
    assert f"{CHANGELIST}{comment.pk}/moderate/unfeature/" in html
    assert "/moderate/feature/" not in html
    assert "Featured as an Editors' pick" in html  # in the audit trail

    client.post(f"{CHANGELIST}{comment.pk}/moderate/unfeature/")
    comment.refresh_from_db()
    assert not comment.is_featured()


def test_the_button_is_not_offered_for_a_held_comment_and_refuses_it(client, moderator, article):
    client.force_login(moderator)
    comment = held_comment(article)

    html = client.get(f"{CHANGELIST}{comment.pk}/change/").content.decode()
    client.post(f"{CHANGELIST}{comment.pk}/moderate/feature/")

    assert "/moderate/feature/" not in html
    comment.refresh_from_db()
    assert comment.featured_at is None


def test_reporters_and_readers_cannot_feature_comments(client, reporter, reader, article):
    comment = approved_comment(article)

    client.force_login(reporter)
    by_button = client.post(f"{CHANGELIST}{comment.pk}/moderate/feature/")
    by_action = act(client, "feature_selected", comment)
    client.force_login(reader)
    as_reader = client.post(f"{CHANGELIST}{comment.pk}/moderate/feature/")

    assert by_button.status_code == 403
    assert by_action.status_code == 403
    assert as_reader.status_code == 302 and "/admin/login/" in as_reader["Location"]
    comment.refresh_from_db()
    assert comment.featured_at is None
    assert CommentEvent.Kind.FEATURED not in kinds(comment)


# What readers see.


def test_a_pick_is_shown_above_the_thread_labelled_and_stays_in_it(client, article):
    approved_comment(article, name="Ada First", body="An ordinary remark.")
    pick = approved_comment(article, name="Bo Picked", body="The remark worth reading.")
    pick.feature()

    html = page(client, article)

    shown = picks(html)
    assert "Editors' pick" in shown
    assert "Bo Picked" in shown and "The remark worth reading." in shown
    assert "Ada First" not in shown
    assert f'href="#comment-{pick.pk}"' in shown
    assert html.index(shown) < html.index('<ol class="comment-list">')
    in_thread = re.search(rf'<li id="comment-{pick.pk}".*?</li>', html, re.DOTALL)[0]
    assert '<span class="comment-pick-badge">Editors\' pick</span>' in in_thread
    assert html.count(f'id="comment-{pick.pk}"') == 1


def test_a_page_without_picks_has_no_picks_section(client, article):
    approved_comment(article)

    assert picks(page(client, article)) == ""


def test_a_pick_on_another_comment_page_links_to_that_page(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    comments = [approved_comment(article, body=f"Remark {n}.") for n in range(3)]
    comments[2].feature()

    first_page = picks(page(client, article))
    second_page = picks(page(client, article, "?cpage=2"))

    assert f'href="?cpage=2#comment-{comments[2].pk}"' in first_page
    assert f'href="#comment-{comments[2].pk}"' in second_page


def test_featuring_and_taking_down_show_on_the_next_request_of_the_cached_page(
    client, article, moderator
):
    comment = approved_comment(article, body="Worth a pick.")
    assert picks(page(client, article)) == ""
    assert picks(page(client, article)) == ""  # now from the cache

    comment.feature(by=moderator)
    assert "Worth a pick." in picks(page(client, article))

    comment.remove(by=moderator)
    html = page(client, article)
    assert picks(html) == "" and "Worth a pick." not in html


# At the same moment (eight moderators: enough to meet on the row lock, and quick).

THREADS = 8


def _poster(user, url, data=None):
    def post():
        client = Client()
        client.force_login(user)
        return client.post(url, data or {}).status_code

    return post


@pytest.mark.django_db(transaction=True)
def test_moderators_featuring_one_comment_at_once_record_one_pick(article):
    moderators = [_staff(f"mod{n}", MODERATOR, None) for n in range(THREADS)]
    comment = approved_comment(article)
    url = f"{CHANGELIST}{comment.pk}/moderate/feature/"

    codes = at_once(*(_poster(user, url) for user in moderators))

    assert set(codes) == {302}
    assert comment.events.filter(kind=CommentEvent.Kind.FEATURED).count() == 1
    assert Comment.objects.featured().get() == comment


@pytest.mark.django_db(transaction=True)
def test_a_pick_taken_down_while_being_featured_ends_unfeatured(article):
    moderators = [_staff(f"mod{n}", MODERATOR, None) for n in range(THREADS)]
    comment = approved_comment(article)
    base = f"{CHANGELIST}{comment.pk}/moderate/"
    posts = [
        _poster(user, base + ("remove/" if n == THREADS // 2 else "feature/"))
        for n, user in enumerate(moderators)
    ]

    at_once(*posts)

    comment.refresh_from_db()
    assert comment.is_removed() and comment.featured_at is None
