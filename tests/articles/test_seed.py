import io
import re

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from PIL import Image

from articles.management.commands.seed import read_article
from articles.models import FAQ, Article, ArticleNote, Author, Byline, RelatedPick, Section, Tag
from articles.roles import MODERATOR, REPORTER, SENIOR_EDITOR

pytestmark = pytest.mark.django_db

SEEDS = django_settings.BASE_DIR / "seeds"
REFERENCE = "heat-resilience-plan-cooler-blocks"
DEMO_LOGINS = [
    ("editor", "editor-demo-2026", SENIOR_EDITOR),
    ("reporter", "reporter-demo-2026", REPORTER),
    ("moderator", "moderator-demo-2026", MODERATOR),
    ("privacy", "privacy-demo-2026", "Data protection"),
]


def seed(*args):
    out = io.StringIO()
    call_command("seed", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    """One media folder for the module: pictures are drawn once, then reused like a second run."""
    return tmp_path_factory.mktemp("media")


@pytest.fixture
def shared_media(settings, pictures):
    settings.MEDIA_ROOT = pictures


@pytest.fixture
def seeded(settings, shared_media):
    settings.DEBUG = True
    return seed()


@pytest.fixture
def reference(seeded):
    return Article.objects.get(slug=REFERENCE)


def snapshot():
    models = [Section, Author, Tag, Article, Byline, RelatedPick, FAQ, ArticleNote,
              get_user_model()]  # fmt: skip
    counts = {model.__name__: model.objects.count() for model in models}
    rows = list(Article.objects.values_list("pk", "status", "published_at", "modified_at", "image"))
    faqs = list(FAQ.objects.values_list("pk", "question", "position"))
    return counts, rows, faqs


def test_seeding_twice_changes_nothing_and_creates_no_duplicates(seeded):
    before = snapshot()

    output = seed()

    assert snapshot() == before
    assert "Nothing changed" in output


def test_a_second_run_reuses_the_pictures_it_drew():
    assert "pictures: 21 drawn" in seed()

    assert "drawn" not in seed()


def test_reference_article_shows_all_four_callout_kinds(reference):
    for kind in ("takeaway", "didyouknow", "expert", "tip"):
        assert f'class="callout callout-{kind}"' in reference.body_html
    assert "<cite>Dr. Amara Nwosu</cite>" in reference.body_html


def test_reference_article_has_several_section_headings(reference):
    assert len(re.findall(r"<h2>[^<]+</h2>", reference.body_html)) >= 4


def test_reference_article_is_bylined_by_a_senior_news_editor(reference):
    assert [author.job_title for author in reference.authors.all()] == ["Senior News Editor"]


def test_reference_article_is_published_with_a_closing_question_and_an_update(reference):
    assert reference.is_published()
    assert reference.closing_question.endswith("will read them.")
    assert reference.was_updated()


def test_reference_article_carries_a_published_correction_dated_after_it(reference):
    note = ArticleNote.objects.get(article=reference)
    assert (note.kind, note.status) == (ArticleNote.Kind.CORRECTION, ArticleNote.Status.PUBLISHED)
    assert "<strong>five</strong>" in note.body_html
    assert note.published_at > reference.published_at
    assert reference.updated_at >= note.published_at


def test_reference_article_faqs_keep_the_order_of_the_file(reference):
    expected = [faq["question"] for faq in read_article(SEEDS / f"articles/{REFERENCE}.md")["faqs"]]

    assert 4 <= len(expected) <= 6
    assert [faq.question for faq in reference.faqs.all()] == expected
    assert all(faq.answer_html.startswith("<p>") for faq in reference.faqs.all())


def test_reference_article_has_three_published_editor_picks_in_order(reference):
    picks = [pick.related for pick in reference.picks.select_related("related")]

    assert [article.slug for article in picks] == [
        "cool-roofs-study-rooftop-temperatures",
        "summer-outlook-dry-spell",
        "splash-pads-reopen-early",
    ]
    assert all(article.is_published() for article in picks)


def test_demo_site_has_enough_articles_sections_and_authors(seeded):
    assert Article.objects.count() >= 15
    assert Section.objects.filter(parent=None).count() >= 4
    assert Section.objects.exclude(parent=None).exists()
    assert Author.objects.count() >= 4
    assert Article.objects.filter(bylines__position=1).exists()


def test_bylines_follow_the_order_of_the_file(seeded):
    article = Article.objects.get(slug="council-passes-budget-parks-pools")

    assert [a.slug for a in article.authors.order_by("bylines__position")] == [
        "theo-lindqvist",
        "marisol-vance",
    ]


def test_demo_articles_cover_every_state_an_editor_sees(seeded):
    scheduled = Article.objects.get(slug="school-board-candidates-forum")

    assert scheduled.is_scheduled()
    assert scheduled not in Article.objects.published()
    assert Article.objects.filter(status=Article.Status.DRAFT).exists()
    assert Article.objects.filter(status=Article.Status.IN_REVIEW).exists()


def test_every_published_article_has_a_small_illustration_with_alt_text(seeded):
    for article in Article.objects.filter(status=Article.Status.PUBLISHED):
        assert article.image_alt.startswith("Abstract illustration")
        assert article.image.size < 80_000
        with Image.open(article.image.path) as picture:
            assert (picture.format, picture.size) == ("JPEG", (1200, 675))


def test_every_author_has_a_portrait(seeded):
    for author in Author.objects.all():
        with Image.open(author.photo.path) as picture:
            assert picture.size == (400, 400)


@pytest.mark.parametrize(("username", "password", "group"), DEMO_LOGINS)
def test_demo_logins_are_staff_in_their_role_group_and_can_log_in(
    seeded, client, username, password, group
):
    user = get_user_model().objects.get(username=username)

    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [group]
    # Through the log-in form, as a person would (and as the throttling needs: a request).
    response = client.post("/admin/login/", {"username": username, "password": password})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert password in seeded


def test_demo_editor_and_reporter_are_linked_to_their_bylines(seeded):
    assert Author.objects.get(user__username="editor").job_title == "Senior News Editor"
    assert Author.objects.get(user__username="reporter").articles.exists()


def test_demo_logins_are_not_created_when_debug_is_off(settings, shared_media):
    settings.DEBUG = False

    output = seed()

    assert not get_user_model().objects.exists()
    assert "--force" in output
    assert Article.objects.count() >= 15


def test_force_creates_demo_logins_when_debug_is_off(settings, shared_media):
    settings.DEBUG = False

    seed("--force")

    usernames = get_user_model().objects.values_list("username", flat=True)
    assert sorted(usernames) == ["editor", "moderator", "privacy", "reporter"]


def test_seeding_keeps_the_permissions_of_the_moderator_group(settings, shared_media):
    settings.DEBUG = True
    moderators, _created = Group.objects.get_or_create(name=MODERATOR)
    moderators.permissions.add(Permission.objects.get(codename="view_article"))

    seed()

    assert moderators.permissions.filter(codename="view_article").exists()


def test_a_plain_run_keeps_editors_changes_to_demo_articles(seeded):
    article = Article.objects.get(slug="urban-bee-survey")
    article.unpublish()
    article.title = "Edited by an editor"
    article.save()

    seed()

    article.refresh_from_db()
    assert article.title == "Edited by an editor"
    assert not article.is_published()


def test_refresh_puts_an_unpublished_demo_article_back_through_the_verbs(seeded):
    article = Article.objects.get(slug="urban-bee-survey")
    article.unpublish()

    seed("--refresh")

    article.refresh_from_db()
    assert article.is_published()


def test_refresh_restores_an_edited_faq_in_place(reference):
    faq = reference.faqs.first()
    original = faq.answer
    faq.answer = "Changed by hand."
    faq.save()

    seed("--refresh")

    faq.refresh_from_db()
    assert faq.answer == original
    assert faq.position == 0


def test_seed_files_are_original_text_without_placeholders():
    files = [*SEEDS.glob("*.toml"), *SEEDS.glob("articles/*.md")]

    assert len(files) >= 16
    for path in files:
        text = path.read_text(encoding="utf-8").lower()
        assert "lorem ipsum" not in text, path.name
        assert "todo" not in text, path.name


def test_the_data_protection_login_can_export_and_erase_and_the_moderator_cannot(seeded, client):
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    client.force_login(users.get(username="privacy"))
    assert "erase_commenters_and_text" in client.get("/admin/comments/comment/").content.decode()
    client.force_login(users.get(username="moderator"))
    assert (
        "erase_commenters_and_text" not in client.get("/admin/comments/comment/").content.decode()
    )


def test_the_demo_logins_can_be_printed_on_their_own_last(seeded):
    out = seed("--logins")

    assert out.splitlines()[0].startswith("Demo logins for the admin at")
    assert "privacy" in out and "Demo content ready" not in out
