"""Statements of reasons and appeals: the signed link, the commenter's page, the appeals queue."""

import datetime
import re
from collections import Counter

import pytest
import time_machine
from django.core import signing
from django.test import Client, TestCase
from django.utils import timezone

from comments import appeals, retention
from comments.models import Appeal, AppealRefused, Comment, CommentEvent
from tests.comments.conftest import checked_comment, held_comment
from tests.comments.test_concurrency import at_once
from tests.factories import ArticleFactory, UserFactory

APPEALS = "/admin/comments/appeal/"


@pytest.fixture
def second_moderator(moderator):
    other = UserFactory(username="max", is_staff=True)
    other.groups.set(moderator.groups.all())
    return other


def client_for(user):
    c = Client()
    c.force_login(user)
    return c


def removed_by(moderator, article, reason="abuse", **fields):
    comment = held_comment(article, **fields)
    comment.remove(by=moderator, reason=reason)
    return comment


def link_path(comment):
    """The path of the appeal link for the comment's latest decision, as the e-mail gives it."""
    url = appeals.appeal_url(appeals.statement_for(comment))
    return re.sub(r"^https?://[^/]+", "", url)


def appeal(comment, note="I quoted the council; I did not insult anyone."):
    comment.refresh_from_db()
    decision = appeals.latest_decision(comment)
    return Appeal.objects.lodge(decision, note)[0]


def decide(client, appeal, outcome):
    with TestCase.captureOnCommitCallbacks(execute=True):  # the Akismet correction runs
        return client.post(f"{APPEALS}{appeal.pk}/decide/{outcome}/")


# The statement of reasons.


def test_a_moderators_removal_states_its_reason_and_that_a_person_decided(moderator, article):
    comment = removed_by(moderator, article, reason="harassment")

    statement = appeals.statement_for(comment)

    assert statement.decision.kind == CommentEvent.Kind.REMOVED
    assert statement.reason == "harassment" and str(statement.reason_label) == "Harassment"
    assert statement.by_person and statement.is_appealable()
    assert statement.decided_at == statement.decision.created_at
    assert statement.facts == ["Harassment"]


def test_the_statement_still_says_a_person_decided_once_their_account_is_deleted(
    moderator, article
):
    comment = removed_by(moderator, article, reason="harassment")
    path = link_path(comment)
    moderator.delete()

    statement = appeals.statement_for(comment)
    page = Client().get(path)

    assert statement.decision.actor_id is None
    assert statement.by_person and statement.is_appealable()
    assert page.status_code == 200 and "Harassment" in page.text


def test_an_automatic_spam_verdict_says_a_rule_decided_and_cannot_be_appealed(article):
    comment = held_comment(article)
    comment.add_reasons("disallowed_word")
    comment.mark_spam()

    statement = appeals.statement_for(comment)

    assert statement.reason == "spam" and not statement.by_person
    assert not statement.is_appealable()
    assert "Contains a disallowed word" in statement.facts


def test_a_removal_with_no_reason_given_states_other_and_spam_states_spam(moderator, article):
    removed = held_comment(article)
    removed.remove(by=moderator)
    spam = held_comment(article)
    spam.mark_spam(by=moderator)

    assert appeals.statement_for(removed).reason == "other"
    assert appeals.statement_for(spam).reason == "spam"


def test_a_comment_that_is_up_again_has_no_statement(moderator, article):
    comment = removed_by(moderator, article)
    comment.restore(by=moderator)

    assert appeals.statement_for(comment) is None


# The commenter's appeal page, reached by the signed link alone.


def test_the_link_opens_a_private_page_with_the_decision_and_its_reason(moderator, article):
    comment = removed_by(moderator, article, reason="off_topic", body="About the weather.")

    response = Client().get(link_path(comment))

    assert response.status_code == 200
    page = response.content.decode()
    assert "About the weather." in page and "Off-topic" in page and "A person" in page
    assert {"private", "no-store"} <= set(response["Cache-Control"].split(", "))
    assert '<meta name="robots" content="noindex">' in page


