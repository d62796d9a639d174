"""Comment policy by section: the article's own switch, its section, the parent, the site.

Every precedence case is read through ``effective_policy`` and then through the posting path
(the same function decides both), and shown with its source to editors and moderators.
"""

import datetime

import pytest
import time_machine
from django.utils import timezone

from articles import caching
from articles.models import Article, Section
from comments.models import Comment, Rule
from comments.policy import effective_policy
from tests.factories import ArticleFactory, SectionFactory

pytestmark = pytest.mark.django_db

Mode = Article.CommentPolicy
SectionMode = Section.CommentPolicy


@pytest.fixture
def courts(db):
    return SectionFactory(name="Courts", slug="courts")


@pytest.fixture
def trials(courts):
    return SectionFactory(name="Trials", slug="trials", parent=courts)


def policy_of(article):
    return effective_policy(Article.objects.select_related("section__parent").get(pk=article.pk))


@pytest.mark.parametrize(
    ("article_mode", "section_mode", "parent_mode", "expected", "source"),
    [
        (Mode.SECTION, "", "", Mode.OPEN, "the site's default"),
        (Mode.SECTION, "", SectionMode.CLOSED, Mode.CLOSED, "from section Courts"),
        (Mode.SECTION, SectionMode.PREMODERATED, SectionMode.CLOSED, Mode.PREMODERATED,
         "from section Trials"),
        (Mode.SECTION, SectionMode.OPEN, SectionMode.CLOSED, Mode.OPEN, "from section Trials"),
        (Mode.OPEN, SectionMode.CLOSED, SectionMode.CLOSED, Mode.OPEN, "set on this article"),
        (Mode.CLOSED, SectionMode.OPEN, "", Mode.CLOSED, "set on this article"),
        (Mode.PREMODERATED, "", SectionMode.CLOSED, Mode.PREMODERATED, "set on this article"),
    ],
)  # fmt: skip
def test_the_nearest_level_that_sets_the_switch_wins(
    courts, trials, article_mode, section_mode, parent_mode, expected, source
):
    Section.objects.filter(pk=trials.pk).update(comment_policy=section_mode)
    Section.objects.filter(pk=courts.pk).update(comment_policy=parent_mode)
    article = ArticleFactory(section=trials, comment_policy=article_mode)

    policy = policy_of(article)

    assert (policy.mode, policy.mode_source) == (expected, source)


def test_a_top_level_section_sets_its_articles_switch(courts):
    courts.comment_policy = SectionMode.PREMODERATED
    courts.save()
    policy = policy_of(ArticleFactory(section=courts))
    assert (policy.mode, policy.mode_source) == (Mode.PREMODERATED, "from section Courts")


