"""Import and export of target materials, shared by `filmstack materials import` and `export`.

Formats: JSON (an array of create bodies), JSONL (one create body per line) and CSV with the
columns sample_name, substrate, stack (film first, substrate left out), and optionally metadata
(a JSON object), note, and layers (the exact layer array; export writes it only when the stack
notation cannot hold every detail). A create body may carry `detail_note_content` beside `sample`
and `layers`; import writes it as the material's note.

Sending the rows to the server (what is new, in how many requests) is filmstack.cli.importing.
"""

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from typing import IO, Any

from filmstack.client import Client
from filmstack.schemas import MaterialRow

FORMATS = ("csv", "json", "jsonl")
CSV_COLUMNS = ["sample_name", "substrate", "stack", "metadata", "note", "layers"]
REQUIRED_CSV_COLUMNS = ("sample_name", "substrate", "stack")
LAYER_FIELDS = ("composition_string", "element_dict", "orientation", "mp_id", "thickness_nm")


class FileProblem(Exception):
    """The file as a whole cannot be read (no row was imported)."""


@dataclass
class Record:
    """One material to import: where it came from, its create body and its note."""

    where: str
    body: dict[str, Any]
    note: str | None = None
    key: str | None = None  # the Idempotency-Key plan() gives it

    @property
    def name(self) -> str:
        return str(self.body["sample"]["sample_name"])


@dataclass
class Problem:
    where: str
    name: str
    reason: str


# ---------------------------------------------------------------------------- reading


def detect_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        return suffix
    if suffix == "ndjson":
        return "jsonl"
    raise FileProblem(f"cannot tell the format of {path.name}; pass --format csv, json or jsonl")


