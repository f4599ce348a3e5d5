"""/docs and /redoc work with the network cut off: every operation shows and "Try it out" runs."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from tests.web.conftest import DESKTOP, Served

pytestmark = pytest.mark.browser

LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}

# Counts what the Content-Security-Policy refused, so that a blocked asset cannot go unnoticed.
_WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
"""


class Offline:
    """A browser context in which every request for a non-loopback host is aborted (and kept)."""

    def __init__(self, browser: Any, served: Served) -> None:
        self.context = browser.new_context(base_url=served.url, viewport=DESKTOP)
        self.context.set_default_timeout(20_000)
        self.context.add_init_script(_WATCH_VIOLATIONS)
        self.outside: list[str] = []
        self.requests: list[Any] = []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("request", lambda request: self.requests.append(request))

    def _route(self, route: Any) -> None:
        host = urlsplit(route.request.url).hostname or ""
        if host in LOOPBACK:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort("internetdisconnected")

    def violations(self) -> list[str]:
        found: list[str] = self.page.evaluate("window.__violations")
        return found


@pytest.fixture
def offline(browser: Any, served: Served) -> Iterator[Offline]:
    cut_off = Offline(browser, served)
    yield cut_off
    cut_off.context.close()
    assert not cut_off.errors, f"JavaScript errors on the page: {cut_off.errors}"


def operations(served: Served) -> dict[tuple[str, str], str]:
    """Every operation in /openapi.json: (method, path) -> operationId."""
    spec = httpx.get(f"{served.url}/openapi.json").json()
    found = {
        (method, path): op["operationId"]
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert len(found) >= 17
    return found


def test_swagger_ui_renders_every_operation_offline_and_try_it_out_works(
    offline: Offline, served: Served
) -> None:
    page = offline.page
    page.goto("/docs")
    expected = operations(served)
    page.locator(".opblock").nth(len(expected) - 1).wait_for()
    shown: list[list[str]] = page.eval_on_selector_all(
        ".opblock",
        """(blocks) => blocks.map((b) => [
                b.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
                b.querySelector('.opblock-summary-path').dataset.path,
            ])""",
    )
    assert {(method, path) for method, path in shown} == set(expected)

    page.locator("button.authorize").first.click()
    page.locator(".auth-container input").first.fill(served.key)
    page.locator(".auth-btn-wrapper button.authorize").click()
    page.locator(".auth-btn-wrapper button.btn-done").click()

    listing = page.locator(".opblock-get").filter(
        has=page.locator('.opblock-summary-path[data-path="/target-materials/"]')
    )
    listing.locator(".opblock-summary").click()
    listing.locator("button.try-out__btn").click()
    listing.locator("button.execute").click()
    status = listing.locator(".live-responses-table tr.response .response-col_status").first
    status.wait_for()
    assert status.inner_text().strip() == "200"
    sent = [r for r in offline.requests if urlsplit(r.url).path == "/target-materials/"]
    assert sent and sent[-1].headers.get("x-api-key") == served.key

    assert offline.outside == []
    assert offline.violations() == []


def test_redoc_renders_every_operation_offline(offline: Offline, served: Served) -> None:
    page = offline.page
    page.goto("/redoc")
    expected = operations(served)
    sections = page.locator("[data-section-id^='operation/']")
    sections.nth(len(expected) - 1).wait_for()
    shown = sections.evaluate_all("(els) => els.map((el) => el.dataset.sectionId)")
    assert sorted(shown) == sorted(f"operation/{op}" for op in expected.values())
    text = page.locator("redoc").inner_text()
    assert "/target-materials/parse" in text and "X-API-KEY" in text
    assert offline.outside == []
    # ReDoc's sidebar shows its maker's logo from a CDN; the page's policy refuses it, and
    # nothing else may be refused.
    assert all(v.startswith("img-src https://cdn.redoc.ly/") for v in offline.violations())
