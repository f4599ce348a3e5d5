"""Browser fixtures: a real `filmstack serve` subprocess and headless Chromium driven by Playwright.

Debian's chromium is used (Playwright's own browser download cannot work offline). Without it
the browser tests skip, unless FILMSTACK_REQUIRE_BROWSER=1 (set by CI) makes that a failure.
"""

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ServeProcess

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _unavailable(reason: str) -> None:
    if os.environ.get("FILMSTACK_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason}, and FILMSTACK_REQUIRE_BROWSER=1 requires the browser tests to run")
    pytest.skip(f"{reason}: install Debian's chromium package to run the browser tests")


@dataclass
class Served:
    """A running `filmstack serve` and its bootstrap admin key."""

    url: str
    key: str

    def client(self, key: str | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"X-API-KEY": key or self.key}, timeout=30)

    def create(self, name: str, substrate: str, layers: list[dict[str, Any]]) -> int:
        """Create a material through the API; return its id."""
        with self.client() as api:
            response = api.post(
                "/target-materials/",
                json={"sample": {"sample_name": name, "substrate": substrate}, "layers": layers},
            )
        response.raise_for_status()
        sample_id: int = response.json()["sample_id"]
        return sample_id

    def material(self, sample_id: int) -> httpx.Response:
        with self.client() as api:
            return api.get(f"/target-materials/{sample_id}")


@contextmanager
def serve(data: Path) -> Iterator[Served]:
    """`filmstack serve` on a free port over an empty data directory; stopped on exit."""
    env = {**os.environ, "FILMSTACK_DATA_DIR": str(data)}
    env.pop("FILMSTACK_DATABASE_URL", None)
    running = ServeProcess(env, data / "serve.log")
    try:
        key = running.read_key()
        assert key, "filmstack serve printed no admin key on an empty database"
        yield Served(running.url, key)
    finally:
        running.stop()


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """One server for the browser tests; each test names its materials with its own tag."""
    with serve(tmp_path_factory.mktemp("serve-data")) as running:
        yield running


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


# Text that only a bug puts on screen: a value that was missing or not turned into words.
STRAY_TEXT = r"\b(?:null|undefined|NaN)\b|\[object Object\]"

# Runs in every page of a context made by new_context(): whenever filmstack's page changes, its
# visible text (innerText leaves out hidden elements) is searched for STRAY_TEXT, and each find is
# kept with the route it was seen on, for assert_no_stray_text.
_STRAY_TEXT_WATCH = """
(() => {
  if (window.location.pathname !== "/") return;
  const stray = new RegExp(STRAY_TEXT, "g");
  window.__strayText = [];
  const look = () => {
    if (!document.body) return;
    for (const match of document.body.innerText.match(stray) || []) {
      const seen = `${match} on ${window.location.hash || "/"}`;
      if (!window.__strayText.includes(seen)) window.__strayText.push(seen);
    }
  };
  const watch = () => {
    new MutationObserver(look).observe(document.documentElement, {
      subtree: true, childList: true, characterData: true, attributes: true,
    });
    look();
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
})();
""".replace("STRAY_TEXT", json.dumps(STRAY_TEXT))


def new_context(browser: Any, served: Served, **options: Any) -> Any:
    """A fresh browser context (no storage, no cookies) that watches for stray text."""
    context = browser.new_context(base_url=served.url, **{"viewport": DESKTOP, **options})
    context.set_default_timeout(10_000)
    context.add_init_script(_STRAY_TEXT_WATCH)
    return context


def assert_no_stray_text(page: Any) -> None:
    """No view this page showed rendered `null`, `undefined`, `NaN` or `[object Object]`."""
    if page.is_closed() or not page.url.startswith("http"):
        return
    seen: list[str] = page.evaluate("window.__strayText || []")
    assert not seen, f"the page showed stray text: {seen}"


@pytest.fixture
def page(browser: Any, served: Served) -> Iterator[Any]:
    """A fresh context at desktop size; fails on any JS error or stray text in any view shown."""
    context = new_context(browser, served)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    yield tab
    try:
        for each in context.pages:
            assert_no_stray_text(each)
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def tag() -> str:
    """A word unique to one test, to name its materials and search for them alone."""
    return "t" + uuid.uuid4().hex[:8]


def sign_in(page: Any, key: str, hash_: str = "#/materials") -> None:
    page.goto(f"/{hash_}")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Sign out").wait_for()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path


__all__ = [
    "DESKTOP",
    "PHONE",
    "Served",
    "assert_no_stray_text",
    "new_context",
    "screenshot",
    "serve",
    "sign_in",
]
