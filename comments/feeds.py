"""Approved comments as RSS and Atom: the whole site's latest, and one article's.

Only approved comments on published articles, with what readers see on the page (name, website,
text); never an e-mail address. An erased commenter's comments show as the erasure left them
("Anonymous", and the text replaced when that was asked). The feeds are shared responses like
the reader pages: kept by the page cache and Varnish under the tags of what they show, so a
comment approved, changed or taken down shows in them on the next request.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from articles import caching
from articles.models import Article
from articles.structured_data import absolute_url
from comments.models import Comment

FEED_LENGTH = 20
FEED_FIELDS = ["id", "article_id", "parent_id", "name", "url", "body_html", "status",
               "submitted_at", "article__slug", "article__title"]  # fmt: skip


def depends_on(request, *tags):
    """Note that the feed being built shows ``tags``; read before the data, as pages do."""
    request.cache_generations |= caching.generations(tags)


class SharedFeed(Feed):
    """A feed answered like a reader page: shared by every cache while what it shows holds.

    The generations are kept on the request, not on the feed, which serves every thread.
    """

    def __call__(self, request, *args, **kwargs):
        request.cache_generations = caching.generations([caching.SITE])
        response = super().__call__(request, *args, **kwargs)
        if response.status_code != 200:
            return response
        if caching.is_shareable_request(request):
            return caching.share(response, request.cache_generations)
        return caching.keep_private(response)

    def item_title(self, item):
        return _("%(name)s on “%(article)s”") % {"name": item.name, "article": item.article.title}

    def item_description(self, item):
        return item.body_html

    def item_link(self, item):
        return item.get_absolute_url()  # the comment's lasting address: it finds its page

    def item_guid(self, item):
        # The id entries had before the links moved to the lasting address: no feed reader
        # shows the latest comments again as new.
        return absolute_url(item.get_anchor_url())

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.submitted_at

    def item_author_name(self, item):
        return item.name

    def item_author_link(self, item):
        return item.url or None


def newest(comments):
    return (
        comments.select_related("article")
        .only(*FEED_FIELDS)
        .order_by("-submitted_at", "-pk")[:FEED_LENGTH]
    )


class LatestCommentsFeed(SharedFeed):
    """The newest approved comments of the whole site, as RSS."""

    def get_object(self, request):
        depends_on(request, caching.COMMENTS)

    def title(self):
        return _("%(site)s: latest comments") % {"site": settings.SITE_NAME}

    def description(self):
        return _("The latest readers' comments on %(site)s.") % {"site": settings.SITE_NAME}

    def link(self):
        return reverse("articles:home")

    def items(self):
        return newest(Comment.objects.approved().filter(article__in=Article.objects.published()))


class LatestCommentsAtomFeed(LatestCommentsFeed):
    feed_type = Atom1Feed
    subtitle = LatestCommentsFeed.description


class ArticleCommentsFeed(SharedFeed):
    """The newest approved comments on one published article, as RSS."""

    def get_object(self, request, slug):
        article = get_object_or_404(Article.objects.published(), slug=slug)
        depends_on(request, caching.article_tag(article.pk))
        return article

    def title(self, article):
        return _("Comments on “%(article)s”") % {"article": article.title}

    def description(self, article):
        return _("Readers' comments on “%(article)s”, newest first.") % {"article": article.title}

    def link(self, article):
        return f"{article.get_absolute_url()}#comments"

    def items(self, article):
        return newest(Comment.objects.approved().for_article(article))

    def item_title(self, item):
        return _("Comment by %(name)s") % {"name": item.name}


class ArticleCommentsAtomFeed(ArticleCommentsFeed):
    feed_type = Atom1Feed
    subtitle = ArticleCommentsFeed.description
