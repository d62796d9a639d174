"""What an article page tells machines: schema.org JSON-LD and OpenGraph / Twitter card tags.

Built as plain dicts and tuples from prepared rows (bylines, tags and FAQs prefetched);
the view prints the JSON-LD, the template prints the meta tags. The NewsArticle takes extra
properties from the page's other parts (the comments' ``commentCount`` and ``comment`` items:
see ``articles.views.page_parts``).
"""

from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse

SCHEMA = "https://schema.org"


def absolute_url(path):
    """``path`` on the public site, as set by ``SITE_URL``; absolute URLs pass through."""
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


def _isoformat(moment):
    return moment.isoformat() if moment else None


def publisher():
    """The site as a schema.org Organization."""
    return {
        "@type": "Organization",
        "name": settings.SITE_NAME,
        "url": absolute_url(reverse("articles:home")),
        "logo": {"@type": "ImageObject", "url": absolute_url(static("img/logo.svg"))},
    }


def person(author):
    """An author as a schema.org Person, with the job title the byline shows."""
    data = {"@type": "Person", "name": author.name, "url": absolute_url(author.get_absolute_url())}
    if author.job_title:
        data["jobTitle"] = author.job_title
    return data


def news_article(article):
    data = {
        "@context": SCHEMA,
        "@type": "NewsArticle",
        "headline": article.title,
        "description": article.summary,
        "mainEntityOfPage": article.canonical_url,
        "url": article.canonical_url,
        "datePublished": _isoformat(article.published_at),
        "dateModified": _isoformat(article.display_date),
        "author": [person(author) for author in article.byline_authors],
        "articleSection": article.section.name,
        "keywords": [tag.name for tag in article.tags.all()],
        "publisher": publisher(),
    }
    if article.share_image:
        data["image"] = [absolute_url(article.share_image.url)]
    corrections = [note for note in article.public_notes if note.is_correction()]
    if corrections:
        data["correction"] = [correction_comment(note) for note in corrections]
    return data


def correction_comment(note):
    """A published correction as a schema.org CorrectionComment."""
    return {
        "@type": "CorrectionComment",
        "text": note.text,
        "datePublished": _isoformat(note.published_at),
        "url": absolute_url(note.get_absolute_url()),
    }


def breadcrumb_list(article):
    items = [
        {"@type": "ListItem", "position": number, "name": str(name), "item": absolute_url(path)}
        for number, (name, path) in enumerate(article.breadcrumbs, start=1)
    ]
    return {"@context": SCHEMA, "@type": "BreadcrumbList", "itemListElement": items}


def faq_page(article):
    questions = [
        {
            "@type": "Question",
            "name": faq.question,
            "acceptedAnswer": {"@type": "Answer", "text": faq.answer_html},
        }
        for faq in article.faqs.all()
    ]
    return {"@context": SCHEMA, "@type": "FAQPage", "mainEntity": questions}


def for_article(article):
    """BreadcrumbList and (when there are questions) FAQPage, as dicts. The NewsArticle is
    printed apart (``news_article``), with what the page's other parts add to it."""
    data = [breadcrumb_list(article)]
    if article.faqs.all():
        data.append(faq_page(article))
    return data


def social_meta(article):
    """OpenGraph and Twitter card tags: (attribute, name, content) triples."""
    tags = [
        ("property", "og:type", "article"),
        ("property", "og:site_name", settings.SITE_NAME),
        ("property", "og:title", article.title),
        ("property", "og:description", article.summary),
        ("property", "og:url", article.canonical_url),
        ("property", "article:section", article.section.name),
        ("name", "twitter:title", article.title),
        ("name", "twitter:description", article.summary),
    ]
    if article.published_at:
        tags.append(("property", "article:published_time", _isoformat(article.published_at)))
        tags.append(("property", "article:modified_time", _isoformat(article.display_date)))
    if article.share_image:
        image = absolute_url(article.share_image.url)
        tags += [("property", "og:image", image), ("name", "twitter:image", image)]
        if article.image_alt:
            tags.append(("property", "og:image:alt", article.image_alt))
    card = "summary_large_image" if article.share_image else "summary"
    return [*tags, ("name", "twitter:card", card)]