def read_records(path: Path, fmt: str) -> tuple[list[Record], list[Problem]]:
    """Every row of the file as a record, and the rows that could not be read."""
    try:
        # newline="": a CR LF inside a quoted CSV cell is data, and must come back as written.
        with path.open(encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise FileProblem(f"cannot read {path}: {exc}") from None
    if fmt == "csv":
        return _read_csv(text)
    if fmt == "jsonl":
        items = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                items.append((f"line {number}", _loads(line)))
        return _from_json_items(items)
    data = _loads(text)
    if isinstance(data, Exception):
        raise FileProblem(f"{path.name} is not valid JSON: {data}")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise FileProblem(f"{path.name} must hold a JSON array of create bodies")
    return _from_json_items([(f"item {i}", item) for i, item in enumerate(data, start=1)])


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError as exc:
        return exc


def _from_json_items(items: Iterable[tuple[str, Any]]) -> tuple[list[Record], list[Problem]]:
    records, problems = [], []
    for where, item in items:
        try:
            if isinstance(item, Exception):
                raise ValueError(f"not valid JSON: {item}")
            records.append(_record_from_body(where, item))
        except ValueError as exc:
            name = _guess_name(item)
            problems.append(Problem(where, name, str(exc)))
    return records, problems


def _guess_name(item: Any) -> str:
    if isinstance(item, dict) and isinstance(item.get("sample"), dict):
        return str(item["sample"].get("sample_name", ""))
    return ""


def _record_from_body(where: str, item: Any) -> Record:
    """Check the shape the client relies on; the server checks everything else."""
    if not isinstance(item, dict) or not isinstance(item.get("sample"), dict):
        raise ValueError('a create body is an object with a "sample" object')
    sample = item["sample"]
    for key in ("sample_name", "substrate"):
        if not isinstance(sample.get(key), str):
            raise ValueError(f"sample.{key} must be text")
    if not isinstance(sample.get("sample_metadata", {}) or {}, dict):
        raise ValueError("sample.sample_metadata must be a JSON object")
    layers = item.get("layers") or []
    if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
        raise ValueError("layers must be an array of layer objects")
    for layer in layers:
        position = layer.get("layer_id")
        if isinstance(position, bool) or not isinstance(position, int):
            raise ValueError(f"every layer needs an integer layer_id, got {position!r}")
    note = item.get("detail_note_content")
    if note is not None and not isinstance(note, str):
        raise ValueError("detail_note_content must be text")
    body = {"sample": dict(sample), "layers": layers}
    return Record(where, body, note)


def _read_csv(text: str) -> tuple[list[Record], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_CSV_COLUMNS if c not in columns]
    if missing:
        raise FileProblem(
            f"the CSV lacks the column(s) {', '.join(missing)}; "
            f"it needs {', '.join(REQUIRED_CSV_COLUMNS)} (and may have metadata, note, layers)"
        )
    reader.fieldnames = columns
    records, problems = [], []
    start = 2
    for row in reader:
        where = f"line {start}"
        start = reader.line_num + 1
        cells = {k: restore_cell(v or "") for k, v in row.items() if k is not None}
        try:
            records.append(_record_from_csv(where, cells))
        except ValueError as exc:
            problems.append(Problem(where, cells.get("sample_name", ""), str(exc)))
    return records, problems


def _record_from_csv(where: str, cells: dict[str, str]) -> Record:
    stack = cells.get("stack", "")
    exact = cells.get("layers", "").strip()
    if exact:
        layers = json.loads(exact) if _is_json(exact) else None
        if not isinstance(layers, list) or not all(isinstance(x, dict) for x in layers):
            raise ValueError("the layers cell must hold a JSON array of layer objects")
        if _squash(notation(layers)) != _squash(stack):
            raise ValueError(
                "the stack was changed but the layers cell still holds the exported stack; "
                "empty the layers cell to import the stack as written"
            )
    else:
        layers = stack_layers(stack)
    sample: dict[str, Any] = {"sample_name": cells["sample_name"], "substrate": cells["substrate"]}
    metadata = cells.get("metadata", "").strip()
    if metadata:
        value = json.loads(metadata) if _is_json(metadata) else None
        if not isinstance(value, dict):
            raise ValueError('the metadata cell must hold a JSON object, e.g. {"run": 3}')
        sample["sample_metadata"] = value
    body = {"sample": sample, "layers": layers}
    return _record_from_body(where, {**body, "detail_note_content": cells.get("note") or None})


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# ---------------------------------------------------------------------- stack notation


def stack_layers(stack: str) -> list[dict[str, Any]]:
    """Layer inputs for a stack written film first without its substrate ("" is no layers)."""
    if not stack.strip():
        return []
    from filmstack.chemistry import ChemistryError, parse_stack, stack_to_create_body

    try:
        # The substrate is a column of its own; a stand-in keeps every part of `stack` a film.
        parsed = parse_stack(f"{stack} / Si")
    except ChemistryError as exc:
        raise ValueError(f"stack: {exc}") from None
    layers: list[dict[str, Any]] = stack_to_create_body(parsed)["layers"]  # type: ignore[assignment]
    return layers


def notation(layers: Sequence[dict[str, Any]]) -> str:
    """The stack as text, film first: `10 nm`-style thickness and orientation in brackets."""
    ordered = sorted(layers, key=lambda layer: layer.get("layer_id") or 0, reverse=True)
    return " / ".join(_layer_text(layer) for layer in ordered)


def _layer_text(layer: dict[str, Any]) -> str:
    formula = layer.get("composition_string")
    if not formula:
        elements = layer.get("element_dict") or {}
        formula = "".join(f"{el}{_number(n)}" for el, n in elements.items()) or "?"
    text = str(formula)
    orientation = layer.get("orientation")
    if orientation:
        bracketed = orientation[:1] in "([{<" or orientation.lower().endswith("plane")
        text += f" {orientation}" if bracketed else f" ({orientation})"
    cells, thickness = layer.get("thickness_unit_cells"), layer.get("thickness_nm")
    if cells is not None:
        text += f" ({_number(cells)} u.c.)"  # as written; nanometres follow from the lattice
    elif thickness is not None:
        text += f" ({_number(thickness)} nm)"
    return text


def _number(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _exact_in_notation(stack: str, layers: Sequence[dict[str, Any]]) -> bool:
    """Whether importing `stack` would store exactly `layers` (so no layers cell is needed)."""
    from filmstack.chemistry import ChemistryError, parse_formula

    try:
        parsed = stack_layers(stack)
    except ValueError:
        return False
    ordered = sorted(layers, key=lambda layer: layer["layer_id"])
    if len(parsed) != len(ordered):
        return False
    for mine, theirs in zip(ordered, parsed, strict=True):
        keys = ("layer_id", "composition_string", "orientation", "space_group", "mp_id")
        for key in (*keys, "thickness_nm"):
            if mine.get(key) != theirs.get(key):
                return False
        if mine.get("element_dict") is not None:
            try:
                derived = parse_formula(str(mine["composition_string"])).element_dict
            except ChemistryError:
                return False
            if derived != mine["element_dict"]:
                return False
    return True


# ---------------------------------------------------------------------------- exporting


def _grouped(rows: Iterable[MaterialRow]) -> Iterator[list[MaterialRow]]:
    for _, group in groupby(rows, key=lambda row: row.sample_id):
        yield list(group)


def export_layer(row: MaterialRow) -> dict[str, Any]:
    """The layer input that recreates this layer as it is stored."""
    layer: dict[str, Any] = {"layer_id": row.layer_id}
    for key in LAYER_FIELDS:
        value = getattr(row, key)
        if value is not None:
            layer[key] = value
    # The typed spelling, so a non-standard setting (e.g. Pbnm) survives the trip.
    space_group = row.space_group_input if row.space_group_input is not None else row.space_group
    if space_group is not None:
        layer["space_group"] = space_group
    return layer


def export_body(rows: Sequence[MaterialRow]) -> dict[str, Any]:
    """One material's rows as a create body (plus its note), which import reads back."""
    first = rows[0]
    sample: dict[str, Any] = {"sample_name": first.sample_name, "substrate": first.substrate}
    if first.sample_metadata:
        sample["sample_metadata"] = first.sample_metadata
    layers = [export_layer(row) for row in rows if row.layer_id is not None]
    body: dict[str, Any] = {"sample": sample, "layers": layers}
    if first.detail_note_content is not None:
        body["detail_note_content"] = first.detail_note_content
    return body


def export_bodies(client: Client, page_size: int = 500) -> Iterator[dict[str, Any]]:
    for rows in _grouped(client.iter_target_materials(page_size=page_size)):
        yield export_body(rows)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection); OWASP's
# advice is to prefix such a cell with a single quote, which the spreadsheet shows as text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(cell: str) -> bool:
    """True for a cell a spreadsheet would execute, or one that already looks neutralised."""
    return cell.startswith(_FORMULA_STARTS) or (
        cell.startswith("'") and cell[1:2] in (*_FORMULA_STARTS, "'")
    )


def neutralise_cell(cell: str) -> str:
    """Export side: `=1+1` is written `'=1+1`; exactly reversed by restore_cell."""
    return "'" + cell if _needs_quote(cell) else cell


def restore_cell(cell: str) -> str:
    """Import side: undo neutralise_cell; any other cell is read as it is."""
    return cell[1:] if cell.startswith("'") and _needs_quote(cell[1:]) else cell


def csv_row(body: dict[str, Any]) -> dict[str, str]:
    sample, layers = body["sample"], body["layers"]
    stack = notation(layers)
    exact = "" if _exact_in_notation(stack, layers) else _dumps(layers)
    metadata = sample.get("sample_metadata")
    return {
        "sample_name": sample["sample_name"],
        "substrate": sample["substrate"],
        "stack": stack,
        "metadata": _dumps(metadata) if metadata else "",
        "note": body.get("detail_note_content") or "",
        "layers": exact,
    }


def write_export(bodies: Iterable[dict[str, Any]], fh: IO[str], fmt: str) -> int:
    """Write every body in `fmt`; return how many materials were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(fh, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for body in bodies:
            writer.writerow({k: neutralise_cell(v) for k, v in csv_row(body).items()})
            count += 1
    elif fmt == "jsonl":
        for body in bodies:
            fh.write(_dumps(body) + "\n")
            count += 1
    else:
        fh.write("[")
        for body in bodies:
            fh.write(("\n" if count == 0 else ",\n") + _dumps(body))
            count += 1
        fh.write("\n]\n" if count else "]\n")
    return count


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
