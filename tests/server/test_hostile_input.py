"""Issue classes 1-5 and 7, each as a class: nothing a client sends becomes a 5xx or plain text.

Every request goes over real HTTP to a real server, on SQLite and on PostgreSQL.
"""

import json
import logging
import re
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from filmstack.server.db import Database
from tests.conftest import Backend, Keys, ServerThread, make_settings

GOOD = {"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": [{"layer_id": 1}]}
JSON = {"content-type": "application/json"}


def raw(api: httpx.Client, method: str, path: str, body: str | bytes, **headers: str):  # type: ignore[no-untyped-def]
    content = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    return api.request(method, path, content=content, headers=headers or JSON)


def count(api: httpx.Client) -> int:
    return len(api.get("/target-materials/").json())


def assert_json_4xx(response: httpx.Response, status: int | None = None) -> dict:  # type: ignore[type-arg]
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    if status is not None:
        assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["x-request-id"]
    body: dict = response.json()  # type: ignore[type-arg]
    assert "detail" in body
    return body


# ----------------------------------------------------------------- 1. safe echoes, 415


@pytest.mark.parametrize(
    "body",
    [
        '{"sample": {"sample_name": NaN, "substrate": "Si"}}',
        '{"sample": {"sample_name": "x", "substrate": Infinity}}',
        '{"sample": {"sample_name": "x"}, "layers": [{"layer_id": 1, "thickness_nm": 1e309}]}',
        '{"sample": 1e309}',
        '{"sample": {"sample_name": -Infinity}}',
        '{"sample": {"sample_name": "\\ud800", "substrate": "Si"}}',
        '{"sample": {"sample_name": "ok", "substrate": "Si", "sample_metadata": {"\\udfff": 1}}}',
        '{"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": [{"layer_id": NaN}]}',
        '{"sample": {"sample_name": "' + "\\ud83d" * 5000 + '"}}',
        "[" * 5000 + "]" * 5000,
        '{"sample": {"sample_name": "ok", "substrate": "Si"}, "layers": [{"layer_id": '
        + "9" * 5000
        + "}]}",
    ],
)
def test_rejected_bodies_echo_safely(api: httpx.Client, body: str) -> None:
    problems = assert_json_4xx(raw(api, "POST", "/target-materials/", body), 422)["detail"]
    assert all(p["loc"][0] == "body" for p in problems)
    assert len(json.dumps(problems)) < 20_000  # shortened, not the whole input again
    assert count(api) == 0


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/target-materials/", '{"sample": {"sample_name": NaN}}'),
        ("PATCH", "/target-materials/{mid}", '{"sample_name": "\\ud800"}'),
        ("POST", "/target-materials/parse", '{"prompt": NaN}'),
        ("POST", "/physical_samples/", '{"name": "\\udc00"}'),
        ("POST", "/target-materials/layers/", '{"sample_id": Infinity, "layer_id": 1}'),
    ],
)
def test_every_endpoint_echoes_nan_and_surrogates_safely(
    api: httpx.Client, method: str, path: str, body: str
) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    assert_json_4xx(raw(api, method, path.replace("{mid}", str(mid)), body), 422)


@pytest.mark.parametrize(
    "content_type", ["", "application/x-www-form-urlencoded", "text/plain", "text/json"]
)
def test_a_body_not_declared_json_is_415(api: httpx.Client, content_type: str) -> None:
    headers = {"content-type": content_type} if content_type else {}
    body = json.dumps(GOOD).encode()
    response = api.post("/target-materials/", content=body, headers=headers)
    assert_json_4xx(response, 415)
    short = api.post("/target-materials/", content=b"sample=1", headers=headers)  # curl -d
    assert_json_4xx(short, 415)
    assert count(api) == 0


def test_json_suffix_types_are_json(api: httpx.Client) -> None:
    response = raw(
        api,
        "POST",
        "/target-materials/",
        json.dumps(GOOD),
        **{"content-type": "application/vnd.filmstack+json; charset=utf-8"},
    )
    assert response.status_code == 200, response.text


