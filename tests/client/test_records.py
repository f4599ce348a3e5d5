"""The Client's records calls on a real server: ETags and if_match, idempotent creates,
history, revert, the trash, restore and purge."""

import threading

import httpx
import pytest

from filmstack import Client, InvalidInput, NotFound, PreconditionFailed

BTO = {"layer_id": 1, "composition_string": "BaTiO3", "orientation": "(001)"}
SRO = {"layer_id": 2, "composition_string": "SrRuO3", "thickness_nm": 20}


def test_every_material_answer_carries_its_revision_and_etag(fs: Client) -> None:
    created = fs.create_target_material("m", "SrTiO3", [BTO])
    assert created.revision == 1 and created.etag
    got = fs.get_target_material(created.sample_id)
    assert got.revision == 1 and got.etag == created.etag
    updated = fs.update_target_material(created.sample_id, sample_name="m2", if_match=got.etag)
    assert updated.revision == 2 and updated.etag and updated.etag != got.etag
    assert fs.get_target_material(created.sample_id).etag == updated.etag


def test_a_stale_if_match_is_refused_with_the_current_etag_and_writes_nothing(
    fs: Client,
) -> None:
    material = fs.create_target_material("m", "SrTiO3", [BTO])
    stale = material.etag
    assert stale is not None
    now = fs.update_target_material(material.sample_id, sample_name="theirs", if_match=stale)
    calls = [
        lambda: fs.update_target_material(material.sample_id, sample_name="mine", if_match=stale),
        lambda: fs.set_detail_note(material.sample_id, "mine", if_match=stale),
        lambda: fs.replace_stack(material.sample_id, [SRO], if_match=stale),
        lambda: fs.add_layer(material.sample_id, 5, composition_string="Pt", if_match=stale),
        lambda: fs.update_layer(material.sample_id, 1, orientation="(111)", if_match=stale),
        lambda: fs.delete_layer(material.sample_id, 1, if_match=stale),
        lambda: fs.delete_target_material(material.sample_id, if_match=stale),
    ]
    for call in calls:
        with pytest.raises(PreconditionFailed) as caught:
            call()
        assert caught.value.status == 412 and caught.value.etag == now.etag
    after = fs.get_target_material(material.sample_id)
    assert after.revision == 2 and after.sample_name == "theirs"
    assert [(la.layer_id, la.orientation) for la in after.layers] == [(1, "(001)")]
    assert after.detail_note_content is None


def test_the_current_etag_lets_every_write_through(fs: Client) -> None:
    material = fs.create_target_material("m", "SrTiO3", [BTO])
    sample_id = material.sample_id
    etag = fs.update_target_material(sample_id, sample_name="n", if_match=material.etag).etag
    etag = fs.replace_stack(sample_id, [BTO, SRO], if_match=etag)
    assert etag == fs.get_target_material(sample_id).etag
    fs.delete_layer(sample_id, 2, if_match=etag)
    assert fs.get_target_material(sample_id).revision == 4