def test_the_note_is_lodged_once_however_often_the_form_is_sent(moderator, article):
    comment = removed_by(moderator, article)
    reader, path = Client(), link_path(comment)

    first = reader.post(path, {"note": "Please look again."})
    again = reader.post(path, {"note": "Please look again."})
    later = Client().get(path)

    assert first.status_code == 302 and first["Location"] == path
    assert again.status_code == 409 and "We received your appeal" in again.content.decode()
    assert later.status_code == 200 and "We received your appeal" in later.content.decode()
    assert "<textarea" not in later.content.decode()
    (lodged,) = Appeal.objects.all()
    assert lodged.note == "Please look again." and lodged.is_open()
    event = comment.events.get(kind=CommentEvent.Kind.APPEALED)
    assert event.data == {"appeal": lodged.pk, "note": "Please look again."}


def test_an_empty_or_overlong_note_is_refused_with_the_text_back(moderator, article):
    path = link_path(removed_by(moderator, article))

    empty = Client().post(path, {"note": "  "})
    long = Client().post(path, {"note": "Why? " * 500})

    assert empty.status_code == 400 and 'role="alert"' in empty.content.decode()
    assert long.status_code == 400 and "Why? Why?" in long.content.decode()
    assert not Appeal.objects.exists()


def test_a_note_refused_by_the_csrf_check_comes_back_to_send_again(moderator, article):
    path = link_path(removed_by(moderator, article))
    browser = Client(enforce_csrf_checks=True)

    refused = browser.post(path, {"note": "My careful explanation."})  # no token, no cookie
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', refused.text)[1]
    again = browser.post(path, {"note": "My careful explanation.", "csrfmiddlewaretoken": token})

    assert refused.status_code == 403
    assert "Your appeal was not sent" in refused.text
    assert ">My careful explanation.</textarea>" in refused.text
    assert again.status_code == 302
    assert Appeal.objects.get().note == "My careful explanation."


def test_the_link_expires_after_the_appeal_period(moderator, article, settings):
    settings.COMMENTS_APPEAL_DAYS = 14
    path = link_path(removed_by(moderator, article))

    with time_machine.travel(timezone.now() + datetime.timedelta(days=13, hours=23)):
        assert Client().get(path).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(days=14, minutes=1)):
        late = Client().get(path)
        posted = Client().post(path, {"note": "Too late?"})

    assert late.status_code == 400 and "expired" in late.content.decode()
    assert posted.status_code == 400 and not Appeal.objects.exists()


def test_a_tampered_link_is_refused_with_400(moderator, article):
    comment = removed_by(moderator, article)
    other = removed_by(moderator, article)
    path = link_path(comment)
    token = path.rstrip("/").rsplit("/", 1)[1]
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(f'{{"c":{other.pk},"e":1}}'.encode()).decode()

    for bad in [f"{forged}:{rest}", token[:-2] + "xx", "not-a-token", "a" * 300]:
        response = Client().post(f"/comments/appeal/{bad}/", {"note": "Let me in."})
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
    assert not Appeal.objects.exists()


def test_an_automatic_verdict_cannot_be_appealed_even_with_a_signed_link(article):
    comment = held_comment(article)
    comment.mark_spam()
    decision = appeals.latest_decision(comment)
    path = f"/comments/appeal/{appeals.appeal_token(decision)}/"

    response = Client().post(path, {"note": "I am no spammer."})

    assert response.status_code == 410 and not Appeal.objects.exists()


def test_a_decision_taken_back_since_has_nothing_left_to_appeal(moderator, article):
    comment = removed_by(moderator, article)
    path = link_path(comment)
    comment.restore(by=moderator)

    assert Client().get(path).status_code == 410
    assert Client().post(path, {"note": "Hm."}).status_code == 410


def test_a_link_to_a_purged_comment_says_it_is_gone(moderator, article):
    comment = removed_by(moderator, article)
    path = link_path(comment)
    comment.delete()

    response = Client().get(path)

    assert response.status_code == 410 and "no longer stored" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_appeals_sent_at_once_lodge_one(moderator):
    comment = removed_by(moderator, ArticleFactory())
    path = link_path(comment)

    codes = at_once(*[lambda: Client().post(path, {"note": "Twice?"}).status_code] * 8)

    assert Counter(codes) == {302: 1, 409: 7}
    assert Appeal.objects.count() == 1
    assert comment.events.filter(kind=CommentEvent.Kind.APPEALED).count() == 1


