"""The moderation queue in the admin: views, actions by POST, the comment's page, per role."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from articles.models import Article
from comments.admin import counts
from comments.models import Comment, CommentEvent, Report
from tests.comments.conftest import act, approved_comment, held_comment
from tests.factories import ArticleFactory, SectionFactory

CHANGELIST = "/admin/comments/comment/"


def change_page(comment):
    return f"{CHANGELIST}{comment.pk}/change/"


def kinds(comment):
    return list(comment.events.values_list("kind", flat=True))


@pytest.fixture
def mo(client, moderator):
    client.force_login(moderator)
    return moderator


# The views of the queue.


def test_the_queue_shows_pending_comments_oldest_first_by_default(client, mo, article):
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=3)):
        older = held_comment(article, body="I came first.")
    newer = held_comment(article, body="I came second.")
    approved_comment(article, body="Already on the page.")

    html = client.get(CHANGELIST).content.decode().replace("@<wbr>", "@")

    assert html.index("I came first.") < html.index("I came second.")
    assert "Already on the page." not in html
    assert older.ip in html and newer.email in html
    assert "First comment from this e-mail address" in html
    assert "3\xa0hours" in html


def test_each_view_of_the_queue_shows_its_live_count(client, mo, article):
    held_comment(article)
    held_comment(article, "awaiting_spam_check")
    approved_comment(article)
    spam = held_comment(article)
    spam.mark_spam()
    blatant = held_comment(article)
    blatant.mark_spam(blatant=True)
    removed = approved_comment(article, email="gone@example.net")
    removed.remove()

    html = client.get(CHANGELIST).content.decode()

    for label in ["Pending (2)", "Awaiting spam check (1)", "Approved (1)", "Spam (1)",
                  "Blatant spam (1)", "Removed (1)", "Reported (0)", "All (6)"]:  # fmt: skip
        assert label in html


@pytest.mark.parametrize(
    ("view", "shown"),
    [
        ("awaiting", {"awaiting"}),
        ("spam", {"spam"}),
        ("blatant", {"blatant"}),
        ("removed", {"removed"}),
        ("approved", {"approved"}),
        ("all", {"held", "awaiting", "spam", "blatant", "removed", "approved"}),
    ],
)
def test_each_view_lists_only_its_comments(client, mo, article, view, shown):
    held_comment(article, body="held")
    held_comment(article, "awaiting_spam_check", body="awaiting")
    approved_comment(article, body="approved")
    held_comment(article, body="spam").mark_spam()
    held_comment(article, body="blatant").mark_spam(blatant=True)
    held_comment(article, body="removed").remove()

    html = client.get(CHANGELIST, {"status": view}).content.decode()

    everything = {"held", "awaiting", "spam", "blatant", "removed", "approved"}
    assert {body for body in everything if f">{body}</a>" in html} == shown


def test_the_queue_filters_by_reason_article_and_section(client, mo, article):
    other = ArticleFactory(title="Another story", section=SectionFactory(name="Sport"))
    held_comment(article, "link_limit", body="Two links here.")
    held_comment(other, "hold_word", body="A held word.")

    by_reason = client.get(CHANGELIST, {"reason": "link_limit"}).content.decode()
    by_article = client.get(CHANGELIST, {"article__id__exact": other.pk}).content.decode()
    by_section = client.get(
        CHANGELIST, {"article__section__id__exact": other.section_id}
    ).content.decode()

    assert "Two links here." in by_reason and "A held word." not in by_reason
    assert "A held word." in by_article and "Two links here." not in by_article
    assert "A held word." in by_section and "Two links here." not in by_section


def test_a_search_looks_through_every_status(client, mo, article):
    approved_comment(article, email="known@example.net", body="Known reader.")
    held_comment(article, ip="198.51.100.77", body="From a known address.")

    by_email = client.get(CHANGELIST, {"q": "known@example.net"}).content.decode()
    by_ip = client.get(CHANGELIST, {"q": "198.51.100.77"}).content.decode()

    assert "Known reader." in by_email and "From a known address." not in by_email
    assert "From a known address." in by_ip


def test_an_email_search_finds_exactly_that_address_in_any_case(client, mo, article):
    approved_comment(article, email="known@example.net", body="Known reader.")
    approved_comment(article, email="unknown@example.net", body="Someone else.")

    html = client.get(CHANGELIST, {"q": " Known@Example.NET "}).content.decode()

    assert "Known reader." in html and "Someone else." not in html


def test_an_ip_search_finds_exactly_that_address(client, mo, article):
    held_comment(article, ip="198.51.100.7", body="From seven.")
    held_comment(article, ip="198.51.100.77", body="From seventy-seven.")
    held_comment(article, ip="2001:db8::1", body="Over IPv6.")

    by_ipv4 = client.get(CHANGELIST, {"q": "198.51.100.7"}).content.decode()
    by_ipv6 = client.get(CHANGELIST, {"q": "2001:DB8:0::1"}).content.decode()

    assert "From seven." in by_ipv4 and "From seventy-seven." not in by_ipv4
    assert "Over IPv6." in by_ipv6 and "From seven." not in by_ipv6


def test_other_searches_still_look_through_names_texts_and_partial_addresses(client, mo, article):
    approved_comment(article, name="Dana Scully", email="dana@fbi.example", body="I want to.")
    approved_comment(article, name="Fox", email="fox@example.net", body="Believe it.")

    by_name = client.get(CHANGELIST, {"q": "scully"}).content.decode()
    by_text = client.get(CHANGELIST, {"q": "believe"}).content.decode()
    by_domain = client.get(CHANGELIST, {"q": "fbi.example"}).content.decode()

    assert "I want to." in by_name and "Believe it." not in by_name
    assert "Believe it." in by_text and "I want to." not in by_text
    assert "I want to." in by_domain and "Believe it." not in by_domain


def test_the_reason_filter_lists_the_comments_that_have_the_reason_now(client, mo, article):
    held_comment(article, "link_limit", "hold_word", body="Links and a word.")
    held_comment(article, "hold_word", body="Only a word.")
    checked = held_comment(article, "awaiting_spam_check", body="Checked since.")
    checked.record_spam_check("ham", {"comment_content": checked.body})

    links = client.get(CHANGELIST, {"reason": "link_limit"}).content.decode()
    words = client.get(CHANGELIST, {"reason": "hold_word"}).content.decode()
    awaiting = client.get(CHANGELIST, {"reason": "awaiting_spam_check"}).content.decode()

    assert "Links and a word." in links and "Only a word." not in links
    assert "Links and a word." in words and "Only a word." in words
    assert "Checked since." not in awaiting


def test_counts_past_the_cap_read_as_the_cap_and_a_plus(client, mo, article, monkeypatch):
    monkeypatch.setattr(counts, "CAP", 3)
    for _ in range(5):
        approved_comment(article, body="On the page.")
    held_comment(article)
    held_comment(article)

    html = client.get(CHANGELIST, {"status": "approved"}).content.decode()

    for label in ["Approved (3+)", "All (3+)", "Pending (2)", "Spam (0)"]:
        assert label in html
    assert "3+ comments" in html and "Select all 3+ comments" in html
    assert html.count(">On the page.</a>") == 5


def test_a_count_past_a_thousand_reads_one_thousand_and_a_plus():
    assert (counts.count_label(1000), counts.count_label(1001)) == ("1,000", "1,000+")


def test_the_article_and_section_filters_offer_only_those_with_comments(client, mo, article):
    other = ArticleFactory(title="Another story", section=SectionFactory(name="Sport"))
    ArticleFactory(title="A story nobody commented on", section=SectionFactory(name="Quiet"))
    held_comment(article)
    approved_comment(other)

    html = client.get(CHANGELIST, {"status": "all"}).content.decode()

    assert f"?article__id__exact={other.pk}&amp;status=all" in html
    assert f"?article__section__id__exact={other.section_id}&amp;status=all" in html
    assert "A story nobody commented on" not in html and "Quiet" not in html


@pytest.mark.parametrize("size", [3, 30])
def test_the_queue_runs_the_same_queries_whatever_its_length(
    client, mo, article, size, django_assert_num_queries
):
    for n in range(size):
        held_comment(ArticleFactory() if n % 2 else article)
    client.get(CHANGELIST)  # Warm up the content-type and permission caches.

    # session, user, user's and groups' permissions, the moderator's sections, the views'
    # capped counts, the article and section filters' choices, the page's capped count, the
    # page and its open reports
    with django_assert_num_queries(11):
        response = client.get(CHANGELIST)

    assert response.status_code == 200


QUEUE_PAGES = [
    *({"status": view} for view in
      ["pending", "awaiting", "reported", "spam", "blatant", "removed", "approved", "all"]),
    {"q": "held1@example.net"}, {"q": "203.0.113.9"}, {"q": "words"},
    {"reason": "link_limit"}, {"status": "all", "reason": "first_time"},
]  # fmt: skip


@pytest.mark.parametrize("size", [4, 40])
def test_every_view_and_search_of_the_queue_stays_within_fifteen_queries(
    client, mo, article, size, django_assert_max_num_queries
):
    for n in range(size):
        comment = held_comment(ArticleFactory() if n % 2 else article, "link_limit")
        [comment.approve, comment.mark_spam, comment.remove, lambda: None][n % 4]()
        if n % 4 == 0:
            comment.report(f"192.0.2.{n + 1}", "abuse", "Rude.")
    client.get(CHANGELIST)  # Warm up the content-type and permission caches.

    for query in QUEUE_PAGES:
        with django_assert_max_num_queries(15):
            response = client.get(CHANGELIST, query)
        assert response.status_code == 200


def test_the_reported_view_shows_the_reports(client, mo, article):
    comment = approved_comment(article, body="Reported words.")
    comment.report("192.0.2.1", "abuse", "Insults another reader.")
    approved_comment(article, body="Nobody minds this.", email="fine@example.net")

    html = client.get(CHANGELIST, {"status": "reported"}).content.decode()

    assert "Reported words." in html and "Nobody minds this." not in html
    assert "Abusive or hateful: Insults another reader." in html


# Actions, each through the changelist's POST.


@pytest.mark.parametrize(
    ("start", "action", "end", "event"),
    [
        ("pending", "approve_selected", "approved", "approved"),
        ("approved", "unapprove_selected", "pending", "unapproved"),
        ("pending", "mark_spam_selected", "spam", "marked_spam"),
        ("spam", "not_spam_selected", "approved", "approved"),
        ("approved", "remove_selected", "removed", "removed"),
        ("removed", "restore_selected", "approved", "restored"),
    ],
)
def test_every_action_changes_the_status_and_records_who_did_it(
    client, mo, article, start, action, end, event
):
    comment = approved_comment(article)
    {"pending": comment.unapprove, "spam": comment.mark_spam, "removed": comment.remove}.get(
        start, lambda: None
    )()

    response = act(client, action, comment)

    comment.refresh_from_db()
    assert comment.status == end
    last = comment.events.last()
    assert (last.kind, last.actor, last.data["previous"]) == (event, mo, start)
    assert "1 comment" in response.content.decode()


def test_an_action_reports_how_many_comments_it_changed(client, mo, article):
    comments = [held_comment(article) for _ in range(3)]

    response = act(client, "approve_selected", *comments)

    assert "3 comments approved." in response.content.decode()
    assert Comment.objects.approved().count() == 3


def test_an_action_that_does_not_apply_skips_the_comment_and_says_so(client, mo, article):
    comment = approved_comment(article)

    html = act(client, "restore_selected", comment).content.decode()

    assert "1 comment skipped: “Restore” does not apply to it." in html
    assert kinds(comment) == ["approved"]


def test_restore_returns_a_removed_comment_to_the_status_it_had(client, mo, article):
    held = held_comment(article)
    held.remove()

    act(client, "restore_selected", held)

    held.refresh_from_db()
    assert held.is_pending()


def test_moderators_cannot_delete_comments(client, mo, article):
    comment = held_comment(article)

    response = client.get(CHANGELIST)
    act(client, "delete_selected", comment)
    delete_page = client.post(f"{CHANGELIST}{comment.pk}/delete/", {"post": "yes"})

    assert "delete_selected" not in response.content.decode()
    assert delete_page.status_code == 403
    assert Comment.objects.filter(pk=comment.pk).exists()


def test_moderators_do_not_see_the_personal_data_actions(client, mo, article):
    held_comment(article)

    html = client.get(CHANGELIST).content.decode()

    assert "approve_selected" in html and "recheck_selected" in html
    assert "export_commenters" not in html
    assert "erase_commenters_keep_text" not in html


def test_a_user_who_may_only_view_comments_gets_no_actions(client, moderator, article):
    moderator.groups.clear()
    moderator.user_permissions.add(Permission.objects.get(codename="view_comment"))
    client.force_login(moderator)
    comment = held_comment(article)

    html = client.get(CHANGELIST).content.decode()
    act(client, "approve_selected", comment)

    assert "approve_selected" not in html
    assert Comment.objects.get(pk=comment.pk).is_pending()


def test_check_with_akismet_now_sends_pending_comments_in_batches_of_100(
    client, mo, article, fake_akismet, dummy_tasks
):
    comments = [held_comment(article) for _ in range(101)]
    approved = approved_comment(article)

    html = act(client, "recheck_selected", *comments, approved).content.decode()

    assert "101 pending comments sent to Akismet (2 batches)." in html
    assert [len(r.args[0]) for r in dummy_tasks.results] == [100, 1]


def test_check_with_akismet_now_marks_spam_what_akismet_now_calls_spam(
    client, mo, article, fake_akismet
):
    spammy = held_comment(article, name="akismet-guaranteed-spam")
    fine = held_comment(article)

    act(client, "recheck_selected", spammy, fine)

    spammy.refresh_from_db()
    fine.refresh_from_db()
    assert spammy.is_spam() and spammy.akismet == "spam"
    assert fine.is_pending() and fine.akismet == "ham"
    checks = fake_akismet.hits("/1.1/comment-check")
    assert {c.form["recheck_reason"] for c in checks} == {"recheck_queue"}


def test_check_with_akismet_now_says_when_akismet_is_off(client, mo, article):
    html = act(client, "recheck_selected", held_comment(article)).content.decode()

    assert "Akismet is off" in html


# Two moderators at once.


def test_the_first_of_two_moderators_wins_and_the_second_is_told(client, mo, article):
    comment = held_comment(article)
    # Both saw it pending; the first approves, the second (a moment later) marks it spam.
    act(client, "approve_selected", comment, seen={comment: "pending"})

    html = act(client, "mark_spam_selected", comment, seen={comment: "pending"}).content.decode()

    comment.refresh_from_db()
    assert comment.is_approved()
    assert "another moderator acted on it first" in html
    assert kinds(comment).count("marked_spam") == 0


def test_the_same_decision_twice_is_made_once(client, mo, article):
    comment = held_comment(article)

    act(client, "approve_selected", comment, seen={comment: "pending"})
    act(client, "approve_selected", comment, seen={comment: "pending"})

    assert kinds(comment).count("approved") == 1


# The comment's page.


def test_the_comment_page_shows_text_timeline_payload_and_history(
    client, mo, article, fake_akismet
):
    from tests.comments.conftest import checked_comment

    comment = checked_comment(fake_akismet, article, body="A *long* and full text.")
    comment.approve(by=mo)
    approved_comment(article, email=comment.email, body="Earlier.")

    html = client.get(change_page(comment)).content.decode()

    assert "A <em>long</em> and full text." in html
    for line in ["Submitted", "Held for moderation", "Spam-checked", "Approved", "by mo"]:
        assert line in html
    assert "&quot;comment_content&quot;: &quot;A *long* and full text.&quot;" in html
    assert f"?email={comment.email.replace('@', '%40')}&amp;status=approved" in html


def test_the_comment_page_offers_only_the_decisions_that_apply(client, mo, article):
    comment = held_comment(article)

    html = client.get(change_page(comment)).content.decode()

    assert f"/admin/comments/comment/{comment.pk}/moderate/approve/" in html
    assert f"/admin/comments/comment/{comment.pk}/moderate/restore/" not in html


def test_a_decision_from_the_comment_page_is_applied_once(client, mo, article):
    comment = held_comment(article)
    url = f"{CHANGELIST}{comment.pk}/moderate/approve/"

    first = client.post(url, {f"seen-{comment.pk}": "pending"}, follow=True)
    second = client.post(
        f"{CHANGELIST}{comment.pk}/moderate/remove/", {f"seen-{comment.pk}": "pending"}, follow=True
    )

    assert "1 comment approved." in first.content.decode()
    assert "another moderator acted on it first" in second.content.decode()
    assert Comment.objects.get(pk=comment.pk).is_approved()
    assert client.get(url).status_code == 405


def test_approve_everything_pending_from_a_commenter(client, mo, article):
    mine = [held_comment(article, email="same@example.net") for _ in range(2)]
    other = held_comment(article)

    client.post(f"{CHANGELIST}{mine[0].pk}/commenter/approve/")

    assert [c.status for c in Comment.objects.filter(email="same@example.net")] == ["approved"] * 2
    assert Comment.objects.get(pk=other.pk).is_pending()


def test_mark_everything_from_a_commenter_as_spam(client, mo, article):
    held = held_comment(article, email="spammer@example.net")
    published = approved_comment(article, email="spammer@example.net")

    response = client.post(f"{CHANGELIST}{held.pk}/commenter/mark_spam/", follow=True)

    assert "2 comments marked as spam." in response.content.decode()
    assert Comment.objects.get(pk=published.pk).is_spam()
    assert Comment.objects.get(pk=held.pk).events.last().actor == mo


def test_commenter_actions_need_the_change_permission(client, reporter, article):
    comment = held_comment(article)
    client.force_login(reporter)

    response = client.post(f"{CHANGELIST}{comment.pk}/commenter/approve/")

    assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).is_pending()


def test_a_moderator_edits_the_text_and_the_original_stays_in_the_audit_trail(client, mo, article):
    comment = held_comment(article, body="Call me on 555-0100, its realy urgent.")

    client.post(
        change_page(comment),
        {
            "name": comment.name,
            "url": "",
            "body": "Its really urgent.",
            "reports-TOTAL_FORMS": 0,
            "reports-INITIAL_FORMS": 0,
        },  # fmt: skip
    )

    comment.refresh_from_db()
    assert comment.body == "Its really urgent."
    assert comment.body_html == "<p>Its really urgent.</p>"
    edit = comment.events.get(kind="edited")
    assert edit.actor == mo
    assert edit.data == {
        "before": {"body": "Call me on 555-0100, its realy urgent."},
        "after": {"body": "Its really urgent."},
    }


def test_a_moderator_puts_a_comment_on_legal_hold(client, mo, article):
    comment = held_comment(article)

    client.post(
        change_page(comment),
        {
            "name": comment.name,
            "url": "",
            "body": comment.body,
            "legal_hold": "on",
            "reports-TOTAL_FORMS": 0,
            "reports-INITIAL_FORMS": 0,
        },  # fmt: skip
    )

    comment.refresh_from_db()
    assert comment.legal_hold
    assert comment.events.get(kind="legal_hold").data == {"on": True}


# Roles, the admin index, and the article policy.


def test_a_reporter_sees_no_queue_and_no_queue_summary(client, reporter):
    client.force_login(reporter)

    assert client.get(CHANGELIST).status_code == 403
    assert "Comment queue" not in client.get("/admin/").content.decode()


def test_a_moderator_cannot_open_publish_or_edit_articles(client, mo, article):
    article.unpublish()

    listing = client.get("/admin/articles/article/")
    client.post("/admin/articles/article/", {"action": "publish", "_selected_action": [article.pk]})

    assert listing.status_code == 403
    assert client.get(f"/admin/articles/article/{article.pk}/change/").status_code == 403
    assert not Article.objects.get(pk=article.pk).is_published()


def test_the_queue_and_the_comment_page_link_the_article_as_readers_see_it(client, mo, article):
    comment = held_comment(article)
    withdrawn = ArticleFactory(title="Withdrawn story")
    on_withdrawn = held_comment(withdrawn)
    withdrawn.unpublish()

    queue = client.get(CHANGELIST).content.decode()
    page = client.get(change_page(comment)).content.decode()

    assert f'<a href="/articles/splash-pads/">{article.title}</a>' in queue
    assert f'<a href="/articles/splash-pads/">{article.title}</a>' in page
    assert "/admin/articles/" not in queue + page
    # An article taken off the site is named, with nothing to follow.
    assert "Withdrawn story" in client.get(change_page(on_withdrawn)).content.decode()
    assert f"/articles/{withdrawn.slug}/" not in queue


def test_the_comment_policies_list_only_articles_readers_can_see(client, mo, article):
    ArticleFactory(draft=True, title="A draft scoop")
    scheduled = ArticleFactory(title="An embargoed story")
    scheduled.publish(at=timezone.now() + datetime.timedelta(days=1))
    url = "/admin/comments/articlecommentpolicy/"

    listing = client.get(url).content.decode()

    assert article.title in listing
    assert "A draft scoop" not in listing and "An embargoed story" not in listing
    assert client.get(f"{url}{scheduled.pk}/change/").status_code == 302


def test_the_admin_index_shows_the_queue_size_and_oldest_age(client, mo, article):
    with time_machine.travel(timezone.now() - datetime.timedelta(days=2)):
        held_comment(article)
    held_comment(article)

    html = client.get("/admin/").content.decode()

    assert "2 comments await a moderator" in html
    assert "the oldest has waited 2\xa0days" in html
    assert "Hold comments with this many links" in html
    assert "Akismet is off" in html


def test_a_moderator_closes_and_premoderates_articles(client, mo, article):
    other = ArticleFactory()
    url = "/admin/comments/articlecommentpolicy/"

    client.post(url, {"action": "set_closed", "_selected_action": [article.pk]})
    client.post(url, {"action": "set_premoderated", "_selected_action": [other.pk]})

    article.refresh_from_db()
    other.refresh_from_db()
    assert article.comment_policy == "closed"
    assert other.comment_policy == "premoderated"
    assert client.get(f"{url}{article.pk}/change/").status_code == 200


def test_the_policy_page_changes_only_the_comment_policy(client, mo, article):
    title = article.title

    client.post(
        f"/admin/comments/articlecommentpolicy/{article.pk}/change/",
        {"title": "Hijacked", "comment_policy": "premoderated"},
    )

    article.refresh_from_db()
    assert (article.title, article.comment_policy) == (title, "premoderated")


def test_approving_a_first_time_commenter_trusts_their_address_next_time(
    client, mo, article, post, settings
):
    settings.COMMENTS_FLOOD_SECONDS = 0
    reader = Client()
    first = post(article, email="new@example.net", using=reader).comment
    assert first.reasons == ["first_time"]

    act(client, "approve_selected", first)
    second = post(article, email="new@example.net", body="My second one.", using=reader).comment

    assert second.is_approved()
    assert second.reasons == []


def test_a_moderators_decision_settles_the_open_reports(client, mo, article):
    comment = approved_comment(article)
    comment.report("192.0.2.1", "spam")

    act(client, "unapprove_selected", comment)

    assert not Report.objects.open().exists()
    assert not Comment.objects.reported().exists()
    assert CommentEvent.objects.filter(kind="unapproved", actor=mo).exists()


def test_a_moderator_keeps_a_reported_comment_and_dismisses_its_reports(client, mo, article):
    comment = approved_comment(article, body="Blunt but fair.")
    comment.report("192.0.2.1", "abuse")
    comment.report("192.0.2.2", "spam")
    page = client.get(change_page(comment)).content.decode()
    assert "Dismiss the reports (keep the comment)" in page

    done = client.post(
        f"{CHANGELIST}{comment.pk}/moderate/dismiss_reports/", {f"seen-{comment.pk}": "approved"},
        follow=True,
    )  # fmt: skip

    assert "Reports dismissed on 1 comment." in done.content.decode()
    comment.refresh_from_db()
    assert comment.is_approved()
    assert not Comment.objects.reported().exists()
    assert Report.objects.filter(comment=comment).count() == 2
    assert not Report.objects.open().exists()
    event = comment.events.get(kind="reports_dismissed")
    assert (event.actor, event.data["reports"]) == (mo, 2)
    assert "Reports dismissed, comment kept" in client.get(change_page(comment)).content.decode()


def test_dismissing_is_offered_only_where_there_are_reports_and_skips_the_rest(client, mo, article):
    quiet = approved_comment(article, body="Nobody minds this.")
    assert "Dismiss the reports" not in client.get(change_page(quiet)).content.decode()

    response = act(client, "dismiss_reports_selected", quiet)

    assert "does not apply to it" in response.content.decode()
    assert not quiet.events.filter(kind="reports_dismissed").exists()


def test_dismissed_reports_still_count_against_the_reporters_hourly_quota(
    client, mo, article, settings
):
    settings.COMMENTS_REPORTS_PER_HOUR = 1
    first, second = approved_comment(article), approved_comment(article, body="Another one.")
    first.report("192.0.2.9", "abuse")
    act(client, "dismiss_reports_selected", first)

    again = Client().post(
        f"/comments/report/{second.pk}/", {"reason": "abuse"}, REMOTE_ADDR="192.0.2.9"
    )

    assert again.status_code == 429


def test_the_audit_trail_shows_labels_and_only_what_happened(client, mo, post, article, settings):
    settings.AKISMET_API_KEY = ""
    comment = post(article, body="Held for a first timer.").comment
    comment.report("192.0.2.3", "off_topic")
    act(client, "approve_selected", comment)

    html = client.get(change_page(comment)).content.decode()

    trail = html[html.index("Audit trail") :]
    assert "First comment from this e-mail address" in trail
    assert "Off-topic" in trail
    assert "Status before" in trail and "<dd>Pending</dd>" in trail
    for raw in ("first_time", "off_topic", "disabled", "[]", "Spam-checked", "verdict"):
        assert raw not in trail
    comment.refresh_from_db()
    assert comment.checked_at is None
