"""A correction in a real browser: a senior editor writes and publishes it, a reader sees it."""

import re

from playwright.sync_api import expect

from articles.models import ArticleNote
from tests.factories import ArticleFactory

WORDING = (
    "An earlier version of this article put the ferry landing on the east bank. "
    "It is on the west bank."
)


def test_a_senior_editor_publishes_a_correction_and_a_reader_sees_it(
    page, live_server, login, senior_editor, transactional_db
):
    article = ArticleFactory(slug="ferry-landing", title="The ferry landing reopens")
    login(page, "sam")
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")

    page.get_by_role("link", name="Add a correction or update").click()
    expect(page.locator("#id_article")).to_have_value(str(article.pk))
    page.get_by_label("Kind").select_option(label="Correction")
    page.get_by_label("Note").fill(WORDING)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("was added successfully")).to_be_visible()
    note = ArticleNote.objects.get()
    assert note.status == ArticleNote.Status.PROPOSED

    page.get_by_role("checkbox", name=re.compile("Select this object")).first.check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Publish selected corrections and updates"
    )
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("1 note published.")).to_be_visible()

    reader = page.context.browser.new_context().new_page()
    reader.goto(f"{live_server.url}/articles/ferry-landing/")
    notes = reader.get_by_role("region", name="Corrections and updates")
    expect(notes).to_contain_text(WORDING)
    expect(notes.locator("time").first).to_be_visible()
    expect(reader.locator(".dateline .updated")).to_be_visible()
    reader.get_by_role("link", name="Corrections and updates").first.click()
    expect(reader).to_have_url(re.compile("#notes$"))
    reader.context.close()


def test_the_notes_admin_pages_have_no_wcag_22_aa_violations(
    page, live_server, login, senior_editor, transactional_db, axe_violations
):
    article = ArticleFactory(slug="ferry-landing", title="The ferry landing reopens")
    note = ArticleNote(article=article, body=WORDING)
    note.propose(by=senior_editor)
    note.publish(by=senior_editor)
    note.body = WORDING + " The ferry runs hourly."
    note.amend()
    login(page, "sam")
    for path in (
        "/admin/articles/articlenote/",
        "/admin/articles/articlenote/add/",
        f"/admin/articles/articlenote/{note.pk}/change/",
        f"/admin/articles/articlenote/{note.pk}/history/",
    ):
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        assert axe_violations(page) == [], path
