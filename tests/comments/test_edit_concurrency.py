"""Edits at the same moment: the comment's row lock puts them in an order, and nothing is lost.

Threads send the edits through the real view with their own database connections (see
test_concurrency.py), on SQLite and on PostgreSQL.
"""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from comments import tasks
from comments.models import Comment, CommentEvent
from tests.comments.conftest import comment_data
from tests.comments.test_concurrency import at_once

pytestmark = pytest.mark.django_db(transaction=True)


def posted(article, **fields):
    """A comment posted by a browser; the browser (with its cookies) and the comment."""
    browser = Client()
    data = comment_data(article, **fields)
    assert browser.post(f"/comments/post/{article.pk}/", data).status_code == 302
    return browser, Comment.objects.get(body=data["body"])


def editor(cookies, comment, body):
    def send():
        browser = Client()
        browser.cookies = cookies
        return browser.post(f"/comments/{comment.pk}/edit/", {"body": body}).status_code

    return send


def edits_of(comment):
    return list(comment.events.filter(kind=CommentEvent.Kind.COMMENTER_EDITED).order_by("pk"))


def test_two_simultaneous_edits_both_land_in_order_each_checked_once(
    fake_akismet, article, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    settings.AKISMET_TIMEOUT = 5  # two cores, many threads: give the fake time to answer
    browser, comment = posted(article, body="The first version.")
    assert comment.is_approved()

    codes = at_once(
        editor(browser.cookies, comment, "Edited in one tab."),
        editor(browser.cookies, comment, "Edited in another tab."),
    )

    assert codes == [302, 302]
    comment.refresh_from_db()
    first, second = edits_of(comment)
    # No edit lost: the later one starts from the earlier one's text, and its text is final.
    assert first.data["before"]["body"] == "The first version."
    assert second.data["before"]["body"] == first.data["after"]["body"]
    assert comment.body == second.data["after"]["body"]
    checks = [r.form for r in fake_akismet.hits("/1.1/comment-check") if "recheck_reason" in r.form]
    assert sorted(c["comment_content"] for c in checks) == sorted(
        [first.data["after"]["body"], second.data["after"]["body"]]
    )
    assert {c["recheck_reason"] for c in checks} == {"edit"}
    assert comment.is_approved()
    assert comment.akismet_payload["comment_content"] == comment.body


def test_an_edit_racing_a_moderators_approval_is_ordered_by_the_row_lock(
    article, moderator, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = True
    browser, comment = posted(article, body="Held at first.")
    assert comment.is_pending()

    def approve():
        _comment, applied = Comment.objects.moderate(
            comment.pk, Comment.approve, by=moderator, sources=[Comment.Status.PENDING]
        )
        return applied

    code, applied = at_once(editor(browser.cookies, comment, "Edited meanwhile."), approve)

    comment.refresh_from_db()
    assert code == 302
    assert applied is True
    assert comment.body == "Edited meanwhile."
    assert comment.is_approved()
    [edit] = edits_of(comment)
    approval = comment.events.get(kind=CommentEvent.Kind.APPROVED, actor=moderator)
    # Approved after the edit: the moderator has acted on it, so no more edits; approved
    # before it: the edit was of a published comment, checked again and kept on the page.
    assert comment.is_editable() == (approval.pk < edit.pk)


def test_akismet_answering_for_the_old_text_after_an_edit_does_not_decide_for_the_new_one(
    fake_akismet, dummy_tasks, article, settings
):
    settings.COMMENTS_HOLD_FIRST_TIME = False
    settings.AKISMET_TIMEOUT = 10
    browser, comment = posted(article, body="The text as first posted.")
    assert comment.is_awaiting_spam_check()  # its check is queued, not run
    fake_akismet.mode = "wait"

    def check():
        try:
            tasks.check_comment.call(comment.pk)
        finally:
            connection.close()

    checking = threading.Thread(target=check)
    checking.start()
    while not fake_akismet.hits("/1.1/comment-check"):
        time.sleep(0.01)  # the first text's check is at Akismet now

    assert browser.post(f"/comments/{comment.pk}/edit/", {"body": "Edited."}).status_code == 302
    fake_akismet.verdict = "spam"  # what Akismet says of the first text
    fake_akismet.gate.set()
    checking.join(timeout=20)
    comment.refresh_from_db()

    assert comment.is_awaiting_spam_check()  # not spam: that verdict was about the old text
    [edit] = edits_of(comment)
    fake_akismet.verdict = None
    tasks.check_edit.call(comment.pk, edit.pk)
    comment.refresh_from_db()
    assert comment.is_approved()
    assert comment.body == "Edited."
