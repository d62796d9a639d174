"""Editors in the admin, in a real browser: a reporter's draft, a senior editor's publishing."""

import re

from playwright.sync_api import expect

from articles.models import Article, Section
from tests.factories import ArticleFactory

HEADLINE = "Ferry timetable changes after the spring floods"
SLUG = "ferry-timetable-changes-after-the-spring-floods"


def choose(page, select_id, search, option):
    """Pick ``option`` in one of the admin's autocomplete (Select2) fields."""
    page.locator(f"#{select_id} + .select2").click()
    page.locator(f'[aria-controls="select2-{select_id}-results"]').fill(search)
    page.get_by_role("option", name=option, exact=True).click()


def write_draft(page, author_name=None):
    """Fill in the open "Add article" form as a reporter would, and save it; ``author_name``
    is picked for the byline (without it, the byline is left as the form offers it)."""
    page.get_by_label("Headline").fill(HEADLINE)
    page.get_by_label("Headline").press("Tab")
    expect(page.get_by_label("Slug")).to_have_value(SLUG)  # filled in from the headline
    page.get_by_label("Body").fill(
        "The river ferry keeps its summer timetable until the landing is repaired.\n\n"
        "## What changes\n\nThe first crossing leaves at seven.\n\n"
        ":::tip\nBuy a ten-trip card: it is cheaper and never expires.\n:::"
    )
    choose(page, "id_section", "City", "News » City")
    if author_name:
        choose(page, "id_bylines-0-author", author_name.split()[0], author_name)
    page.get_by_role("button", name="Save", exact=True).click()


def test_reporter_writes_a_draft_and_is_offered_no_way_to_publish_it(
    page, live_server, login, reporter, seeded
):
    login(page, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    expect(page.get_by_label("Status").locator("option")).to_have_text(["Draft", "In review"])
    expect(page.get_by_label("Publish time")).to_have_count(0)

    write_draft(page, "Rita Reporter")

    expect(page.get_by_text("was added successfully")).to_be_visible()
    article = Article.objects.get(slug=SLUG)
    assert (article.status, article.created_by) == (Article.Status.DRAFT, reporter)
    assert list(article.authors.all()) == [reporter.author]
    actions = page.get_by_role("combobox", name="Action").locator("option")
    expect(actions).to_contain_text(["Submit selected articles for review"])
    expect(actions.filter(has_text=re.compile("Publish|Unpublish"))).to_have_count(0)


def test_a_reporters_first_draft_carries_their_byline_without_asking(
    page, live_server, login, reporter, seeded
):
    login(page, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    expect(page.locator("#id_bylines-0-author + .select2")).to_contain_text("Rita Reporter")

    write_draft(page)

    expect(page.get_by_text("was added successfully")).to_be_visible()
    assert list(Article.objects.get(slug=SLUG).authors.all()) == [reporter.author]


def test_reporter_who_forces_the_published_status_into_the_form_is_refused(
    page, live_server, login, reporter
):
    article = ArticleFactory(draft=True, title=HEADLINE, authors=[reporter.author])
    login(page, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    # Add the missing choice by hand, as a user crafting the POST would.
    page.get_by_label("Status").evaluate(
        "select => select.add(new Option('Published', 'published', true, true))"
    )
    page.get_by_role("button", name="Save", exact=True).click()

    expect(page.get_by_text("Select a valid choice")).to_be_visible()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_reporter_who_forces_the_publish_action_is_refused(page, live_server, login, reporter):
    article = ArticleFactory(draft=True, title=HEADLINE, authors=[reporter.author])
    login(page, "rita")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.get_by_role("checkbox", name=HEADLINE).check()
    page.get_by_role("combobox", name="Action").evaluate(
        "select => select.add(new Option('Publish', 'publish', true, true))"
    )
    page.get_by_role("button", name="Run").click()

    expect(page.get_by_text("No action selected")).to_be_visible()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_senior_editor_publishes_a_reporters_draft_and_readers_see_it_on_the_home_page(
    page, live_server, login, reporter, senior_editor, seeded
):
    section = Section.objects.get(slug="city")
    ArticleFactory(draft=True, title=HEADLINE, section=section, authors=[reporter.author])
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("link", name=HEADLINE)).to_have_count(0)

    login(page, "sam")
    page.goto(f"{live_server.url}/admin/articles/article/")
    page.get_by_role("link", name=HEADLINE).click()
    page.get_by_label("Status").select_option(label="Published")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=HEADLINE).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADLINE)
    assert Article.objects.get(title=HEADLINE).is_published()