def test_close_after_comes_from_the_section_then_the_parent_then_the_site(courts, trials, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = 30
    article = ArticleFactory(section=trials)
    assert (policy_of(article).close_after_days, policy_of(article).close_source) == (
        30, "the site's setting")  # fmt: skip

    Section.objects.filter(pk=courts.pk).update(comments_close_after_days=14)
    assert (policy_of(article).close_after_days, policy_of(article).close_source) == (
        14, "from section Courts")  # fmt: skip

    Section.objects.filter(pk=trials.pk).update(comments_close_after_days=60)
    assert (policy_of(article).close_after_days, policy_of(article).close_source) == (
        60, "from section Trials")  # fmt: skip


def test_the_lowest_link_limit_of_the_site_and_the_sections_applies(courts, trials, settings):
    settings.COMMENTS_LINK_LIMIT = 3
    article = ArticleFactory(section=trials)
    Section.objects.filter(pk=trials.pk).update(comment_link_limit=5)  # looser: no effect
    assert (policy_of(article).link_limit, policy_of(article).link_source) == (
        3, "the site's setting")  # fmt: skip

    Section.objects.filter(pk=courts.pk).update(comment_link_limit=1)
    assert (policy_of(article).link_limit, policy_of(article).link_source) == (
        1, "from section Courts")  # fmt: skip


def test_hold_words_of_the_section_and_its_parent_add_up(courts, trials):
    Section.objects.filter(pk=courts.pk).update(comment_hold_words="defendant\n\n  plea deal ")
    Section.objects.filter(pk=trials.pk).update(comment_hold_words="juror\nJuror\ndefendant")
    policy = policy_of(ArticleFactory(section=trials))
    assert policy.hold_words == (
        ("juror", "from section Trials"), ("Juror", "from section Trials"),
        ("defendant", "from section Trials"), ("defendant", "from section Courts"),
        ("plea deal", "from section Courts"),
    )  # fmt: skip


# The posting path.


@pytest.fixture(autouse=True)
def _no_first_time_hold(settings):
    settings.COMMENTS_HOLD_FIRST_TIME = False


def test_a_closed_section_refuses_comments_with_403_and_keeps_the_text(post, courts):
    courts.comment_policy = SectionMode.CLOSED
    courts.save()
    article = ArticleFactory(section=courts)

    response = post(article, body="My words, kept.")

    assert response.status_code == 403
    assert "Comments are closed on this article." in response.content.decode()
    assert "My words, kept." in response.content.decode()
    assert not Comment.objects.exists()


def test_a_subsection_of_a_closed_section_is_closed_too(post, courts, trials):
    courts.comment_policy = SectionMode.CLOSED
    courts.save()
    assert post(ArticleFactory(section=trials)).status_code == 403


def test_an_article_opened_on_its_own_takes_comments_in_a_closed_section(post, courts):
    courts.comment_policy = SectionMode.CLOSED
    courts.save()
    article = ArticleFactory(section=courts, comment_policy=Mode.OPEN)

    response = post(article)

    assert response.status_code == 302
    assert response.comment.is_approved()


def test_an_article_closed_on_its_own_refuses_comments_in_an_open_section(post, courts):
    courts.comment_policy = SectionMode.OPEN
    courts.save()
    assert post(ArticleFactory(section=courts, comment_policy=Mode.CLOSED)).status_code == 403


def test_a_premoderated_section_holds_every_comment(post, courts, trials):
    courts.comment_policy = SectionMode.PREMODERATED
    courts.save()

    response = post(ArticleFactory(section=trials))

    assert response.status_code == 302
    assert response.comment.is_pending()
    assert response.comment.reasons == ["premoderated"]


def test_an_article_set_to_open_is_not_held_in_a_premoderated_section(post, courts):
    courts.comment_policy = SectionMode.PREMODERATED
    courts.save()
    response = post(ArticleFactory(section=courts, comment_policy=Mode.OPEN))
    assert response.comment.is_approved()


def test_the_section_closes_comments_after_its_days(post, courts, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = None
    courts.comments_close_after_days = 7
    courts.save()
    article = ArticleFactory(section=courts, published_at=timezone.now())
    other = ArticleFactory(published_at=article.published_at)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=6)):
        assert post(article).status_code == 302
    with time_machine.travel(timezone.now() + datetime.timedelta(days=8)):
        assert post(article).status_code == 403
        assert post(other).status_code == 302  # another section: the site never closes


def test_the_section_link_limit_holds_a_comment_the_site_would_let_through(post, courts, settings):
    settings.COMMENTS_LINK_LIMIT = 3
    courts.comment_link_limit = 1
    courts.save()
    body = "See https://example.org/ruling for the ruling."

    held = post(ArticleFactory(section=courts), body=body).comment
    elsewhere = post(ArticleFactory(), body=body + " Again.").comment

    assert held.is_pending() and held.reasons == ["link_limit"]
    assert elsewhere.is_approved()


def test_a_hold_word_of_the_section_holds_only_its_articles(post, courts, trials):
    courts.comment_hold_words = "sub judice"
    courts.save()

    held = post(ArticleFactory(section=trials), body="Surely this is Sub Judice now?").comment
    elsewhere = post(ArticleFactory(), body="Surely this is sub judice now?").comment

    assert held.is_pending() and held.reasons == ["hold_word"]
    assert elsewhere.is_approved()


def test_the_site_hold_words_still_apply_in_a_section_with_its_own(post, courts):
    Rule.objects.create(kind=Rule.Kind.HOLD_WORD, value="bail")
    courts.comment_hold_words = "verdict"
    courts.save()
    comment = post(ArticleFactory(section=courts), body="What about bail and the verdict?").comment
    assert comment.reasons == ["hold_word"]


# What editors and moderators are shown, and the page cache.


def test_the_article_admin_shows_the_policy_in_effect_and_its_source(
    client, senior_editor, courts, trials
):
    courts.comment_policy = SectionMode.PREMODERATED
    courts.comment_link_limit = 1
    courts.save()
    article = ArticleFactory(section=trials)
    client.force_login(senior_editor)

    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()

    assert "Open, every comment held for a moderator <small>(from section Courts)</small>" in html
    assert "held at 1 link <small>(from section Courts)</small>" in html

    article.comment_policy = Mode.CLOSED
    article.save()
    html = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
    assert "Closed <small>(set on this article)</small>" in html


