"""Signing in on the page: a pasted key kept for the tab only, refused keys, signing out."""

from typing import Any

import httpx
import pytest

from tests.web.conftest import Served, sign_in

pytestmark = pytest.mark.browser


def stored_key(page: Any) -> str | None:
    value: str | None = page.evaluate("sessionStorage.getItem('filmstack.apiKey')")
    return value


def test_a_wrong_key_is_refused_and_nothing_is_kept(page: Any) -> None:
    page.goto("/")
    page.get_by_label("API key").fill("fs_not-a-real-key")
    page.get_by_role("button", name="Sign in").click()
    error = page.locator(".field-error")
    error.wait_for()
    assert "not accepted" in error.inner_text()
    assert page.get_by_label("API key").get_attribute("aria-invalid") == "true"
    assert stored_key(page) is None
    assert page.get_by_role("button", name="Sign out").is_hidden()


def test_an_empty_key_is_asked_for(page: Any) -> None:
    page.goto("/")
    page.get_by_role("button", name="Sign in").click()
    assert "Paste your API key" in page.locator(".field-error").inner_text()


def test_the_key_lives_in_session_storage_only(page: Any, served: Served) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, served.key)
    page.get_by_role("heading", name="Target materials").wait_for()
    assert stored_key(page) == served.key
    assert page.evaluate("document.cookie") == ""
    assert page.context.cookies() == []
    assert page.evaluate("Object.keys(localStorage).length") == 0
    assert served.key not in page.url
    assert requests and not any(served.key in url for url in requests)


def test_the_key_is_sent_in_the_header(page: Any, served: Served) -> None:
    headers: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: headers.append(r.headers) if "/target-materials/" in r.url else None,
    )
    sign_in(page, served.key)
    page.locator("section.results[aria-busy=false]").wait_for()
    assert headers and all(h.get("x-api-key") == served.key for h in headers)


def test_sign_out_forgets_the_key(page: Any, served: Served) -> None:
    sign_in(page, served.key)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("API key").wait_for()
    assert stored_key(page) is None
    assert "signed out" in page.locator(".notice").inner_text()
    page.reload()
    page.get_by_label("API key").wait_for()
    assert page.get_by_role("button", name="Sign out").is_hidden()


def test_a_new_tab_does_not_share_the_key(page: Any, served: Served) -> None:
    sign_in(page, served.key)
    other = page.context.new_page()
    other.goto("/")
    other.get_by_label("API key").wait_for()
    other.close()


def test_after_signing_in_the_page_goes_where_it_was_asked(page: Any, served: Served) -> None:
    sign_in(page, served.key, "#/new")
    page.get_by_role("heading", name="New target material").wait_for()


def test_a_revoked_key_sends_the_user_back_to_sign_in(page: Any, served: Served) -> None:
    with served.client() as admin:
        made = admin.post("/api-keys/", json={"user": "carol", "scopes": ["read"]})
        assert made.status_code == 200, made.text
        key, key_id = made.json()["key"], made.json()["id"]
        sign_in(page, key)
        assert admin.delete(f"/api-keys/{key_id}").status_code == 204
    page.get_by_role("link", name="New material").first.click()
    page.get_by_role("link", name="Materials", exact=True).click()
    page.get_by_label("API key").wait_for()
    assert "no longer accepted" in page.locator(".notice").inner_text()
    assert stored_key(page) is None
    assert httpx.get(f"{served.url}/healthz").status_code == 200


def test_the_sign_in_page_shows_no_stray_null(page: Any) -> None:
    page.goto("/")
    page.get_by_label("API key").wait_for()
    text = page.locator("main").inner_text()
    assert text.startswith("Sign in to filmstack")
    assert "null" not in text.split()
