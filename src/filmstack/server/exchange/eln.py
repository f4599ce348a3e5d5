""".eln files (the ELN Consortium's zipped RO-Crate): build one, and read one back safely.

This module knows the file format only; the records come from, and go to, exchange.service.
A crate holds one Dataset per target material and per physical sample. Each carries what other
ELNs read (name, dates, author, text, keywords, variableMeasured) and one JSON file with the
filmstack record itself, which is what an import reads, so that nothing is lost on the way.
"""

import io
import json
import posixpath
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from rocrate.rocrate import ROCrate  # type: ignore[import-untyped]

from filmstack import __version__
from filmstack.server.errors import AppError, InvalidInput

ELN_VERSION = "1.0"
CRATE_VERSION = "1.1"
METADATA_FILE = "ro-crate-metadata.json"
MATERIAL_FILE = "material.json"
SAMPLE_FILE = "sample.json"
MATERIAL_GENRE = "target material"
SAMPLE_GENRE = "physical sample"
RECORD_FORMAT = "filmstack-record/1"

# Bounds on what an import will read: the upload itself is bounded by the body limit.
MAX_ENTRIES = 20_000
MAX_UNPACKED_BYTES = 256 * 1024 * 1024
MAX_METADATA_BYTES = 64 * 1024 * 1024
MAX_RECORD_BYTES = 4 * 1024 * 1024
MAX_RATIO = 200  # a member unpacking to more than 200 times its packed size is a bomb
LOC = ["body", "file"]


class ArchiveTooLarge(AppError):
    status_code = 413


def bad_file(message: str) -> InvalidInput:
    return InvalidInput.at(LOC, message)


# ------------------------------------------------------------------------------ writing


def material_dataset_id(material_id: int) -> str:
    return f"materials/{material_id}/"


def sample_dataset_id(sample_id: str) -> str:
    return f"physical-samples/{sample_id}/"


