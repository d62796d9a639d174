"""WordPress's categories and tags as our sections and tags.

Our sections nest one level: a category's first two levels become a section and its
subsection, deeper ones become tags. The category tree is kept in memory (it is small) to
know each category's depth.
"""

from django.db.models import Q
from django.utils.text import slugify

from articles.models import Section, Tag


class Taxonomy:
    def __init__(self):
        self.categories = {}  # slug → (name, parent slug)

    def add_category(self, slug, name, parent=""):
        self.categories[slug] = (name, parent)

    def trail(self, slug):
        """A category's ancestors and itself, from the top (cycles cut)."""
        trail, seen = [], set()
        while slug and slug not in seen:
            seen.add(slug)
            trail.insert(0, slug)
            slug = self.categories.get(slug, ("", ""))[1]
        return trail

    def section_for(self, trail):
        parent, created = None, False
        for slug in trail[:2]:
            name = self.categories.get(slug, (slug, ""))[0] or slug
            section = Section.objects.filter(slug=slugify(slug)[:80] or "section").first()
            if section is None:
                section = Section.objects.create(
                    name=name[:80], slug=unique_slug(Section, slug, 80), parent=parent
                )
                created = True
            parent = section
        return parent, created

    def tag_for(self, slug, name):
        name = " ".join((name or slug).split())[:60]
        if not name:
            return None, False
        slug = slugify(slug)[:60] or slugify(name)[:60] or "tag"
        tag = Tag.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
        if tag is not None:
            return tag, False
        return Tag.objects.create(name=name, slug=unique_slug(Tag, slug, 60)), True

    def section_of(self, wxr):
        categories = [slug for taxonomy, slug, _name in wxr.terms if taxonomy == "category"]
        for slug, name in ((s, n) for t, s, n in wxr.terms if t == "category"):
            self.categories.setdefault(slug, (name, ""))
        if not categories:
            self.categories.setdefault("uncategorized", ("Uncategorized", ""))
            categories = ["uncategorized"]
        section, _created = self.section_for(self.trail(categories[0]))
        return section

    def tags_of(self, wxr):
        """The post's tags, its categories below the second level, and its other categories."""
        tags, first_category = [], True
        for taxonomy, slug, name in wxr.terms:
            if taxonomy == "category":
                trail, first = self.trail(slug), first_category
                first_category = False
                if first and len(trail) <= 2:
                    continue  # the article's section
                slug, name = trail[-1], self.categories.get(trail[-1], (name, ""))[0] or name
            tag, _created = self.tag_for(slug, name)
            if tag is not None:
                tags.append(tag)
        return tags


def unique_slug(model, text, length):
    base = (slugify(text, allow_unicode=False) or "item")[:length].strip("-") or "item"
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base[: length - len(str(n)) - 1]}-{n}"
    return slug
