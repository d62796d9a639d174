from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from articles.models import Article, Author, Section, Tag


class HomeSitemap(Sitemap):
    changefreq = "hourly"
    priority = 1.0

    def items(self):
        return ["articles:home"]

    def location(self, item):
        return reverse(item)


class ArticleSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return Article.objects.published().newest_first().only("slug", "published_at", "updated_at")

    def lastmod(self, article):
        return article.display_date


class SectionSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return Section.objects.all()


class ListingSitemap(Sitemap):
    """Pages listing published articles (authors, tags), dated by their newest article."""

    changefreq = "daily"
    priority = 0.5
    model = None

    def items(self):
        return (
            self.model.objects.filter(articles__in=Article.objects.published())
            .annotate(newest=Max("articles__published_at"))
            .order_by("slug")
        )

    def lastmod(self, item):
        return item.newest


class AuthorSitemap(ListingSitemap):
    model = Author


class TagSitemap(ListingSitemap):
    model = Tag


SITEMAPS = {
    "home": HomeSitemap,
    "articles": ArticleSitemap,
    "sections": SectionSitemap,
    "authors": AuthorSitemap,
    "tags": TagSitemap,
}