def _flatten(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    """Nested JSON as (dotted.path, scalar) pairs, as the .eln spec writes nested metadata."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _flatten(f"{prefix}.{key}" if prefix else str(key), child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _flatten(f"{prefix}.{index}", child)
    else:
        yield prefix, value


def _property_values(
    crate: ROCrate, owner: str, pairs: Iterator[tuple[str, Any]]
) -> list[dict[str, str]]:
    refs = []
    for index, (name, value) in enumerate(pairs):
        if value is None:
            continue
        pid = f"{owner}#property-{index}"
        crate.add_jsonld(
            {"@id": pid, "@type": "PropertyValue", "propertyID": name, "name": name, "value": value}
        )
        refs.append({"@id": pid})
    return refs


def _person(crate: ROCrate, user_id: str, name: str | None) -> dict[str, str]:
    pid = f"#user-{user_id}"
    if crate.get(pid) is None:
        crate.add_jsonld({"@id": pid, "@type": "Person", "name": name or user_id})
    return {"@id": pid}


def _json_file(crate: ROCrate, path: str, record: dict[str, Any], description: str) -> Any:
    data = json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    return crate.add_file(
        io.BytesIO(data),
        dest_path=path,
        properties={
            "name": posixpath.basename(path),
            "description": description,
            "encodingFormat": "application/json",
            "contentSize": str(len(data)),
        },
    )


def _svg_file(crate: ROCrate, path: str, svg: str) -> Any:
    data = svg.encode("utf-8")
    return crate.add_file(
        io.BytesIO(data),
        dest_path=path,
        properties={
            "name": posixpath.basename(path),
            "description": "The stack drawn as SVG, substrate at the bottom",
            "encodingFormat": "image/svg+xml",
            "contentSize": str(len(data)),
        },
    )


@dataclass
class Export:
    """What goes into one .eln: material records, sample records, and who published them."""

    title: str
    publisher_url: str
    materials: list[dict[str, Any]] = field(default_factory=list)
    samples: list[dict[str, Any]] = field(default_factory=list)
    drawings: dict[int, str] = field(default_factory=dict)


def build_eln(export: Export, root: str) -> bytes:
    """The .eln archive: a single folder `root` holding the crate."""
    crate = ROCrate(version=CRATE_VERSION)
    crate.name = export.title
    crate.description = f"Target materials and physical samples exported by filmstack {__version__}"
    crate.root_dataset["datePublished"] = _now()
    crate.add_jsonld(
        {
            "@id": "#publisher",
            "@type": "Organization",
            "name": "filmstack",
            "url": export.publisher_url,
        }
    )
    crate.metadata["sdPublisher"] = {"@id": "#publisher"}
    crate.metadata["version"] = ELN_VERSION
    crate.metadata["dateCreated"] = crate.root_dataset["datePublished"]
    datasets: list[Any] = []

    for record in export.materials:
        dataset_id = material_dataset_id(record["id"])
        path = dataset_id
        parts = [_json_file(crate, path + MATERIAL_FILE, record, "The filmstack record")]
        if record["id"] in export.drawings:
            parts.append(_svg_file(crate, path + "stack.svg", export.drawings[record["id"]]))
        sample = record["sample"]
        props: dict[str, Any] = {
            "name": sample["sample_name"],
            "genre": MATERIAL_GENRE,
            "identifier": str(record["id"]),
            "dateCreated": record["created_at"],
            "dateModified": record["last_updated"],
            "author": _person(crate, record["user_id"], record.get("user_name")),
            "keywords": f"target material, {sample['substrate']}",
            "hasPart": [{"@id": p.id} for p in parts],
            "variableMeasured": _property_values(
                crate,
                dataset_id,
                _flatten(
                    "",
                    {
                        "substrate": sample["substrate"],
                        "layers": record["layers"],
                        "sample_metadata": sample["sample_metadata"],
                    },
                ),
            ),
        }
        if record.get("detail_note_content") is not None:
            props["text"] = record["detail_note_content"]
        datasets.append(crate.add_dataset(dest_path=path, properties=props))

    for record in export.samples:
        dataset_id = sample_dataset_id(record["id"])
        path = dataset_id
        part = _json_file(crate, path + SAMPLE_FILE, record, "The filmstack record")
        props = {
            "name": record["name"],
            "genre": SAMPLE_GENRE,
            "identifier": record["id"],
            "dateCreated": record["created_datetime"],
            "dateModified": record["last_updated"],
            "author": _person(crate, record["user_id"], record.get("user_name")),
            "keywords": "physical sample",
            "hasPart": [{"@id": part.id}],
            "variableMeasured": _property_values(
                crate, dataset_id, _flatten("", record["physical_sample_metadata"])
            ),
        }
        if record.get("target_material_id") is not None:
            props["mentions"] = {"@id": material_dataset_id(record["target_material_id"])}
        if record.get("detail_note_content") is not None:
            props["text"] = record["detail_note_content"]
        datasets.append(crate.add_dataset(dest_path=path, properties=props))

    # The root lists the items to import (the datasets); each dataset lists its own files.
    crate.root_dataset["hasPart"] = [{"@id": d.id} for d in datasets]
    return _zip(crate, root)


def _zip(crate: ROCrate, root: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo(f"{root}/"), b"")
        for entity in crate.data_entities + crate.default_entities:
            chunks: dict[str, list[bytes]] = {}
            for path, chunk in entity.stream():
                chunks.setdefault(path, []).append(
                    chunk if isinstance(chunk, bytes) else chunk.encode()
                )
            for path, pieces in chunks.items():
                archive.writestr(f"{root}/{path}", b"".join(pieces))
    return buffer.getvalue()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# ------------------------------------------------------------------------------ reading


@dataclass
class Imported:
    """The filmstack records found in a .eln, and the datasets that were not ours."""

    materials: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    samples: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)


def _safe_names(archive: zipfile.ZipFile) -> str:
    """Check every member's path and size; return the single root folder."""
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise bad_file(f"holds {len(infos)} entries; at most {MAX_ENTRIES} are read")
    roots = set()
    total = 0
    for info in infos:
        name = info.filename
        parts = name.split("/")
        if (
            name.startswith("/")
            or "\\" in name
            or ".." in parts
            or (len(name) > 1 and name[1] == ":")
            or "\x00" in name
        ):
            raise bad_file(f"entry {name!r} has an unsafe path (absolute or leaving the folder)")
        if len(parts) == 1 or (len(parts) == 2 and parts[1] == "" and not info.is_dir()):
            raise bad_file(f"entry {name!r} is outside the archive's single root folder")
        roots.add(parts[0])
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ArchiveTooLarge(f"the .eln unpacks to more than {MAX_UNPACKED_BYTES} bytes")
    if len(roots) != 1:
        raise bad_file(f"must hold exactly one root folder, found {len(roots)}")
    return roots.pop()


def _read_member(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """A member's bytes, stopping at `limit` whatever its header claims (zip bombs lie)."""
    info = archive.getinfo(name)
    if info.file_size > limit or (
        info.compress_size and info.file_size > MAX_RATIO * max(info.compress_size, 1024)
    ):
        raise ArchiveTooLarge(f"{name} unpacks to more than the {limit} bytes allowed")
    try:
        with archive.open(info) as fh:
            data = fh.read(limit + 1)
    except Exception as exc:  # noqa: BLE001 - BadZipFile, zlib.error, encrypted: all the file's fault
        raise bad_file(f"{name} cannot be unpacked: {exc}") from None
    if len(data) > limit:
        raise ArchiveTooLarge(f"{name} unpacks to more than the {limit} bytes allowed")
    return data


def _json(data: bytes, name: str) -> Any:
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise bad_file(f"{name} is not valid JSON: {exc}") from None


def _ref(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("@id"), str):
        return str(value["@id"])
    return None


def _refs(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [ref for ref in (_ref(item) for item in items) if ref]


def read_eln(data: bytes) -> Imported:
    """The filmstack records of a .eln; 4xx on anything malformed or hostile, never a crash."""
    if not data:
        raise bad_file("is empty: send the .eln file as the request body")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise bad_file(f"is not a .eln (zip) archive: {exc}") from None
    with archive:
        root = _safe_names(archive)
        names = set(archive.namelist())
        metadata_name = f"{root}/{METADATA_FILE}"
        if metadata_name not in names:
            raise bad_file(f"has no {METADATA_FILE} in its root folder {root}/")
        metadata = _json(_read_member(archive, metadata_name, MAX_METADATA_BYTES), METADATA_FILE)
        crate = _parse_crate(metadata)
        found = Imported()
        root_parts = list(dict.fromkeys(_refs(crate.root_dataset.properties().get("hasPart"))))
        for dataset_id in root_parts:
            entity = crate.get(dataset_id)
            props = entity.properties() if entity is not None else {}
            genre = props.get("genre")
            if genre not in (MATERIAL_GENRE, SAMPLE_GENRE):
                if "Dataset" in _types(props):
                    found.skipped.append(
                        {
                            "dataset": dataset_id,
                            "reason": "not a filmstack target material or sample",
                        }
                    )
                continue
            wanted = MATERIAL_FILE if genre == MATERIAL_GENRE else SAMPLE_FILE
            part = next(
                (p for p in _refs(props.get("hasPart")) if posixpath.basename(p) == wanted), None
            )
            if part is None:
                raise bad_file(f"dataset {dataset_id} has no {wanted}")
            member = _member_name(root, part)
            if member not in names:
                raise bad_file(f"dataset {dataset_id} lists {part}, which the archive lacks")
            record = _json(_read_member(archive, member, MAX_RECORD_BYTES), part)
            if not isinstance(record, dict) or record.get("format") != RECORD_FORMAT:
                raise bad_file(f"{part} is not a filmstack record ({RECORD_FORMAT})")
            target = found.materials if genre == MATERIAL_GENRE else found.samples
            target.append((dataset_id, record))
    if not found.materials and not found.samples:
        others = f" ({len(found.skipped)} dataset(s) of another kind)" if found.skipped else ""
        raise bad_file(
            f"holds no filmstack target material or physical sample{others}: filmstack imports "
            "the datasets of .eln files that filmstack wrote"
        )
    return found


def _types(props: dict[str, Any]) -> list[str]:
    value = props.get("@type", [])
    return [value] if isinstance(value, str) else [v for v in value if isinstance(v, str)]


def _member_name(root: str, entity_id: str) -> str:
    path = posixpath.normpath(entity_id.removeprefix("./"))
    if path.startswith(("/", "..")):
        raise bad_file(f"{entity_id!r} points outside the archive")
    return f"{root}/{path}"


def _parse_crate(metadata: Any) -> ROCrate:
    if not isinstance(metadata, dict) or not isinstance(metadata.get("@graph"), list):
        raise bad_file(f"{METADATA_FILE} has no @graph: it is not RO-Crate metadata")
    try:
        # The library warns about oddities of other ELNs' crates; they are not our errors.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ROCrate(metadata)
    except Exception as exc:  # the library raises many kinds; all mean "not a valid crate"
        raise bad_file(f"{METADATA_FILE} is not valid RO-Crate metadata: {exc}") from None