def test_endpoints_without_a_body_ignore_a_stray_content_type(api: httpx.Client) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    assert api.get("/target-materials/", headers={"content-type": "text/plain"}).status_code == 200
    gone = api.delete(f"/target-materials/{mid}", headers={"content-type": "text/plain"})
    assert gone.status_code == 204


def test_messages_are_in_plain_words(api: httpx.Client) -> None:
    body = {"sample": {"sample_name": "", "substrate": "Si"}}
    problems = assert_json_4xx(api.post("/target-materials/", json=body), 422)["detail"]
    assert problems[0]["loc"] == ["body", "sample", "sample_name"]
    assert problems[0]["msg"] == "must not be empty"
    missing = assert_json_4xx(api.post("/target-materials/", json={}), 422)["detail"]
    assert missing[0]["msg"] == "is required"
    long = {"sample": {"sample_name": "x" * 300, "substrate": "Si"}}
    assert (
        "at most 255 characters"
        in api.post("/target-materials/", json=long).json()["detail"][0]["msg"]
    )


# --------------------------------------------------------- 2, 3. bounded, strict path ids

BAD_IDS = ["1_0", "1.0", "+1", "00001", "01", " 1", "1 ", "１", "-1", "1e1", "0x1", "٣"]


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_path_id_is_plain_digits_or_not_an_id(api: httpx.Client, bad: str) -> None:
    first = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    for _ in range(12):  # make a material 10 to catch `1_0`
        api.post("/target-materials/", json=GOOD)
    before = api.get("/target-materials/").json()
    for method, path, body in [
        ("GET", f"/target-materials/{bad}", None),
        ("PATCH", f"/target-materials/{bad}", {"sample_name": "hijacked"}),
        ("DELETE", f"/target-materials/{bad}", None),
        ("GET", f"/target-materials/{bad}/layers", None),
        ("POST", f"/target-materials/{bad}/layers", []),
        ("DELETE", f"/target-materials/{bad}/layers/1", None),
        ("DELETE", f"/target-materials/{first}/layers/{bad}", None),
        ("GET", f"/target-materials/{bad}/stack.svg", None),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code in (404, 422), (method, path, response.text)
        assert response.headers["content-type"].startswith("application/json")
    assert api.get("/target-materials/").json() == before


@pytest.mark.parametrize("big", [2**31, 2**31 + 1, 2**32, 2**63 - 1, 2**63, 2**64, 10**30])
def test_ids_past_32_bits_are_404_everywhere(
    api: httpx.Client, server: ServerThread, keys: Keys, big: int
) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    for method, path, body in [
        ("GET", f"/target-materials/{big}", None),
        ("PATCH", f"/target-materials/{big}", {"sample_name": "x"}),
        ("DELETE", f"/target-materials/{big}", None),
        ("GET", f"/target-materials/{big}/layers", None),
        ("POST", f"/target-materials/{big}/layers", []),
        ("GET", f"/target-materials/{big}/stack.svg", None),
        ("DELETE", f"/target-materials/{mid}/layers/{big}", None),
    ]:
        response = api.request(method, path, json=body)
        assert response.status_code == 404, (method, path, response.text)
    admin = {"X-API-KEY": keys.admin}
    assert httpx.delete(f"{server.url}/api-keys/{big}", headers=admin).status_code == 404
    if big <= 2**63 - 1:
        layer = {"sample_id": big, "layer_id": 1}
        assert api.post("/target-materials/layers/", json=layer).status_code == 404
        link = {"target_material_id": big}
        sample = api.post("/physical_samples/", json={"name": "s"}).json()["id"]
        response = api.patch(f"/physical_samples/{sample}/target_material", json=link)
        assert response.status_code == 404
        made = api.post("/physical_samples/", json={"name": "t", "sample_id": big})
        assert made.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sample_id": 2**63, "layer_id": 1}, "sample_id"),
        ({"sample_id": 1, "layer_id": 2**31}, "layer_id"),
        ({"sample_id": 1, "layer_id": 1, "space_group": 10**400}, "space_group"),
        ({"sample_id": 1, "layer_id": 1, "element_dict": {"Ba": 10**400}}, "element_dict"),
        ({"sample_id": 1, "layer_id": 1, "element_dict": {"Ba": 10**30}}, "element_dict"),
        ({"sample_id": 1, "layer_id": 1, "thickness_nm": 10**400}, "thickness_nm"),
    ],
)
def test_body_integers_are_bounded_at_the_edge(
    api: httpx.Client,
    body: dict,
    field: str,  # type: ignore[type-arg]
) -> None:
    mid = api.post("/target-materials/", json=GOOD).json()["sample_id"]
    body = {**body, "sample_id": mid if body["sample_id"] == 1 else body["sample_id"]}
    problems = assert_json_4xx(api.post("/target-materials/layers/", json=body), 422)["detail"]
    assert any(field in p["loc"] for p in problems), problems
    assert len(api.get(f"/target-materials/{mid}/layers").json()) == 1


