import datetime

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from articles.models import FAQ, Article, ArticleNote, Author, Byline, RelatedPick, Section, Tag


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Writer Number{n}")
    slug = factory.Sequence(lambda n: f"writer-{n}")
    job_title = "Staff Reporter"


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.Sequence(lambda n: f"section-{n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    name = factory.Sequence(lambda n: f"Tag {n}")
    slug = factory.Sequence(lambda n: f"tag-{n}")


class ArticleFactory(factory.django.DjangoModelFactory):
    """A published article by one author; use ``draft=True`` for an unpublished one."""

    class Meta:
        model = Article
        skip_postgeneration_save = True

    class Params:
        draft = factory.Trait(status=Article.Status.DRAFT, published_at=None)

    title = factory.Sequence(lambda n: f"Council votes on budget item {n}")
    slug = factory.Sequence(lambda n: f"story-{n}")
    dek = "What the decision means for residents."
    body = "First paragraph of the story.\n\n## What happens next\n\nSecond paragraph."
    section = factory.SubFactory(SectionFactory)
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - datetime.timedelta(hours=1))

    @factory.post_generation
    def authors(article, create, extracted, **kwargs):
        if not create:
            return
        for position, author in enumerate(extracted or [AuthorFactory()]):
            Byline.objects.create(article=article, author=author, position=position)

    @factory.post_generation
    def tags(article, create, extracted, **kwargs):
        if create and extracted:
            article.tags.set(extracted)


class FAQFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FAQ

    article = factory.SubFactory(ArticleFactory)
    question = factory.Sequence(lambda n: f"Question number {n}?")
    answer = "An answer with **emphasis**."
    position = factory.Sequence(int)


class RelatedPickFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RelatedPick

    article = factory.SubFactory(ArticleFactory)
    related = factory.SubFactory(ArticleFactory)


class ArticleNoteFactory(factory.django.DjangoModelFactory):
    """A proposed correction; ``published=True`` for one an editor has published now."""

    class Meta:
        model = ArticleNote
        skip_postgeneration_save = True

    article = factory.SubFactory(ArticleFactory)
    kind = ArticleNote.Kind.CORRECTION
    body = "An earlier version of this article gave the wrong date for the vote."

    @factory.post_generation
    def published(note, create, extracted, **kwargs):
        if create and extracted:
            note.publish(by=None)
