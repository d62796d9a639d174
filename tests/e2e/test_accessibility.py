"""axe-core finds no WCAG 2.2 AA violations, of any impact, on any public page of the demo site."""

import pytest

from tests.e2e.public_pages import PUBLIC_PAGES


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_no_wcag_22_aa_violations(
    name, page, live_server, discussion, axe_violations
):
    PUBLIC_PAGES[name](page, live_server.url, discussion)
    assert axe_violations(page) == []
