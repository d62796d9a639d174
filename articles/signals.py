from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from articles import caching
from articles.models import FAQ, Article, Author, Byline, RelatedPick, Section, SlugRedirect, Tag

# Everything a reader page can show of the editorial side: a change to any of these makes
# every cached page stale (a headline shows on the home page, in "You may also like", in feeds).
EDITORIAL_MODELS = (Article, Author, Byline, FAQ, RelatedPick, Section, Tag)


@receiver(post_save, sender=Article)
def remember_old_slug(sender, instance, **kwargs):
    """Keep an article's previous address working after its slug changes."""
    old = instance.loaded_slug
    if old and old != instance.slug:
        SlugRedirect.objects.update_or_create(old_slug=old, defaults={"article": instance})
        SlugRedirect.objects.filter(old_slug=instance.slug).delete()


# No sender: proxy models (the moderators' comment policies) send under their own class.
@receiver(post_save)
@receiver(post_delete)
def refresh_reader_pages(sender, instance, **kwargs):
    if isinstance(instance, EDITORIAL_MODELS):
        caching.invalidate(caching.SITE)


@receiver(m2m_changed, sender=Article.tags.through)
def refresh_reader_pages_on_tagging(sender, action, **kwargs):
    if action.startswith("post_"):
        caching.invalidate(caching.SITE)
