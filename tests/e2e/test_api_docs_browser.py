"""The API docs render in a browser with every request outside the service refused."""

import pytest
from playwright.sync_api import Page, Route

pytestmark = pytest.mark.django_db(transaction=True)


def offline(page: Page, live_server) -> list[str]:
    """Refuse every request that leaves the service; return the refused URLs."""
    refused: list[str] = []

    def route(request: Route) -> None:
        if request.request.url.startswith(live_server.url):
            request.continue_()
        else:
            refused.append(request.request.url)
            request.abort()

    page.route("**/*", route)
    return refused


def test_swagger_ui_renders_every_endpoint_offline(page: Page, live_server):
    refused = offline(page, live_server)

    page.goto("/api/docs/")

    page.locator(".opblock-summary-path", has_text="/api/search/").first.wait_for()
    assert refused == []


def test_redoc_renders_offline(page: Page, live_server):
    refused = offline(page, live_server)

    page.goto("/api/redoc/")

    page.get_by_role("heading", name="Dizin API").first.wait_for()
    # ReDoc's "API docs by Redocly" badge is an image its script fetches; refused, it is blank.
    assert [url for url in refused if not url.endswith("logo-mini.svg")] == []
