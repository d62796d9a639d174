"""Comparing two saved revisions of an article, as an editor reads them.

A revision (django-reversion) holds the article and, followed from the admin's inlines, its
bylines, FAQs and related picks; tags are in the article's own data. Each field is shown as
readers and editors know it: choices by their labels, a section or author by name, the FAQs
and bylines in their order.
"""

import difflib

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from articles.models import FAQ, Article, Author, Byline, RelatedPick, Section, Tag

COMPARED_FIELDS = ["title", "slug", "dek", "body", "closing_question", "section", "tags",
                   "status", "published_at", "comment_policy"]  # fmt: skip
CONTEXT_LINES = 2


def changes(older, newer):
    """What changed from ``older`` to ``newer`` (Version rows), field by field, as lines."""
    before, after = describe(older), describe(newer)
    found = []
    for label, old_text in before.items():
        new_text = after.get(label, "")
        if old_text != new_text:
            found.append({"field": label, "lines": diff_lines(old_text, new_text)})
    return found


def diff_lines(old_text, new_text):
    """A unified diff without its file and position markers; a gap between hunks is "…"."""
    diff = difflib.unified_diff(
        old_text.splitlines(), new_text.splitlines(), lineterm="", n=CONTEXT_LINES
    )
    lines = []
    for line in diff:
        if line.startswith(("---", "+++")):
            continue
        if line.startswith("@@"):
            if lines:
                lines.append("…")
            continue
        lines.append(line)
    return lines


def describe(version):
    """The revision as text per field label, in the order an editor reads the article."""
    data = version.field_dict
    text = {}
    for name in COMPARED_FIELDS:
        field = Article._meta.get_field(name)
        text[str(field.verbose_name).capitalize()] = _field_text(field, data.get(field.attname))
    related = _related(version)
    text[str(_("Authors (in byline order)"))] = "\n".join(related["bylines"])
    text[str(_("Frequently asked questions"))] = "\n\n".join(related["faqs"])
    text[str(_("Related articles (editor's picks)"))] = "\n".join(related["picks"])
    return text


def _field_text(field, value):
    if value in (None, "", []):
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.name == "section":
        section = Section.objects.filter(pk=value).first()
        return str(section) if section else str(value)
    if field.name == "tags":
        return ", ".join(sorted(Tag.objects.filter(pk__in=value).values_list("name", flat=True)))
    if field.name == "published_at":
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    return str(value)


def _related(version):
    """The revision's bylines, FAQs and picks, each in its editor-set order."""
    rows = {Byline: [], FAQ: [], RelatedPick: []}
    types = ContentType.objects.get_for_models(*rows)
    by_type = {types[model].pk: model for model in rows}
    for related in version.revision.version_set.filter(content_type__in=list(by_type)):
        rows[by_type[related.content_type_id]].append(related.field_dict)
    author_ids = [r["author_id"] for r in rows[Byline]]
    authors = dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "name"))
    pick_ids = [r["related_id"] for r in rows[RelatedPick]]
    titles = dict(Article.objects.filter(pk__in=pick_ids).values_list("pk", "title"))
    ordered = {model: sorted(found, key=lambda r: (r.get("position", 0), r.get("id", 0)))
               for model, found in rows.items()}  # fmt: skip
    return {
        "bylines": [authors.get(r["author_id"], str(r["author_id"])) for r in ordered[Byline]],
        "faqs": [f"{r['question']}\n{r['answer']}" for r in ordered[FAQ]],
        "picks": [titles.get(r["related_id"], str(r["related_id"])) for r in ordered[RelatedPick]],
    }
