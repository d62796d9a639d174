from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.dispatch import receiver

from articles import caching
from articles.models import (
    FAQ,
    Article,
    ArticleNote,
    Author,
    Byline,
    RelatedPick,
    Section,
    SlugRedirect,
    Tag,
)

# Everything a reader page can show of the editorial side: a change to any of these makes
# every cached page stale (a headline shows on the home page, in "You may also like", in feeds).
EDITORIAL_MODELS = (Article, ArticleNote, Author, Byline, FAQ, RelatedPick, Section, Tag)


@receiver(pre_save, sender=Article)
def read_slug_before_a_raw_save(sender, instance, raw, **kwargs):
    """A restored revision is written raw, over whatever the row holds now: read its slug."""
    if raw and instance.pk:
        live = Article.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
        instance._slug_before_raw_save = live


@receiver(post_save, sender=Article)
def remember_old_slug(sender, instance, **kwargs):
    """Keep an article's previous address working after its slug changes."""
    old = instance.loaded_slug or getattr(instance, "_slug_before_raw_save", None)
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
