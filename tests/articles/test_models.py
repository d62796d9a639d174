import datetime

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from articles.models import Article, SlugRedirect
from tests.factories import ArticleFactory, AuthorFactory, FAQFactory, SectionFactory, TagFactory

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)


def test_published_queryset_and_is_published_agree_for_every_state():
    with time_machine.travel(NOW, tick=False):
        articles = [
            ArticleFactory(draft=True),
            ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None),
            ArticleFactory(published_at=NOW - datetime.timedelta(minutes=1)),
            ArticleFactory(published_at=NOW + datetime.timedelta(minutes=1)),
        ]
        published = set(Article.objects.published())
        scheduled = set(Article.objects.scheduled())
        for article in articles:
            assert (article in published) is article.is_published()
            assert (article in scheduled) is article.is_scheduled()
        assert [a.is_published() for a in articles] == [False, False, True, False]


def test_a_scheduled_article_goes_live_when_its_time_comes_without_any_job():
    with time_machine.travel(NOW, tick=False):
        article = ArticleFactory(draft=True)
        article.publish(at=NOW + datetime.timedelta(hours=2))
        assert not Article.objects.published().filter(pk=article.pk).exists()
    with time_machine.travel(NOW + datetime.timedelta(hours=2, seconds=1), tick=False):
        assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_keeps_the_original_publish_time_when_republishing():
    article = ArticleFactory()
    first = article.published_at
    article.unpublish()
    article.publish()
    article.refresh_from_db()
    assert article.published_at == first


def test_submit_for_review_and_unpublish_change_the_status():
    article = ArticleFactory(draft=True)
    article.submit_for_review()
    assert Article.objects.get(pk=article.pk).status == Article.Status.IN_REVIEW
    article.publish()
    article.unpublish()
    assert Article.objects.get(pk=article.pk).status == Article.Status.DRAFT


def test_database_refuses_a_published_article_without_publish_time():
    with pytest.raises(IntegrityError):
        Article.objects.filter(pk=ArticleFactory(draft=True).pk).update(status="published")


def test_body_is_rendered_and_sanitized_on_save():
    article = ArticleFactory(body="Hello <script>alert(1)</script> **world**\n\n## Part two")
    assert "<strong>world</strong>" in article.body_html
    assert "<h2>Part two</h2>" in article.body_html
    assert "<script" not in article.body_html


def test_faq_answer_is_rendered_on_save():
    faq = FAQFactory(answer="Use *care*.<img src=x onerror=alert(1)>")
    # Images are allowed in editors' text (imported stories have them); their scripts are not.
    assert faq.answer_html == '<p>Use <em>care</em>.<img src="x"></p>'


def test_editing_a_published_story_sets_updated_time_but_a_draft_edit_does_not():
    with time_machine.travel(NOW, tick=False):
        draft = ArticleFactory(draft=True)
        live = ArticleFactory(published_at=NOW - datetime.timedelta(days=1))
    with time_machine.travel(NOW + datetime.timedelta(hours=3), tick=False):
        draft = Article.objects.get(pk=draft.pk)
        draft.body = "Rewritten."
        draft.save()
        live = Article.objects.get(pk=live.pk)
        live.comment_policy = Article.CommentPolicy.CLOSED
        live.save()
        assert live.updated_at is None  # a settings change is not a story update
        live.body = "A correction was added."
        live.save()
    assert draft.updated_at is None
    live.refresh_from_db()
    assert live.updated_at == NOW + datetime.timedelta(hours=3)
    assert live.was_updated()
    assert live.display_date == live.updated_at


def test_changing_the_slug_records_the_old_address():
    article = Article.objects.get(pk=ArticleFactory(slug="first-name").pk)
    article.slug = "second-name"
    article.save()
    article.slug = "third-name"
    article.save()
    assert set(SlugRedirect.objects.values_list("old_slug", flat=True)) == {
        "first-name",
        "second-name",
    }
    assert {r.article_id for r in SlugRedirect.objects.all()} == {article.pk}


def test_going_back_to_an_old_slug_removes_its_redirect():
    article = Article.objects.get(pk=ArticleFactory(slug="alpha").pk)
    article.slug = "beta"
    article.save()
    article.slug = "alpha"
    article.save()
    assert list(SlugRedirect.objects.values_list("old_slug", flat=True)) == ["beta"]