def test_the_comment_policy_page_shows_the_policy_in_effect_and_its_source(
    client, moderator, courts
):
    courts.comment_policy = SectionMode.CLOSED
    courts.save()
    following = ArticleFactory(section=courts, title="Follows its section")
    own = ArticleFactory(section=courts, title="Has its own", comment_policy=Mode.OPEN)
    client.force_login(moderator)

    html = client.get("/admin/comments/articlecommentpolicy/").content.decode()
    detail = client.get(f"/admin/comments/articlecommentpolicy/{following.pk}/change/")

    assert "Closed <small>(from section Courts)</small>" in html
    assert "Open <small>(set on this article)</small>" in html
    assert own.title in html
    assert "Closed <small>(from section Courts)</small>" in detail.content.decode()


def test_the_section_admin_saves_a_comment_policy(client, senior_editor, courts):
    client.force_login(senior_editor)
    data = {"name": "Courts", "slug": "courts", "parent": "", "description": "", "position": 0,
            "comment_policy": "premoderated", "comments_close_after_days": "10",
            "comment_link_limit": "1", "comment_hold_words": "juror\nplea"}  # fmt: skip

    response = client.post(f"/admin/articles/section/{courts.pk}/change/", data)

    courts.refresh_from_db()
    assert response.status_code == 302
    assert (courts.comment_policy, courts.comments_close_after_days) == ("premoderated", 10)
    assert courts.hold_words == ["juror", "plea"]


def test_the_section_admin_refuses_a_zero_link_limit_and_keeps_the_form(
    client, senior_editor, courts
):
    client.force_login(senior_editor)
    data = {"name": "Courts", "slug": "courts", "parent": "", "description": "", "position": 0,
            "comment_policy": "", "comments_close_after_days": "", "comment_link_limit": "0",
            "comment_hold_words": "keep these words"}  # fmt: skip

    response = client.post(f"/admin/articles/section/{courts.pk}/change/", data)

    courts.refresh_from_db()
    assert response.status_code == 200
    assert "keep these words" in response.content.decode()
    assert courts.comment_link_limit is None


def test_a_section_policy_change_makes_its_articles_pages_stale(client, courts):
    article = ArticleFactory(section=courts)
    first = client.get(article.get_absolute_url())
    assert "Leave a Comment" in first.content.decode()
    before = caching.generations([caching.SITE])

    courts.comment_policy = SectionMode.CLOSED
    courts.save()

    assert caching.generations([caching.SITE]) != before
    second = client.get(article.get_absolute_url())
    assert first["ETag"] != second["ETag"]
    assert "Comments are closed" in second.content.decode()


def test_existing_open_articles_follow_their_section_after_the_migration():
    """Migration 0003 turns the old default, "open", into "as its section"."""
    from importlib import import_module

    migration = import_module("articles.migrations.0004_section_comment_policy")
    article = ArticleFactory()
    Article.objects.filter(pk=article.pk).update(comment_policy="open")
    from django.apps import apps

    migration.follow_sections(apps, None)

    assert Article.objects.get(pk=article.pk).comment_policy == Mode.SECTION


def test_a_cached_article_page_is_not_kept_past_the_moment_its_comments_close(
    client, courts, settings
):
    settings.COMMENTS_CLOSE_AFTER_DAYS = None
    settings.PAGE_CACHE_SECONDS = 300
    courts.comments_close_after_days = 7
    courts.save()
    closes = timezone.now() + datetime.timedelta(seconds=100)
    article = ArticleFactory(section=courts, published_at=closes - datetime.timedelta(days=7))
    url = article.get_absolute_url()

    first = client.get(url)
    assert "Leave a Comment" in first.content.decode()
    assert "s-maxage=99" in first["Cache-Control"] or "s-maxage=100" in first["Cache-Control"]
    assert client.get(url)["ETag"] == first["ETag"]  # from the page cache meanwhile

    with time_machine.travel(closes + datetime.timedelta(seconds=1)):
        after = client.get(url)
    assert "Comments are closed" in after.content.decode()
    assert "Leave a Comment" not in after.content.decode()


def test_an_article_that_never_closes_keeps_the_usual_shared_lifetime(client, settings):
    settings.COMMENTS_CLOSE_AFTER_DAYS = None
    settings.PAGE_CACHE_SECONDS = 300

    response = client.get(ArticleFactory().get_absolute_url())

    assert "s-maxage=300" in response["Cache-Control"]
