"""Headless Chromium (Debian's, never a downloaded one) driving the live admin through Playwright.

Playwright's sync API keeps an asyncio loop running on the main thread while a browser is open,
and Django refuses ORM calls from a thread with a running loop; the loop only runs between our
calls, never beside them, so DJANGO_ALLOW_ASYNC_UNSAFE is set for as long as the browser lives.
The browser lives for this package only, so no other test runs beside that loop.

Screenshots go to each test's tmp_path; with DIZIN_SCREENSHOTS=1 they go to bench/results/.
"""

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth.models import Permission, User

from tests.environment import IN_CI

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Debian's package; DIZIN_CHROMIUM names another build of the same (never a downloaded one).
CHROMIUM = Path(os.environ.get("DIZIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "correct horse battery staple"
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"


@pytest.fixture(scope="package")
def browser() -> Iterator["Browser"]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium chromium-driver)"
        if IN_CI:
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser: "Browser", live_server) -> Iterator["Page"]:
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    if os.environ.get("DIZIN_SCREENSHOTS") == "1":
        RESULTS.mkdir(parents=True, exist_ok=True)
        return RESULTS
    return tmp_path


@pytest.fixture
def superuser() -> User:
    return User.objects.create_superuser("root", "root@example.com", PASSWORD)


@pytest.fixture
def editor() -> User:
    """Staff with every FileIndex permission, which still must not allow a hard delete."""
    user = User.objects.create_user("editor", password=PASSWORD, is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(codename__endswith="_fileindex"))
    return user
