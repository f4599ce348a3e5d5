"""Name search (?name=) folds case and accents alike on both engines, through their own indexes;
pages are bounded in rows as well as in materials."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import insert, select, text

from filmstack.server.db import Database
from filmstack.server.materials import listing
from filmstack.server.materials.listing import Filters, _filtered_ids
from filmstack.server.materials.models import TargetMaterial
from filmstack.server.materials.names import (
    SAMPLE_MIN,
    TRGM_INDEX,
    NameSample,
    common_trigrams,
    fold_name,
    index_parts,
    trgm_words,
)
from filmstack.server.migrations import upgrade
from tests.conftest import Backend, Keys, ServerThread, make_settings

NAMES = ["Étude on Si", "ETUDE two", "Straße 5", "run 4242", "run 42420", "50%_done", 'say "hi"']


def create(api: httpx.Client, name: str, layers: int = 1) -> int:
    body = {
        "sample": {"sample_name": name, "substrate": "Si"},
        "layers": [{"layer_id": i + 1, "composition_string": "SrTiO3"} for i in range(layers)],
    }
    response = api.post("/target-materials/", json=body)
    assert response.status_code == 200, response.text
    return int(response.json()["sample_id"])


def found(api: httpx.Client, term: str, **params: object) -> list[str]:
    """The names found, each once, over every page when paged."""
    out: list[str] = []
    cursor = None
    while True:
        extra = {"cursor": cursor} if cursor else {}
        response = api.get("/target-materials/", params={"name": term, **params, **extra})
        assert response.status_code == 200, response.text
        for row in response.json():
            if not out or out[-1] != row["sample_name"]:
                out.append(row["sample_name"])
        cursor = response.headers.get("X-Next-Cursor")
        if not cursor:
            return out


def test_fold_name_drops_case_and_accents() -> None:
    assert fold_name("Étude") == fold_name("ETUDE") == fold_name("e\u0301tude") == "etude"
    assert fold_name("Straße") == "strasse"
    assert fold_name("ﬁlm") == "film"


@pytest.mark.parametrize("paged", [False, True])
def test_accents_and_case_fold_the_same_on_both_engines(api: httpx.Client, paged: bool) -> None:
    for name in NAMES:
        create(api, name)
    extra = {"limit": 100} if paged else {}
    for term in ("étude", "ETUDE", "etude", "Étu"):
        assert found(api, term, **extra) == ["Étude on Si", "ETUDE two"], term
    assert found(api, "STRASSE", **extra) == ["Straße 5"]
    assert found(api, "straße", **extra) == ["Straße 5"]
    assert found(api, "run 4242", **extra) == ["run 4242", "run 42420"]
    assert found(api, "4242", **extra) == ["run 4242", "run 42420"]
    assert found(api, "nothing like it", **extra) == []


def test_short_terms_and_special_characters(api: httpx.Client) -> None:
    for name in NAMES:
        create(api, name)
    # One and two characters are below what a trigram index holds: still found.
    assert found(api, "é") == ["Étude on Si", "ETUDE two", "Straße 5", "50%_done"]
    assert found(api, "ÉT") == ["Étude on Si", "ETUDE two"]
    assert found(api, "5") == ["Straße 5", "50%_done"]
    assert found(api, "%_") == ["50%_done"]
    assert found(api, "0%_d") == ["50%_done"]
    assert found(api, "_") == ["50%_done"]
    assert found(api, '"hi"') == ['say "hi"']
    assert found(api, 'y "h') == ['say "hi"']


def test_renaming_and_deleting_keep_the_index_in_step(api: httpx.Client) -> None:
    first = create(api, "Alpha film")
    create(api, "Beta film")
    patch = api.patch(f"/target-materials/{first}", json={"sample_name": "Gamma Ñandú"})
    assert patch.status_code == 200, patch.text
    assert found(api, "alpha") == []
    assert found(api, "nandu") == ["Gamma Ñandú"]
    assert api.delete(f"/target-materials/{first}").status_code == 204
    assert found(api, "nandu") == []
    assert found(api, "film") == ["Beta film"]


def test_name_search_is_served_by_the_engines_index(
    backend: Backend, database: Database, keys: Keys
) -> None:
    query = _filtered_ids(Filters(organization_id=1, name="run 4242"), backend.name).limit(101)
    with database.engine.connect() as conn:
        compiled = query.compile(conn, compile_kwargs={"literal_binds": True})
        if backend.name == "sqlite":
            plan = " ".join(
                str(r[-1]) for r in conn.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            )
            assert "VIRTUAL TABLE INDEX" in plan, plan
            assert "TEMP B-TREE" not in plan, plan  # walked in rowid order, never sorted
        else:
            indexes = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": TRGM_INDEX}
            ).scalars()
            assert any("gin_trgm_ops" in d for d in indexes)
            # The folded-name filter as listing builds it: the trigram index can serve it.
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            like = "SELECT id FROM target_materials WHERE name_folded LIKE :p ESCAPE '\\'"
            explain = conn.execute(text(f"EXPLAIN {like}"), {"p": "%run 4242%"})
            plan = " ".join(r[0] for r in explain)
            assert TRGM_INDEX in plan, plan


def test_common_trigrams_are_those_of_a_quarter_of_the_names() -> None:
    names = [f"run {i}" for i in range(SAMPLE_MIN)]
    common = common_trigrams(names)
    assert {"run", "un "} <= common
    assert "n 1" not in common  # 11 of 100 names: rare enough to look up
    assert common_trigrams(names[:-1]) == frozenset()  # too few names to tell


def test_the_index_looks_up_the_term_without_its_common_trigrams() -> None:
    common = frozenset({"run", "un "})
    assert index_parts("run 4242", common) == ["n 4242"]
    assert index_parts("4242 run 77", common) == ["4242 ru", "n 77"]
    assert index_parts("xrun 7", common) == ["xru", "n 7"]
    # Nothing but common trigrams, or none at all, or too short to hold one: the whole term.
    assert index_parts("run", common) == ["run"]
    assert index_parts("run ", common) == ["run "]
    assert index_parts("batio3", common) == ["batio3"]
    assert index_parts("ab", common) == ["ab"]


def test_pg_trgm_looks_up_the_words_of_the_parts() -> None:
    # Without the blank-padded trigram of a word's start ("  4"), which many names share.
    assert trgm_words(["n 4242"]) == ["4242"]
    assert trgm_words(["4242 ru", "n 77"]) == ["4242"]
    assert trgm_words(["étude x"]) == ["étude"]
    assert trgm_words(["n 42"]) == ["n 42"]  # no word of three characters: the part itself


def test_a_term_that_sampled_names_hold_is_looked_up_whole() -> None:
    sample = NameSample([f"run {i}" for i in range(1000)])
    assert sample.index_parts("run 4242") == ["n 4242"]
    assert sample.index_parts("run 999") == ["n 999"]  # 1 name in 1000
    # Common itself, or its parts: a page of it comes early in id order, as the database's
    # own statistics know, and the parts alone would find many names the term does not.
    assert sample.index_parts("run 42") == ["run 42"]  # 11 names in 1000
    assert NameSample().index_parts("run 4242") == ["run 4242"]


@pytest.fixture
def own_engine(backend: Backend, tmp_path: Path) -> Iterator[tuple[ServerThread, Database]]:
    """A server on an engine of its own: its sample of names is taken afresh."""
    db = Database(backend.url)
    try:
        with ServerThread(make_settings(backend, tmp_path), db) as running:
            yield running, db
    finally:
        db.dispose()


def test_common_trigrams_are_left_to_the_exact_check(
    own_engine: tuple[ServerThread, Database], backend: Backend, keys: Keys
) -> None:
    """Every name holds "run": the index looks up the rest, and what it finds is checked for
    the whole term, so that the answer is what the whole term finds."""
    server, db = own_engine
    headers = {"X-API-KEY": keys.writer}
    with (
        httpx.Client(base_url=server.url, headers=headers, timeout=30) as api,
        httpx.Client(base_url=server.url, headers={"X-API-KEY": keys.other}, timeout=30) as rival,
    ):
        first = create(api, "run 5000")
        # Many more names alike, written at once (the index is kept by the same triggers):
        # "n 4242" is then in 5 names of 700, under 1 %, and rare.
        fillers = 7 * SAMPLE_MIN - 1
        table = TargetMaterial.__table__
        with db.engine.begin() as conn:
            owner = conn.execute(
                select(table.c.organization_id, table.c.user_id, table.c.version).where(
                    table.c.id == first
                )
            ).one()
            conn.execute(
                insert(table),
                [
                    {**owner._asdict(), "sample_name": f"run {5001 + i}", "substrate": "Si"}
                    for i in range(fillers)
                ],
            )
        create(api, "run 4242", layers=2)
        create(api, "Run 42420")
        create(api, "4242 run 77")
        create(api, "4242 rux n 77")  # holds every part of "4242 run 77", not the term
        create(api, "n 4242 ru")  # holds "n 4242", not "run 4242"
        trashed = create(api, "run 4242 old")
        assert api.delete(f"/target-materials/{trashed}").status_code == 204
        create(rival, "run 4242 of another lab")
        for extra in ({}, {"limit": 1}, {"limit": 100}):
            assert found(api, "run 4242", **extra) == ["run 4242", "Run 42420"]
            assert found(api, "RUN 4242", **extra) == ["run 4242", "Run 42420"]
            assert found(api, "4242 run 77", **extra) == ["4242 run 77"]
            assert found(api, "run 5099", **extra) == ["run 5099"]
            assert len(found(api, "run 50", **extra)) == 100  # common: looked up whole
            assert found(api, "run 5699", **extra) == ["run 5699"]
            # LIKE's and FTS5's own characters stay literal in a term looked up in parts.
            for term in ("run 56_9", "run 56%9", 'run "5699', "run 5699'", "run 5699 \\"):
                assert found(api, term, **extra) == [], term
        assert found(rival, "run 4242") == ["run 4242 of another lab"]
        assert found(api, "run 4242", element="Sr") == ["run 4242", "Run 42420"]
        assert len(found(api, "run ", limit=1000)) == 7 * SAMPLE_MIN + 3  # all common trigrams

    # The lookup the server made: the term without "run" and "un ", then the whole term.
    with db.session(write=False) as session:
        query = listing._ids_query(
            session, Filters(organization_id=1, name="run 4242"), backend.name
        )
        sql = str(query.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    assert ("'\"n 4242\"'" if backend.name == "sqlite" else "LIKE '%%4242%%'") in sql, sql
    assert ("instr" if backend.name == "sqlite" else "strpos") in sql, sql


@pytest.fixture
def small_pages(backend: Backend, database: Database, tmp_path: Path) -> Iterator[ServerThread]:
    with ServerThread(make_settings(backend, tmp_path, max_page_rows=5), database) as running:
        yield running


@pytest.mark.parametrize(
    ("sizes", "expected"),
    [
        ([3, 3, 1, 1, 1, 7, 2], [[0], [1, 2, 3], [4], [5], [6]]),
        # A material without layers is one row of the page.
        ([0, 0, 0, 0, 0, 3, 0, 6, 0, 2], [[0, 1, 2, 3, 4], [5, 6], [7], [8, 9]]),
    ],
)
def test_a_page_is_bounded_in_rows_and_the_cursor_continues(
    small_pages: ServerThread, keys: Keys, sizes: list[int], expected: list[list[int]]
) -> None:
    headers = {"X-API-KEY": keys.writer}
    with httpx.Client(base_url=small_pages.url, headers=headers, timeout=30) as api:
        ids = [create(api, f"m{i}", n) for i, n in enumerate(sizes)]
        seen: list[int] = []
        pages: list[list[int]] = []
        cursor = None
        for _ in range(20):
            params: dict[str, object] = {"limit": 1000}
            if cursor:
                params["cursor"] = cursor
            response = api.get("/target-materials/", params=params)
            assert response.status_code == 200, response.text
            rows = response.json()
            page = list(dict.fromkeys(r["sample_id"] for r in rows))
            pages.append(page)
            seen += page
            # Never split: every material's layers all come on the same page.
            for material_id in page:
                count = sum(1 for r in rows if r["sample_id"] == material_id)
                assert count == max(1, sizes[ids.index(material_id)])
            assert len(rows) <= 5 or len(page) == 1  # over budget only for one material alone
            cursor = response.headers.get("X-Next-Cursor")
            if not cursor:
                break
        assert seen == ids
        assert pages == [[ids[n] for n in page] for page in expected]


def test_migration_backfills_folded_names(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0001")
    db = Database(url)
    with db.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO organizations (id, name, created_at) VALUES (1, 'o', '2026-01-01')")
        )
        conn.execute(
            text(
                "INSERT INTO users (id, organization_id, name, created_at) "
                "VALUES ('u', 1, 'u', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO target_materials (id, organization_id, user_id, sample_name, "
                "substrate, sample_metadata, version, created_at, last_updated) VALUES "
                "(7, 1, 'u', 'Öl Étude', 'Si', '{}', '0.1.0', '2026-01-01', '2026-01-01')"
            )
        )
    db.dispose()
    upgrade(url)
    db = Database(url)
    with db.session(write=False) as session:
        assert session.execute(text("SELECT name_folded FROM target_materials")).scalar() == (
            "ol etude"
        )
        ids = session.scalars(_filtered_ids(Filters(organization_id=1, name="ÉTUDE"), "sqlite"))
        assert list(ids) == [7]
    db.dispose()