# ------------------------------------------------------------------- 4. query text


@pytest.mark.parametrize("param", ["name", "substrate", "element", "cursor", "limit", "other"])
@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\x01", "tab\there", "\x7f"])
def test_query_text_is_checked_like_body_text(api: httpx.Client, param: str, bad: str) -> None:
    api.post("/target-materials/", json=GOOD)
    for extra in ({}, {"limit": "10"}):  # streamed and paged listings alike
        response = api.get("/target-materials/", params={**extra, param: bad})
        problems = assert_json_4xx(response, 422)["detail"]
        assert problems[0]["loc"] == ["query", param]


def test_a_nul_in_a_query_never_matches_everything(api: httpx.Client) -> None:
    api.post("/target-materials/", json=GOOD)
    assert api.get("/target-materials/", params={"name": "zzz"}).json() == []
    assert api.get("/target-materials/", params={"name": "\x00"}).status_code == 422


# ---------------------------------------------------------------- 5. plausible ranges


@pytest.mark.parametrize("thickness", [5e-324, 1e-300, 1e-7, 0.0, -1.0, 1e8, 1.7e308])
def test_implausible_thickness_is_422(api: httpx.Client, thickness: float) -> None:
    body = {**GOOD, "layers": [{"layer_id": 1, "thickness_nm": thickness}]}
    problems = assert_json_4xx(api.post("/target-materials/", json=body), 422)["detail"]
    assert problems[0]["loc"] == ["body", "layers", 0, "thickness_nm"]
    assert count(api) == 0


@pytest.mark.parametrize("thickness", [1e-6, 0.39, 20, 1e7])
def test_plausible_thickness_is_stored_and_drawn(api: httpx.Client, thickness: float) -> None:
    body = {**GOOD, "layers": [{"layer_id": 1, "thickness_nm": thickness}]}
    mid = api.post("/target-materials/", json=body).json()["sample_id"]
    assert api.get(f"/target-materials/{mid}").json()["layers"][0]["thickness_nm"] == thickness
    svg = api.get(f"/target-materials/{mid}/stack.svg").text
    assert not re.search(r'="-?(inf|nan)', svg, re.IGNORECASE), svg


@pytest.mark.parametrize("amount", [0, -1, 1000.5, 10**4, 1e308])
def test_element_dict_amounts_follow_chemistry(api: httpx.Client, amount: float) -> None:
    body = {**GOOD, "layers": [{"layer_id": 1, "element_dict": {"Ba": amount}}]}
    problems = assert_json_4xx(api.post("/target-materials/", json=body), 422)["detail"]
    assert "element_dict" in problems[0]["loc"]


# ------------------------------------------------------- 7. request ids, JSON 500, log


