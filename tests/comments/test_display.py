"""What readers see under an article: threads, pages, their own held comments, the form."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from comments.models import Comment
from tests.comments.conftest import SETTLING, approved_comment
from tests.factories import ArticleFactory

URL = "/articles/splash-pads/"
START = timezone.now() - datetime.timedelta(days=1)


def add(article, parent=None, minutes=0, status="approved", **fields):
    """A comment at a given minute after START, brought to ``status`` through the verbs."""
    comment = Comment.objects.create(
        article=article,
        parent=parent,
        submitted_at=START + datetime.timedelta(minutes=minutes),
        **{"name": f"Reader {minutes}", "email": f"r{minutes}@example.net", "body": "Hi.",
           **fields},
    )  # fmt: skip
    {"approved": comment.approve, "pending": comment.hold, "spam": comment.mark_spam,
     "removed": comment.remove}[status]()  # fmt: skip
    return comment


def shown_ids(html):
    return [int(pk) for pk in re.findall(r'<li id="comment-(\d+)"', html)]


def depth_of(html, comment):
    return int(re.search(rf'<li id="comment-{comment.pk}" class="comment depth-(\d+)', html)[1])


def test_approved_comments_are_shown_oldest_first_with_their_count(client, article):
    second = add(article, minutes=2)
    first = add(article, minutes=1)
    add(article, minutes=3, status="pending")
    add(article, minutes=4, status="spam")
    add(article, minutes=5, status="removed")

    html = client.get(URL).content.decode()

    assert shown_ids(html) == [first.pk, second.pk]
    assert "2 comments" in html


def test_each_comment_shows_its_author_date_and_rendered_body(client, article):
    comment = add(article, name="Ada", url="https://ada.example", body="*Cheers* to the crew.")
    add(article, minutes=1, name="Grace")

    html = client.get(URL).content.decode()

    assert '<a href="https://ada.example" rel="nofollow ugc">Ada</a>' in html
    assert f'<a href="#comment-{comment.pk}">' in html
    # HTML allows at most three fraction digits: the time is printed to the second.
    assert f'datetime="{comment.submitted_at:%Y-%m-%dT%H:%M:%S}+0000"' in html
    assert "<em>Cheers</em> to the crew." in html
    assert "<b>Grace</b>" in html


def test_script_in_a_comment_is_neutralised_on_the_page(client, article):
    add(article, body='<script>alert("x")</script> [link](https://example.org)')

    html = client.get(URL).content.decode()

    assert '<script>alert("x")</script>' not in html
    assert 'href="https://example.org" rel="nofollow ugc noopener"' in html


def test_replies_are_nested_under_their_parent(client, article):
    top = add(article, minutes=1)
    other = add(article, minutes=2)
    reply = add(article, parent=top, minutes=3)

    html = client.get(URL).content.decode()

    assert shown_ids(html) == [top.pk, reply.pk, other.pk]
    assert depth_of(html, top) == 1
    assert depth_of(html, reply) == 2


def test_replies_deeper_than_the_limit_are_shown_at_the_limit(client, article, settings):
    settings.COMMENTS_THREAD_DEPTH = 3
    chain = [add(article, minutes=0)]
    for minute in range(1, 6):
        chain.append(add(article, parent=chain[-1], minutes=minute))

    html = client.get(URL).content.decode()

    assert [depth_of(html, c) for c in chain] == [1, 2, 3, 3, 3, 3]
    assert shown_ids(html) == [c.pk for c in chain]


def test_a_reply_whose_parent_was_removed_is_shown_at_the_top_level(client, article):
    parent = add(article, minutes=1)
    reply = add(article, parent=parent, minutes=2)
    parent.remove()

    html = client.get(URL).content.decode()

    assert shown_ids(html) == [reply.pk]
    assert depth_of(html, reply) == 1


def test_over_a_page_of_top_level_comments_is_paged_oldest_page_first(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    comments = [add(article, minutes=m) for m in range(5)]
    reply = add(article, parent=comments[0], minutes=10)

    first = client.get(URL).content.decode()
    last = client.get(URL + "?cpage=3").content.decode()

    assert shown_ids(first) == [comments[0].pk, reply.pk, comments[1].pk]
    assert shown_ids(last) == [comments[4].pk]
    assert "Page 1 of 3" in first
    assert "6 comments" in last


def test_the_newest_page_can_come_first(client, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    settings.COMMENTS_NEWEST_PAGE_FIRST = True
    comments = [add(article, minutes=m) for m in range(5)]

    html = client.get(URL).content.decode()

    assert shown_ids(html) == [comments[4].pk]
    assert "Page 3 of 3" in html


def test_a_new_comment_beyond_the_first_page_links_to_its_page(post, article, settings):
    settings.COMMENTS_PAGE_SIZE = 2
    for minute in range(2):
        add(article, minutes=minute)

    response = post(article)

    assert response["Location"] == f"{URL}?cpage=2#comment-{response.comment.pk}"


def test_a_deep_reply_links_to_the_page_of_its_thread_in_a_fixed_number_of_queries(
    post, article, settings, django_assert_num_queries
):
    settings.COMMENTS_PAGE_SIZE = 2
    first = add(article, minutes=0)
    parent = first
    for minute in range(1, 5):
        parent = add(article, parent=parent, minutes=minute)
    add(article, minutes=10)
    add(article, minutes=11)

    from comments.views import comment_url

    with django_assert_num_queries(1 + SETTLING):  # one query after a commit
        assert comment_url(parent) == f"{URL}?cpage=1#comment-{parent.pk}"
    latest = add(article, minutes=12)
    assert comment_url(latest) == f"{URL}?cpage=2#comment-{latest.pk}"


def test_where_a_comment_shows_follows_its_stored_status_not_a_stale_copy(article, settings):
    # A spam check run inline at commit approves the comment in the database while the view's
    # copy still says pending: one thread more would not fit on the page, the stored one does.
    from comments.views import comment_url

    settings.COMMENTS_PAGE_SIZE = 2
    add(article, minutes=0)
    comment = add(article, minutes=1)
    comment.status = Comment.Status.PENDING  # the view's copy, from before the check

    assert comment_url(comment) == f"{URL}#comment-{comment.pk}"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="The plan is PostgreSQL's.")
@pytest.mark.parametrize("reply", [False, True], ids=["thread", "reply"])
def test_where_a_comment_shows_is_counted_from_the_threads_index_alone(article, reply):
    # A new thread reads the threads since it (itself), not the 20 before; a reply to the
    # first thread reads the threads before that one (none).
    from comments.views import thread_position_query

    for minute in range(30):
        add(article, minutes=minute, status="approved" if minute % 3 else "pending")
    comment = add(article, parent=Comment.objects.first() if reply else None, minutes=40)
    sql, params = thread_position_query(comment)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    scan = next(line for line in plan.splitlines() if "comment_thread_idx" in line)
    assert "Index Only Scan using comment_thread_idx" in scan
    assert f"rows={0 if reply else 1} loops=1" in scan
    assert ("ancestry" in plan) == reply


def test_the_reader_sees_their_own_held_comment_and_nobody_else_does(client, post, article):
    comment = post(article, body="My own held words.").comment

    mine = client.get(URL).content.decode()
    theirs = Client().get(URL).content.decode()

    assert comment.is_pending()
    assert f'id="comment-{comment.pk}"' in mine
    assert "Your comment is awaiting moderation." in mine
    assert "My own held words." not in theirs
    assert "awaiting moderation" not in theirs


def test_the_pending_cookie_is_signed_httponly_lax_and_expires_in_a_week(client, post, article):
    post(article)

    cookie = client.cookies["comments_pending"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == 7 * 86400


def test_a_forged_pending_cookie_shows_nothing(client, article):
    other = add(article, status="pending", body="Someone else's secret.")
    client.cookies["comments_pending"] = str(other.pk)

    assert "Someone else's secret." not in client.get(URL).content.decode()


def test_a_held_reply_shows_under_its_parent_for_its_author(client, post, article):
    parent = add(article)

    reply = post(article, parent=str(parent.pk)).comment

    html = client.get(URL).content.decode()
    assert shown_ids(html) == [parent.pk, reply.pk]
    assert depth_of(html, reply) == 2


def test_once_approved_the_comment_is_shown_to_everyone(client, post, article):
    comment = post(article, body="Approved at last.").comment

    comment.approve()

    html = Client().get(URL).content.decode()
    assert "Approved at last." in html
    assert "awaiting moderation" not in html


def test_the_form_asks_for_name_email_website_and_comment(client, article):
    html = client.get(URL).content.decode()

    assert "Leave a Comment" in html
    for label in ("Name (required)", "Email (required)", "Website", "Comment (required)"):
        assert f">{label}:</label>" in html
    assert "Never published." in html
    assert "Save my name, email, and website in this browser for the next time I comment." in html
    assert '<a href="/privacy/">Learn how your comment data is processed.</a>' in html


def test_the_form_mentions_akismet_only_when_the_check_is_on(client, article, fake_akismet):
    html = client.get(URL).content.decode()
    assert "This site uses Akismet to reduce spam." in html

    fake_akismet.stop()
    from django.conf import settings

    settings.AKISMET_API_KEY = ""
    Article.objects.get(pk=article.pk).save()  # a change, so the page is built again
    assert "Akismet" not in Client().get(URL).content.decode().split('id="respond"')[1]


def test_a_reply_link_sets_the_parent_without_javascript(client, article):
    parent = add(article, name="Ada")
    html = client.get(URL).content.decode()
    assert f'href="?replyto={parent.pk}#respond"' in html

    html = client.get(f"{URL}?replyto={parent.pk}").content.decode()

    assert "Reply to Ada" in html
    assert f'name="parent" value="{parent.pk}"' in html


def test_a_reply_link_to_a_comment_that_is_not_shown_is_ignored(client, article):
    held = add(article, status="pending", name="Hidden Person")

    html = client.get(f"{URL}?replyto={held.pk}").content.decode()

    assert "Reply to Hidden Person" not in html
    assert "Leave a Comment" in html


def test_a_closed_article_shows_its_comments_but_no_form(client, article):
    add(article, body="Said before closing.")
    Article.objects.filter(pk=article.pk).update(comment_policy="closed")

    html = client.get(URL).content.decode()

    assert "Said before closing." in html
    assert "Comments are closed on this article." in html
    assert "Leave a Comment" not in html
    assert "replyto=" not in html


def test_the_privacy_page_says_what_is_stored_sent_and_for_how_long(db, client, settings):
    settings.COMMENTS_ANONYMIZE_AFTER_DAYS = 90
    settings.COMMENTS_SPAM_PURGE_DAYS = 30

    html = client.get("/privacy/").content.decode()

    assert "How your comment data is processed" in html
    assert "Automattic" in html
    assert "erased 90 days after posting" in html
    assert "deleted after 30 days" in html
    assert "IP address" in html


def build_thread(article, count):
    """``count`` approved comments: a fifth top-level, the rest replies up to 6 deep."""
    comments = []
    for n in range(count):
        parent = comments[n - 1] if n % 5 else None
        comments.append(add(article, parent=parent, minutes=n))
    return comments


def page_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in queries.captured_queries]


def test_the_article_page_runs_the_same_queries_for_5_or_500_comments(client, article, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the page itself is built each time; its fragments kept
    build_thread(article, 5)
    big = ArticleFactory(slug="busy-story", section=article.section)
    build_thread(big, 500)
    client.get(URL)  # Warm the per-process caches (content types, templates).
    cache.clear()
    few = page_queries(client, URL)
    cache.clear()
    many = page_queries(client, "/articles/busy-story/")
    warm = page_queries(client, "/articles/busy-story/")

    assert len(few) == len(many)
    assert len([sql for sql in many if "comments_comment" in sql]) == 1
    assert len(warm) == 1  # the article itself; its parts, threads and navigation are kept
    assert not [sql for sql in warm if "comments_comment" in sql]


def test_a_reader_with_held_comments_costs_two_queries_more(client, post, article, settings):
    settings.PAGE_CACHE_SECONDS = 0
    build_thread(article, 20)
    page_queries(client, URL)
    before = page_queries(client, URL)  # the article; its parts and threads are kept
    post(article)

    after = page_queries(client, URL)

    # Their held comments, and the approved ones around them (a private page, built afresh).
    assert len(after) == len(before) + 2


def test_the_comment_list_holds_only_list_items(client, article):
    top = add(article, minutes=1)
    add(article, parent=top, minutes=2)

    html = client.get(URL).content.decode()
    inside = html.split('<ol class="comment-list">')[1]

    assert inside.lstrip().startswith("<li ")
    assert "Kept lean" not in html


def test_comments_show_their_time_in_the_articles_date_format(client, article, settings):
    settings.TIME_ZONE = "UTC"
    comment = approved_comment(article, body="Dated.")
    Comment.objects.filter(pk=comment.pk).update(
        submitted_at=datetime.datetime(2026, 6, 3, 9, 5, tzinfo=datetime.UTC)
    )
    article.published_at = datetime.datetime(2026, 6, 1, 8, 0, tzinfo=datetime.UTC)
    article.save()

    html = Client().get(URL).content.decode()

    assert ">1 June 2026, 08:00</time>" in html  # the article's own date
    assert ">3 June 2026, 09:05</time>" in html


def test_what_commenters_wrote_is_escaped_in_every_part_of_their_comment(client, article):
    comment = add(article, name='Ann "<b>" O\'Neil', url='https://x.example/?a=1&b="2"')

    html = client.get(URL).content.decode()

    name = "Ann &quot;&lt;b&gt;&quot; O&#x27;Neil"
    assert (
        f'<a href="https://x.example/?a=1&amp;b=&quot;2&quot;" rel="nofollow ugc">{name}</a>'
        in html
    )
    assert f'aria-label="Reply to {name}">Reply</a>' in html
    assert (
        f'<a href="/comments/report/{comment.pk}/" aria-label="Report the comment by {name}">'
        in html
    )
    assert '<b>"' not in html


def test_reply_links_on_a_later_page_keep_the_page_and_held_comments_have_none(
    client, post, article, settings
):
    settings.COMMENTS_PAGE_SIZE = 1
    add(article, minutes=1)
    later = add(article, minutes=2, status="approved")
    held = post(article, body="Mine, held.", email="new@example.net").comment

    html = client.get(f"{URL}?cpage=2").content.decode()
    assert f'href="?cpage=2&amp;replyto={later.pk}#respond"' in html

    html = client.get(f"{URL}?cpage=3").content.decode()  # the held one, its author's own
    assert held.is_pending()
    item = html.split(f'<li id="comment-{held.pk}"')[1].split("</li>")[0]
    assert "comment-pending" in item and "awaiting moderation" in item
    assert "replyto" not in item and "/report/" not in item