def test_in_section_includes_subsections_and_tagged_filters_by_tag():
    news = SectionFactory(name="News")
    politics = SectionFactory(name="Politics", parent=news)
    tag = TagFactory()
    in_news = ArticleFactory(section=news)
    in_politics = ArticleFactory(section=politics, tags=[tag])
    ArticleFactory()
    assert set(Article.objects.in_section(news)) == {in_news, in_politics}
    assert list(Article.objects.tagged(tag)) == [in_politics]
    assert politics.trail == [news, politics]


def test_bylines_keep_their_order():
    first, second = AuthorFactory(name="Zed"), AuthorFactory(name="Amy")
    article = ArticleFactory(authors=[first, second])
    assert [b.author for b in article.bylines.all()] == [first, second]
    assert list(Article.objects.by_author(second)) == [article]


def test_reading_time_is_derived_from_the_body():
    assert ArticleFactory(body="word " * 690).reading_time == 3


def test_editable_by_and_is_editable_by_agree(reporter, senior_editor):
    own_draft = ArticleFactory(draft=True, authors=[reporter.author])
    own_published = ArticleFactory(authors=[reporter.author])
    others_draft = ArticleFactory(draft=True)
    for user in (reporter, senior_editor):
        editable = set(Article.objects.editable_by(user))
        for article in (own_draft, own_published, others_draft):
            assert (article in editable) is article.is_editable_by(user)
    assert set(Article.objects.editable_by(reporter)) == {own_draft}
    assert timezone.now() > own_published.published_at


def test_readable_by_and_written_by_agree_with_their_instance_twins(
    reporter, senior_editor, moderator
):
    own_draft = ArticleFactory(draft=True, authors=[reporter.author])
    created = ArticleFactory(draft=True, created_by=reporter)
    others_draft = ArticleFactory(draft=True)
    others_live = ArticleFactory()
    others_scheduled = ArticleFactory(published_at=timezone.now() + datetime.timedelta(days=1))
    articles = (own_draft, created, others_draft, others_live, others_scheduled)
    for user in (reporter, senior_editor, moderator):
        readable = set(Article.objects.readable_by(user))
        written = set(Article.objects.written_by(user))
        for article in articles:
            assert (article in readable) is article.is_readable_by(user)
            assert (article in written) is article.is_written_by(user)
    assert set(Article.objects.readable_by(reporter)) == {own_draft, created, others_live}
    assert set(Article.objects.readable_by(senior_editor)) == set(articles)


def test_a_later_settings_change_does_not_move_the_updated_time_again():
    with time_machine.travel(NOW, tick=False):
        live = Article.objects.get(pk=ArticleFactory().pk)
        live.body = "Corrected."
        live.save()
    with time_machine.travel(NOW + datetime.timedelta(days=1), tick=False):
        live.comment_policy = Article.CommentPolicy.CLOSED
        live.save()
    live.refresh_from_db()
    assert live.updated_at == NOW


def test_callouts_typed_in_a_browser_with_crlf_line_breaks_render():
    body = (
        "Intro.\r\n\r\n:::tip\r\nCarry water.\r\n:::\r\n\r\n## Next steps\r\n\r\n"
        ":::expert Dr. Mara Okafor | Institute of Coastal Studies\r\nShade matters.\r\n:::\r\n"
        "\r\nClosing words."
    )
    article = ArticleFactory(body=body)

    html = Article.objects.get(pk=article.pk).body_html
    assert "\r" not in Article.objects.get(pk=article.pk).body
    assert '<aside class="callout callout-tip"' in html
    assert "<h2>Next steps</h2>" in html
    assert '<aside class="callout callout-expert"' in html
    assert ":::" not in html
    assert "<p>Closing words.</p>" in html


def test_a_faq_answer_with_crlf_line_breaks_is_stored_with_newlines():
    faq = FAQFactory(answer="One.\r\n\r\nTwo.")

    assert faq.answer == "One.\n\nTwo."
    assert faq.answer_html == "<p>One.</p>\n<p>Two.</p>"
