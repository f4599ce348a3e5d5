"""Migrations are the only way the schema changes: the migrated schema equals the models, and a
database written at 0001 is carried forward with its ids, links, notes and keys."""

import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from filmstack.server.accounts.service import authenticate, hash_key
from filmstack.server.db import Database
from filmstack.server.migrations import include_name, upgrade
from filmstack.server.models import metadata
from tests.conftest import PG_ENV, PG_SKIP, Backend, ServerThread, _with_schema, make_settings


def test_migrated_schema_equals_the_models(backend: Backend, database: Database) -> None:
    with database.engine.connect() as conn:
        opts = {"compare_type": True, "include_name": include_name}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_migrations_apply_to_an_empty_sqlite_file(sqlite_copy: str) -> None:
    db = Database(sqlite_copy)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_name})
        diff = compare_metadata(context, metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        tables = dict(conn.exec_driver_sql("SELECT name, sql FROM sqlite_master").fetchall())
    db.dispose()
    assert diff == []
    assert version == "0005"
    # Ids are never handed out twice: every table with an integer id is AUTOINCREMENT.
    for table in ("organizations", "api_keys", "target_materials", "layers", "material_history"):
        assert "AUTOINCREMENT" in tables[table], table


# ----------------------------------------------------------------- a database from 0001


@pytest.fixture
def blank_url(backend: Backend, tmp_path: Path) -> Iterator[str]:
    """An empty database of this test's own, on the backend's engine."""
    if backend.name == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    admin = Database(backend.url)
    schema = f"fs_old_{uuid.uuid4().hex[:12]}"
    with admin.engine.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield _with_schema(backend.url.split("?")[0], schema)
    finally:
        with admin.engine.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


T0 = datetime(2026, 11, 30, 8, 0, 0, 123456)
ORG, ALICE = 1, "5163e286-27e2-49e6-9f98-77f833e90e8c"
NOTE = "0b5a8c4e-6a7e-4e0f-9b53-6d2f1f3e8a11"
SAMPLE = "e1f6f0e4-5a9c-4f0b-8a53-1f2d6c3b9a77"
KEY = "fs_" + "k" * 43


def _populate_0001(url: str) -> None:
    """What today's main writes: two organizations, a key, materials with layers, a note, a
    physical sample linked to a material, and a hole in the ids where one was deleted."""
    db = Database(url)
    rows: dict[str, list[dict[str, Any]]] = {
        "organizations": [
            {"id": ORG, "name": "lab", "created_at": T0},
            {"id": 2, "name": "rival", "created_at": T0},
        ],
        "users": [{"id": ALICE, "organization_id": ORG, "name": "alice", "created_at": T0}],
        "api_keys": [
            {
                "id": 1,
                "user_id": ALICE,
                "key_hash": hash_key(KEY),
                "prefix": KEY[:10],
                "scopes": "read,write,delete",
                "created_at": T0,
            }
        ],
        "detail_notes": [
            {"id": NOTE, "organization_id": ORG, "content": "Anneal at 700 C.", "last_updated": T0}
        ],
        "target_materials": [
            {
                "id": mid,
                "organization_id": ORG,
                "user_id": ALICE,
                "sample_name": f"stack {mid}",
                "substrate": "SrTiO3",
                "sample_metadata": '{"T_C":700}' if mid == 1 else "{}",
                "detail_note_id": NOTE if mid == 1 else None,
                "version": "0.1.0",
                "created_at": T0,
                "last_updated": T0,
            }
            for mid in (1, 2, 4)  # 3 was deleted
        ],
        "layers": [
            {
                "id": 10,
                "target_material_id": 1,
                "position": 1,
                "composition_string": "SrRuO3",
                "element_dict": '{"Sr":1,"Ru":1,"O":3}',
                "orientation": "(001)",
                "orientation_indices": '{"kind":"plane","indices":[0,0,1]}',
                "thickness_nm": 20.0,
            },
            {
                "id": 11,
                "target_material_id": 1,
                "position": 2,
                "composition_string": "BaTiO3",
                "element_dict": '{"Ba":1,"Ti":1,"O":3}',
                "space_group": "P4mm",
                "space_group_number": 99,
                "space_group_input": "P4mm",
            },
            {"id": 12, "target_material_id": 4, "position": 1, "composition_string": "Si"},
        ],
        "material_elements": [
            {"target_material_id": 1, "element": e, "organization_id": ORG}
            for e in ("Ba", "O", "Ru", "Sr", "Ti")
        ],
        "physical_samples": [
            {
                "id": SAMPLE,
                "organization_id": ORG,
                "user_id": ALICE,
                "name": "PLD run 3",
                "target_material_id": 1,
                "physical_sample_metadata": "{}",
                "version": "0.1.0",
                "created_datetime": T0,
                "last_updated": T0,
            }
        ],
    }
    with db.engine.begin() as conn:
        for table, values in rows.items():
            columns = sorted({c for row in values for c in row})
            stmt = sa.text(
                f"INSERT INTO {table} ({', '.join(columns)}) "
                f"VALUES ({', '.join(':' + c for c in columns)})"
            )
            conn.execute(stmt, [{c: row.get(c) for c in columns} for row in values])
        if conn.dialect.name == "postgresql":
            for table in ("organizations", "api_keys", "target_materials", "layers"):
                conn.execute(
                    sa.text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
    db.dispose()


def test_a_0001_database_upgrades_with_everything_intact(blank_url: str, tmp_path: Path) -> None:
    upgrade(blank_url, "0001")
    _populate_0001(blank_url)
    upgrade(blank_url)

    db = Database(blank_url)
    try:
        with db.engine.connect() as conn:
            assert (
                compare_metadata(
                    MigrationContext.configure(
                        conn, opts={"compare_type": True, "include_name": include_name}
                    ),
                    metadata,
                )
                == []
            )
            materials = conn.execute(
                sa.text(
                    "SELECT id, revision, detail_note_id, deleted_at FROM target_materials "
                    "ORDER BY id"
                )
            ).all()
            layers = conn.execute(
                sa.text("SELECT id, target_material_id, position FROM layers ORDER BY id")
            ).all()
            link = conn.execute(
                sa.text("SELECT target_material_id FROM physical_samples WHERE id = :s"),
                {"s": SAMPLE},
            ).scalar()
            note = conn.execute(
                sa.text("SELECT content FROM detail_notes WHERE id = :n"), {"n": NOTE}
            ).scalar()
            elements = conn.execute(
                sa.text("SELECT element FROM material_elements ORDER BY element")
            ).scalars()
            history = conn.execute(
                sa.text(
                    "SELECT target_material_id, revision, action, user_id FROM material_history "
                    "ORDER BY target_material_id"
                )
            ).all()
        assert materials == [(1, 1, NOTE, None), (2, 1, None, None), (4, 1, None, None)]
        assert layers == [(10, 1, 1), (11, 1, 2), (12, 4, 1)]
        assert link == 1
        assert note == "Anneal at 700 C."
        assert list(elements) == ["Ba", "O", "Ru", "Sr", "Ti"]
        assert history == [(m, 1, "create", ALICE) for m in (1, 2, 4)]
        with db.session(write=False) as session:
            principal = authenticate(session, KEY)
        assert principal is not None and principal.organization_id == ORG

        # The upgraded database serves: the create entry holds the material exactly as GET
        # one shows it, and new ids continue after the highest, never reusing 3 or 4.
        backend = Backend("sqlite" if blank_url.startswith("sqlite") else "postgresql", blank_url)
        settings = make_settings(backend, tmp_path)
        with (
            ServerThread(settings, db) as server,
            httpx.Client(base_url=server.url, headers={"X-API-KEY": KEY}) as api,
        ):
            one = api.get("/target-materials/1")
            assert one.status_code == 200
            assert one.json()["revision"] == 1
            assert one.json()["detail_note_content"] == "Anneal at 700 C."
            assert [la["id"] for la in one.json()["layers"]] == [10, 11]
            at_1 = api.get("/target-materials/1/history/1")
            assert at_1.status_code == 200
            assert at_1.json() == one.json()
            entries = api.get("/target-materials/1/history").json()
            assert [(e["revision"], e["action"]) for e in entries] == [(1, "create")]
            assert api.delete("/target-materials/4").status_code == 204
            assert api.delete("/trash/4").status_code == 204
            created = api.post(
                "/target-materials/", json={"sample": {"sample_name": "new", "substrate": "Si"}}
            )
            assert created.status_code == 200
            assert created.json()["sample_id"] == 5
            sample = api.get(f"/physical_samples/{SAMPLE}").json()
            assert sample["sample_id"] == 1
    finally:
        db.dispose()


def test_stepping_back_past_the_epitaxy_columns_keeps_sqlite_name_search(tmp_path: Path) -> None:
    """Downgrading 0004 rebuilds target_materials on SQLite; its name-search triggers survive."""
    from alembic import command

    from filmstack.server.migrations import alembic_config

    url = f"sqlite:///{tmp_path / 'back.db'}"
    upgrade(url)
    command.downgrade(alembic_config(url), "0003")
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in rows}
    engine.dispose()
    expected = {f"target_materials_fts_{suffix}" for suffix in ("ai", "ad", "au")}
    assert expected <= triggers


def _fts_segments(conn: sa.Connection) -> int:
    return int(
        conn.exec_driver_sql("SELECT count(DISTINCT segid) FROM target_materials_fts_idx").scalar()
    )


def _crisismerge(conn: sa.Connection) -> int | None:
    value = conn.exec_driver_sql(
        "SELECT v FROM target_materials_fts_config WHERE k = 'crisismerge'"
    ).scalar()
    return None if value is None else int(value)


def test_the_sqlite_name_index_keeps_few_segments_as_names_come_one_by_one(
    tmp_path: Path,
) -> None:
    """0005: every write adds a segment to the FTS5 index, and a search looks in each; the
    index merges them as they come instead of letting tens pile up."""
    from alembic import command

    from filmstack.server.migrations import alembic_config

    url = f"sqlite:///{tmp_path / 'fts.db'}"
    upgrade(url, "0004")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO organizations (id, name, created_at) VALUES (1, 'o', '2026-01-01')"
        )
        conn.exec_driver_sql(
            "INSERT INTO users (id, organization_id, name, created_at) "
            "VALUES ('u', 1, 'u', '2026-01-01')"
        )

    def write(names: range) -> None:
        for i in names:  # one transaction each, as the API writes them
            with engine.begin() as conn:
                conn.exec_driver_sql(
                    "INSERT INTO target_materials (organization_id, user_id, sample_name, "
                    "name_folded, substrate, sample_metadata, version, created_at, last_updated) "
                    "VALUES (1, 'u', ?, ?, 'Si', '{}', '1', '2026-01-01', '2026-01-01')",
                    (f"Run {i}", f"run {i}"),
                )

    write(range(300))
    with engine.connect() as conn:
        assert _fts_segments(conn) >= 10  # FTS5's own setting lets them pile up
    upgrade(url)
    with engine.connect() as conn:
        assert _crisismerge(conn) == 2
        assert _fts_segments(conn) == 1  # the upgrade merged them
    write(range(300, 600))
    with engine.connect() as conn:
        assert _fts_segments(conn) <= 3
        found = conn.exec_driver_sql(
            "SELECT count(*) FROM target_materials_fts WHERE target_materials_fts MATCH '\"n 42\"'"
        ).scalar()
        assert found == 11  # run 42 and run 420 to 429: every name is still found
        assert conn.exec_driver_sql("SELECT count(*) FROM target_materials").scalar() == 600
    engine.dispose()
    command.downgrade(alembic_config(url), "0004")
    with engine.connect() as conn:
        assert _crisismerge(conn) == 16
    engine.dispose()