def test_one_open_appeal_per_comment_and_one_per_decision_are_database_rules(moderator, article):
    comment = removed_by(moderator, article)
    first = appeal(comment)

    again, created = Appeal.objects.lodge(first.decision, "Again.")

    assert not created and again == first
    assert Appeal.objects.count() == 1


# The appeals queue in the admin.


def test_the_queue_shows_the_decision_its_reason_and_the_note(moderator, second_moderator, article):
    appeal(removed_by(moderator, article, reason="hate_speech"), note="It was satire.")

    response = client_for(second_moderator).get(APPEALS)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Hate speech" in page and "It was satire." in page and "Removed" in page
    assert ">mo<" in page  # who decided


def test_the_queue_lists_open_appeals_by_default(moderator, second_moderator, article):
    decided = appeal(removed_by(moderator, article, body="Decided one."))
    Appeal.objects.decide(decided.pk, Appeal.uphold, second_moderator)
    appeal(removed_by(moderator, article, body="Waiting one."))
    reader = client_for(second_moderator)

    assert "Waiting one." in reader.get(APPEALS).content.decode()
    assert "Decided one." not in reader.get(APPEALS).content.decode()
    assert "Decided one." in reader.get(APPEALS, {"status": "upheld"}).content.decode()


@pytest.mark.parametrize("size", [1, 20])
def test_the_queue_costs_the_same_queries_whatever_its_length(
    moderator, second_moderator, size, django_assert_max_num_queries
):
    for n in range(size):
        appeal(removed_by(moderator, ArticleFactory(), body=f"Appealed {n}."))
    reader = client_for(second_moderator)
    reader.get(APPEALS)  # warm the content-type and permission caches

    with django_assert_max_num_queries(8):
        response = reader.get(APPEALS)

    assert response.content.decode().count("Appealed ") == size


def test_the_moderator_who_decided_is_refused_by_direct_post(moderator, article):
    opened = appeal(removed_by(moderator, article))

    response = decide(client_for(moderator), opened, "reverse")

    assert response.status_code == 403
    opened.refresh_from_db()
    assert opened.is_open() and Comment.objects.get().is_removed()
    assert not client_for(moderator).get(f"{APPEALS}{opened.pk}/change/").context["can_decide"]


def test_the_verb_refuses_the_moderator_who_decided_too(moderator, article):
    opened = appeal(removed_by(moderator, article))

    with pytest.raises(AppealRefused):
        Appeal.objects.decide(opened.pk, Appeal.uphold, moderator)

    assert Appeal.objects.get().is_open()


def test_staff_without_the_appeal_permission_cannot_decide(moderator, senior_editor, article):
    opened = appeal(removed_by(moderator, article))

    assert decide(client_for(senior_editor), opened, "uphold").status_code == 403
    assert Appeal.objects.get().is_open()


def test_upholding_keeps_the_comment_down_and_is_in_the_audit_trail(
    moderator, second_moderator, article
):
    comment = removed_by(moderator, article)
    opened = appeal(comment)
    reader = client_for(second_moderator)

    response = decide(reader, opened, "uphold")

    assert response.status_code == 302
    opened.refresh_from_db()
    comment.refresh_from_db()
    assert opened.status == "upheld" and opened.decided_by == second_moderator
    assert comment.is_removed() and comment.removal_reason == "abuse"
    page = reader.get(comment.get_admin_url()).content.decode()
    assert "Appealed by the commenter" in page and "Appeal decided: decision upheld" in page


def test_reversing_publishes_the_comment_on_the_cached_article_page(
    moderator, second_moderator, article
):
    comment = removed_by(moderator, article, body="Worth reading after all.")
    opened = appeal(comment)
    assert "Worth reading after all." not in Client().get(article.get_absolute_url()).text

    decide(client_for(second_moderator), opened, "reverse")

    comment.refresh_from_db()
    assert comment.is_approved() and comment.removal_reason == ""
    assert "Worth reading after all." in Client().get(article.get_absolute_url()).text
    kinds = list(comment.events.values_list("kind", "actor__username"))
    assert kinds[-3:] == [("appealed", None), ("approved", "max"), ("appeal_reversed", "max")]