def test_concurrent_read_modify_write_loops_lose_no_update(fs: Client) -> None:
    material = fs.create_target_material("counter", "Si", sample_metadata={"count": 0})
    workers, refused = 6, []

    def bump() -> None:
        while True:
            current = fs.get_target_material(material.sample_id)
            count = current.sample_metadata["count"] + 1
            try:
                fs.update_target_material(
                    material.sample_id, sample_metadata={"count": count}, if_match=current.etag
                )
                return
            except PreconditionFailed:
                refused.append(1)

    threads = [threading.Thread(target=bump) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    final = fs.get_target_material(material.sample_id)
    assert final.sample_metadata == {"count": workers}
    assert final.revision == 1 + workers


def test_the_same_idempotency_key_creates_once(fs: Client) -> None:
    first = fs.create_target_material("once", "Si", [BTO], idempotency_key="row-1")
    again = fs.create_target_material("once", "Si", [BTO], idempotency_key="row-1")
    assert again.sample_id == first.sample_id
    assert [r.sample_id for r in fs.list_target_materials(name="once")] == [first.sample_id]
    with pytest.raises(InvalidInput):
        fs.create_target_material("other body", "Si", idempotency_key="row-1")
    fresh = fs.create_target_material("once", "Si", [BTO])  # a key of its own each call
    assert fresh.sample_id != first.sample_id


def test_an_idempotency_key_the_server_would_refuse_is_refused_before_sending(
    fs: Client,
) -> None:
    from filmstack import ConfigurationError

    for bad in ("", "ü", "x" * 256, "tab\there"):
        with pytest.raises(ConfigurationError):
            fs.create_target_material("m", "Si", idempotency_key=bad)
    assert fs.list_target_materials() == []


def test_a_note_given_at_create_is_stored_with_the_material(fs: Client) -> None:
    material = fs.create_target_material(
        "noted", "Si", [BTO], detail_note_content="Anneal at 700 C."
    )
    assert material.detail_notes_id is not None
    got = fs.get_target_material(material.sample_id)
    assert got.detail_note_content == "Anneal at 700 C." and got.revision == 1


def test_history_is_newest_first_with_field_level_changes(fs: Client) -> None:
    material = fs.create_target_material("h", "SrTiO3", [BTO])
    sample_id = material.sample_id
    fs.update_target_material(sample_id, sample_name="h2")
    fs.update_layer(sample_id, 1, orientation="(111)")
    fs.add_layer(sample_id, 2, composition_string="SrRuO3")
    history = fs.history(sample_id)
    assert [e.revision for e in history] == [4, 3, 2, 1]
    assert [e.action for e in history] == ["add_layer", "update_layer", "update", "create"]
    assert all(e.user_name == history[0].user_name and e.changed_at for e in history)
    by_field = {c.field: (c.before, c.after) for c in history[2].changes}
    assert by_field == {"sample_name": ("h", "h2")}
    layer_change = {c.field: (c.before, c.after) for c in history[1].changes}
    assert layer_change["layers[1].orientation"] == ("(001)", "(111)")
    added = {c.field: c for c in history[0].changes}
    assert added["layers[2]"].before is None and added["layers[2]"].after is not None
    assert [e.revision for e in fs.history(sample_id, limit=2)] == [4, 3]


def test_history_walks_its_pages(fs: Client) -> None:
    material = fs.create_target_material("p", "Si")
    for n in range(4):
        fs.update_target_material(material.sample_id, sample_metadata={"n": n})
    pages: list[httpx.URL] = []
    fs._http.event_hooks["request"].append(lambda request: pages.append(request.url))
    entries = list(fs.iter_history(material.sample_id, page_size=2))
    assert [e.revision for e in entries] == [5, 4, 3, 2, 1]
    assert len(pages) == 3 and pages[1].params["cursor"]
    with pytest.raises(ValueError):
        fs.history(material.sample_id, limit=0)


def test_material_at_and_revert(fs: Client) -> None:
    material = fs.create_target_material("r", "SrTiO3", [BTO], detail_note_content="first")
    sample_id = material.sample_id
    original = fs.get_target_material(sample_id)
    fs.update_target_material(sample_id, sample_name="r2", detail_note_content="second")
    fs.replace_stack(sample_id, [SRO])
    then = fs.material_at(sample_id, 1)
    assert then.sample_name == "r" and then.detail_note_content == "first"
    assert [la.composition_string for la in then.layers] == ["BaTiO3"]
    with pytest.raises(PreconditionFailed):
        fs.revert(sample_id, 1, if_match=original.etag)
    reverted = fs.revert(sample_id, 1, if_match=fs.get_target_material(sample_id).etag)
    assert reverted.revision == 4 and reverted.sample_name == "r"
    now = fs.get_target_material(sample_id)
    assert now.detail_note_content == "first"
    assert [la.composition_string for la in now.layers] == ["BaTiO3"]
    assert fs.history(sample_id, limit=1)[0].action == "revert"
    with pytest.raises(NotFound):
        fs.material_at(sample_id, 99)


def test_delete_trash_restore_purge(fs: Client) -> None:
    material = fs.create_target_material("t", "SrTiO3", [BTO], detail_note_content="keep me")
    sample_id = material.sample_id
    before = fs.get_target_material(sample_id)
    fs.delete_target_material(sample_id)
    with pytest.raises(NotFound):
        fs.get_target_material(sample_id)
    trash = fs.trash()
    assert [t.sample_id for t in trash] == [sample_id]
    assert trash[0].deleted_at and trash[0].detail_note_content == "keep me"
    assert [la.composition_string for la in trash[0].layers] == ["BaTiO3"]
    restored = fs.restore(sample_id)
    assert restored.sample_id == sample_id
    after = fs.get_target_material(sample_id)
    assert after.detail_note_content == "keep me" and after.layers == before.layers
    assert fs.trash() == []
    assert [e.action for e in fs.history(sample_id)][:2] == ["restore", "delete"]

    fs.delete_target_material(sample_id)
    fs.purge(sample_id)
    assert fs.trash() == []
    with pytest.raises(NotFound):
        fs.restore(sample_id)
    with pytest.raises(NotFound):
        fs.history(sample_id)
    again = fs.create_target_material("t", "SrTiO3", [BTO])
    assert again.sample_id > sample_id  # a purged id is never handed out again
