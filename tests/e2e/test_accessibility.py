"""axe-core finds no WCAG 2.2 AA violations on the reader pages of the demo site."""

import pytest

PAGES = {
    "home": lambda article: "/",
    "article": lambda article: article.get_absolute_url(),
    "section": lambda article: article.section.get_absolute_url(),
    "author": lambda article: article.authors.get().get_absolute_url(),
}


@pytest.mark.parametrize("name", PAGES)
def test_reader_page_has_no_wcag_22_aa_violations(name, page, live_server, seeded, axe_violations):
    response = page.goto(f"{live_server.url}{PAGES[name](seeded)}")
    assert response.status == 200
    assert axe_violations(page) == []