def test_reversing_a_spam_decision_tells_akismet_not_spam_once(
    moderator, second_moderator, article, fake_akismet
):
    comment = checked_comment(fake_akismet, article, verdict="ham")
    with TestCase.captureOnCommitCallbacks(execute=True):
        Comment.objects.moderate(comment.pk, Comment.mark_spam, moderator, ("pending",))
        from comments import tasks

        tasks.queue_feedback(Comment.objects.get(pk=comment.pk))
    assert len(fake_akismet.hits("/1.1/submit-spam")) == 1
    opened = appeal(comment)
    other = client_for(second_moderator)

    decide(other, opened, "reverse")
    decide(other, opened, "reverse")  # a second click decides nothing more

    comment.refresh_from_db()
    assert comment.is_approved() and comment.akismet_told == "ham"
    assert len(fake_akismet.hits("/1.1/submit-ham")) == 1


def test_reversing_a_removal_of_akismet_spam_tells_akismet_not_spam(
    moderator, second_moderator, article, fake_akismet
):
    comment = checked_comment(fake_akismet, article, verdict="spam")
    Comment.objects.moderate(comment.pk, Comment.remove, moderator, ("spam",), reason="spam")

    decide(client_for(second_moderator), appeal(comment), "reverse")

    assert len(fake_akismet.hits("/1.1/submit-ham")) == 1


@pytest.mark.django_db(transaction=True)
def test_two_moderators_deciding_one_appeal_at_once_one_wins(moderator):
    comment = removed_by(moderator, ArticleFactory())
    opened = appeal(comment)
    others = [UserFactory(username=f"mod{n}", is_staff=True) for n in range(2)]
    for other in others:
        other.groups.set(moderator.groups.all())
    clients = [client_for(other) for other in others]
    outcomes = ["uphold", "reverse"]

    def deciding(n):
        def run():
            return clients[n].post(f"{APPEALS}{opened.pk}/decide/{outcomes[n]}/").status_code

        return run

    assert at_once(deciding(0), deciding(1)) == [302, 302]
    opened.refresh_from_db()
    comment.refresh_from_db()
    closing = comment.events.filter(kind__in=["appeal_upheld", "appeal_reversed"])
    assert closing.count() == 1
    assert comment.is_approved() == (opened.status == "reversed")
    assert comment.is_removed() == (opened.status == "upheld")


def test_an_open_appeal_keeps_the_comment_from_the_purge(moderator, article, settings):
    kept = removed_by(moderator, article)
    appeal(kept)
    gone = removed_by(moderator, article)
    later = timezone.now() + datetime.timedelta(days=settings.COMMENTS_SPAM_PURGE_DAYS + 1)

    log = retention.purge(now=later)

    assert log.removed == 1
    assert list(Comment.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not retention.is_purgeable(kept, now=later) and gone.pk


def test_erasing_a_commenters_text_erases_their_appeal_notes_too(moderator, article):
    comment = removed_by(moderator, article, email="gone@example.net")
    appeal(comment, note="My street, my number: 12 Elm Road.")

    retention.erase_commenter("gone@example.net", keep_text=False)

    assert "Elm Road" not in Appeal.objects.get().note
    assert "note" not in comment.events.get(kind=CommentEvent.Kind.APPEALED).data


def test_the_admin_index_says_how_many_appeals_wait(moderator, second_moderator, article):
    appeal(removed_by(moderator, article))
    appeal(removed_by(moderator, article))

    page = client_for(second_moderator).get("/admin/").content.decode()

    assert "2 appeals await a decision" in page and f'href="{APPEALS}"' in page


def test_open_and_decided_agree_with_their_instance_twins(moderator, second_moderator, article):
    waiting = appeal(removed_by(moderator, article))
    decided = appeal(removed_by(moderator, article))
    Appeal.objects.decide(decided.pk, Appeal.reverse, second_moderator)

    for one in Appeal.objects.all():
        assert one.is_open() == Appeal.objects.open().filter(pk=one.pk).exists()
        assert one.is_decided() == Appeal.objects.decided().filter(pk=one.pk).exists()
    assert list(Appeal.objects.open()) == [waiting]
