from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from articles.models import Article, ArticleNote, Section

FEED_LENGTH = 20


def newest(articles):
    """The feed's items: the newest of ``articles``, with what each entry shows."""
    return articles.for_cards().prefetch_related("tags").newest_first()[:FEED_LENGTH]


class LatestArticlesFeed(Feed):
    """The newest published articles of the whole site, as RSS."""

    def title(self):
        return settings.SITE_NAME

    def description(self):
        return _("The latest articles from %(site)s.") % {"site": settings.SITE_NAME}

    def link(self):
        return reverse("articles:home")

    def items(self):
        return newest(Article.objects.published())

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.display_date

    def item_author_name(self, item):
        return ", ".join(author.name for author in item.byline_authors)

    def item_categories(self, item):
        return [item.section.name, *(tag.name for tag in item.tags.all())]


class LatestArticlesAtomFeed(LatestArticlesFeed):
    feed_type = Atom1Feed
    subtitle = LatestArticlesFeed.description


class SectionFeed(LatestArticlesFeed):
    """The newest published articles of one section and its subsections, as RSS."""

    def get_object(self, request, slug):
        return get_object_or_404(Section, slug=slug)

    def title(self, section):
        return f"{section.name} | {settings.SITE_NAME}"

    def description(self, section):
        return section.description or _("The latest articles in %(section)s.") % {
            "section": section.name
        }

    def link(self, section):
        return section.get_absolute_url()

    def items(self, section):
        return newest(Article.objects.published().in_section(section))


class SectionAtomFeed(SectionFeed):
    feed_type = Atom1Feed
    subtitle = SectionFeed.description


class CorrectionsFeed(Feed):
    """The newest published corrections and updates, as RSS."""

    def title(self):
        return _("Corrections and updates | %(site)s") % {"site": settings.SITE_NAME}

    def description(self):
        return _("Corrections and updates published by %(site)s.") % {"site": settings.SITE_NAME}

    def link(self):
        return reverse("articles:corrections")

    def items(self):
        notes = ArticleNote.objects.published().on_live_articles().select_related("article")
        return notes.newest_first()[:FEED_LENGTH]

    def item_title(self, note):
        return f"{note.get_kind_display()}: {note.article.title}"

    def item_description(self, note):
        return note.body_html

    def item_pubdate(self, note):
        return note.published_at

    def item_updateddate(self, note):
        return note.display_date

    def item_categories(self, note):
        return [note.get_kind_display()]


class CorrectionsAtomFeed(CorrectionsFeed):
    feed_type = Atom1Feed
    subtitle = CorrectionsFeed.description
