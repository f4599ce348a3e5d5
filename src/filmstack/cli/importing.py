"""Sending an import's rows: which are on the server already, their keys, concurrent creates.

A row counts as already imported when the server holds a material with the same name, substrate
and stack (position, composition, orientation, thickness of every layer), counted: two equal
rows in a file need two equal materials on the server to be both skipped.

Each material is created with its note in one request carrying an Idempotency-Key derived from
the row (its content, and which occurrence of that identity in the file it is). A crash at any
moment therefore leaves a row either wholly created or not at all, and a repeat of a request
whose answer was lost creates nothing twice. Rows of one identity are created one after the
other, so the ones created are always the first of them; a re-run skips those and sends the
keys of the rest.
"""

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from filmstack.cli.importer import Problem, Record, _grouped, export_body
from filmstack.client import Client
from filmstack.errors import FilmstackError, TransportError

Identity = tuple[Any, ...]


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0
    problems: list[Problem] = field(default_factory=list)


def identity(body: dict[str, Any]) -> Identity:
    """What makes two materials the same for a re-run: name, substrate and stack."""
    sample = body["sample"]
    layers = tuple(
        sorted(
            (
                layer["layer_id"],
                _text(layer.get("composition_string")),
                _text(layer.get("orientation")),
                _thickness(layer.get("thickness_nm")),
            )
            for layer in body.get("layers") or []
        )
    )
    return (_text(sample["sample_name"]), _text(sample["substrate"]), layers)


def _text(value: Any) -> Any:
    return value.strip() or None if isinstance(value, str) else value


def _thickness(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return round(float(value), 6)
    return value


def existing_identities(client: Client) -> Counter[Identity]:
    """How many materials of each identity the server holds already."""
    return Counter(identity(export_body(rows)) for rows in _grouped(client.list_target_materials()))


def idempotency_key(record: Record, occurrence: int) -> str:
    """The same key for the same row on every run: its content and its occurrence number."""
    content = json.dumps(
        {"body": record.body, "note": record.note},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
    return f"filmstack-import-{digest}-{occurrence}"


def plan(records: Iterable[Record], existing: Counter[Identity]) -> tuple[list[Record], int]:
    """The records still to create (each with its key), and how many are on the server already.

    The n-th row of an identity gets occurrence number n; the first rows of an identity are
    the ones counted as present, as import creates the rows of one identity in file order.
    """
    remaining = Counter(existing)
    seen: Counter[Identity] = Counter()
    todo, skipped = [], 0
    for record in records:
        key = identity(record.body)
        seen[key] += 1
        if remaining[key] > 0:
            remaining[key] -= 1
            skipped += 1
        else:
            record.key = idempotency_key(record, seen[key])
            todo.append(record)
    return todo, skipped


def import_records(
    client: Client,
    records: Sequence[Record],
    *,
    workers: int = 8,
    on_done: Callable[[], None] = lambda: None,
) -> ImportResult:
    """Create the records with `workers` concurrent requests; a failure stops only its rows.

    Each material is created with its note in one request. Rows of one identity go one after
    the other, in file order (see the module's docstring); when one of them fails, the rows
    of that identity after it are reported as not imported. Once the server cannot be reached
    (after the client's retries), the rows not yet sent are reported instead of tried.
    """
    result = ImportResult()
    unreachable: list[str] = []  # the first TransportError's text, once there is one
    groups: dict[Identity, list[Record]] = {}
    for record in records:
        groups.setdefault(identity(record.body), []).append(record)

    def create(record: Record) -> None:
        sample = record.body["sample"]
        client.create_target_material(
            sample["sample_name"],
            sample["substrate"],
            record.body.get("layers") or [],
            sample_metadata=sample.get("sample_metadata"),
            detail_note_content=record.note,
            idempotency_key=record.key,
        )

    def create_group(group: list[Record]) -> list[Problem]:
        problems: list[Problem] = []
        for record in group:
            if problems or unreachable:
                why = problems[0].reason if problems else unreachable[0]
                problems.append(Problem(record.where, record.name, f"not tried: {why}"))
            else:
                try:
                    create(record)
                except TransportError as exc:
                    unreachable.append(str(exc))
                    problems.append(Problem(record.where, record.name, str(exc)))
                except Exception as exc:
                    reason = str(exc) if isinstance(exc, FilmstackError) else repr(exc)
                    problems.append(Problem(record.where, record.name, reason))
            on_done()
        return problems

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures: dict[Future[list[Problem]], list[Record]] = {
            pool.submit(create_group, group): group for group in groups.values()
        }
        for future in as_completed(futures):
            problems = future.result()
            result.created += len(futures[future]) - len(problems)
            result.problems.extend(problems)
    return result
