from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles import caching
from comments.models import Comment, Rule
from comments.rules import RULES_TAG

# Fields of a comment that readers see on the article page.
SHOWN_FIELDS = {
    "status",
    "name",
    "url",
    "body",
    "body_html",
    "parent",
    "submitted_at",
    "featured_at",
    "edited_at",
}


def shown_on(comment):
    """The cache tags of the pages an approved comment shows on: its article's page and feed,
    and the listings and feed that show every article's comments."""
    return caching.article_tag(comment.article_id), caching.COMMENTS


@receiver(post_save, sender=Comment)
def refresh_article_page(sender, instance, update_fields=None, **kwargs):
    """An approved comment appearing, changing or going shows on the article's next request."""
    if update_fields is not None and not SHOWN_FIELDS & set(update_fields):
        return
    if instance.is_approved() or instance.was_approved():
        caching.invalidate(*shown_on(instance))


@receiver(post_delete, sender=Comment)
def refresh_article_page_on_delete(sender, instance, **kwargs):
    if instance.is_approved():
        caching.invalidate(*shown_on(instance))


@receiver(post_save, sender=Rule)
@receiver(post_delete, sender=Rule)
def refresh_posting_rules(sender, **kwargs):
    """A rule added, changed or deleted applies to the very next comment (rules.posting_context)."""
    caching.invalidate(RULES_TAG)