def test_every_response_carries_a_request_id(server: ServerThread, api: httpx.Client) -> None:
    responses = [
        api.get("/target-materials/"),
        api.get("/target-materials/999"),
        httpx.get(f"{server.url}/target-materials/"),
        httpx.get(f"{server.url}/healthz"),
        httpx.get(f"{server.url}/"),
        httpx.get(f"{server.url}/static/app.css"),
        httpx.get(f"{server.url}/no/such/path"),
    ]
    ids = [r.headers["x-request-id"] for r in responses]
    assert all(ids) and len(set(ids)) == len(ids)
    mine = api.get("/target-materials/", headers={"X-Request-ID": "trace-42.a:b"})
    assert mine.headers["x-request-id"] == "trace-42.a:b"
    hostile = api.get("/target-materials/", headers={"X-Request-ID": "x" * 500})
    assert hostile.headers["x-request-id"] != "x" * 500


def test_access_log_has_one_line_per_request(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="filmstack.access"):
        response = api.get("/target-materials/424242")
        rid = response.headers["x-request-id"]
        for _ in range(100):  # the line is written once the response is sent: wait for it
            lines = [r.getMessage() for r in caplog.records if r.name == "filmstack.access"]
            mine = [line for line in lines if rid in line]
            if mine:
                break
            time.sleep(0.02)
    assert len(mine) == 1
    assert mine[0].startswith("GET /target-materials/424242 404 ") and "ms id=" in mine[0]


@pytest.fixture
def broken_server(backend: Backend, tmp_path: Path):  # type: ignore[no-untyped-def]
    """A server on a database missing a table: every listing is a bug the operator must see."""
    if backend.name == "sqlite":
        url = f"sqlite:///{tmp_path / 'broken.db'}"
        from filmstack.server.migrations import upgrade

        upgrade(url)
    else:
        url = backend.url
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS broken_probe"))
    settings = make_settings(Backend(backend.name, url), tmp_path)
    yield db, settings
    db.dispose()


def test_a_missing_table_is_a_logged_json_500_not_a_503(
    backend: Backend, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    if backend.name != "sqlite":
        pytest.skip("dropping a table of the shared PostgreSQL schema would break other tests")
    from filmstack.server.accounts.service import create_key
    from filmstack.server.migrations import upgrade

    url = f"sqlite:///{tmp_path / 'broken.db'}"
    upgrade(url)
    db = Database(url)
    with db.session(write=True) as session:
        key, _ = create_key(session, "lab", "a", ["read", "write"])
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE material_elements"))
    try:
        settings = make_settings(Backend("sqlite", url), tmp_path)
        with ServerThread(settings, db) as srv, caplog.at_level(logging.ERROR, logger="filmstack"):
            response = httpx.post(
                f"{srv.url}/target-materials/",
                json={**GOOD, "layers": [{"layer_id": 1, "composition_string": "SrTiO3"}]},
                headers={"X-API-KEY": key},
            )
    finally:
        db.dispose()
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    rid = response.headers["x-request-id"]
    assert response.json() == {"detail": "internal error", "request_id": rid}
    logged = [r for r in caplog.records if rid in r.getMessage()]
    assert logged and logged[0].exc_info is not None


def test_a_read_only_database_is_a_500_not_a_503(backend: Backend, tmp_path: Path) -> None:
    from filmstack.server.accounts.service import create_key
    from filmstack.server.migrations import upgrade

    if backend.name == "sqlite":
        path = tmp_path / "ro.db"
        upgrade(f"sqlite:///{path}")
        writable = Database(f"sqlite:///{path}")
        url = f"sqlite:///file:{path}?mode=ro&uri=true"
    else:
        writable = Database(backend.url)
        url = backend.url + "%20-cdefault_transaction_read_only%3Don"
    with writable.session(write=True) as session:
        key, _ = create_key(session, "rolab", "a", ["read", "write"])
    writable.dispose()
    db = Database(url)
    try:
        with ServerThread(make_settings(Backend(backend.name, url), tmp_path), db) as srv:
            response = httpx.post(
                f"{srv.url}/target-materials/", json=GOOD, headers={"X-API-KEY": key}
            )
            listed = httpx.get(f"{srv.url}/target-materials/", headers={"X-API-KEY": key})
    finally:
        db.dispose()
    assert response.status_code == 500, response.text
    assert response.json()["detail"] == "internal error"
    assert "retry-after" not in response.headers
    assert listed.status_code == 200
