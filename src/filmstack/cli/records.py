"""`filmstack materials history`, `revert` and `restore`: who changed what, and undoing it.

Registered on the `materials` sub-app (see filmstack.cli), so they share its connection options.
"""

import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from filmstack.cli.settings import connect, err, handle_errors, out
from filmstack.schemas import Change, HistoryEntry

MaterialId = Annotated[int, typer.Argument(help="The target material's id.", min=1)]
VALUE_WIDTH = 60


def _connect(ctx: typer.Context) -> Any:
    settings = ctx.obj or {}
    return connect(settings.get("api_key"), settings.get("endpoint"))


def value_text(value: Any) -> str:
    """A before/after value on one short line: JSON, cut with an ellipsis when long."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"


def change_text(change: Change) -> Text:
    line = Text(change.field, style="bold")
    line.append(": ")
    line.append(value_text(change.before), style="red")
    line.append(" → ")
    line.append(value_text(change.after), style="green")
    return line


def history_table(entries: list[HistoryEntry], title: str) -> Table:
    table = Table("Revision", "When (UTC)", "Who", "Action", "Changes", title=title)
    for entry in entries:
        changes = Text("\n").join(change_text(c) for c in entry.changes) or Text("—")
        table.add_row(
            str(entry.revision),
            entry.changed_at[:19].replace("T", " "),
            Text(entry.user_name or entry.user_id or "—"),  # Text: names are not markup
            Text(entry.action),
            changes,
        )
    return table


@handle_errors
def history(
    ctx: typer.Context,
    material_id: MaterialId,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Show only the newest N entries.", show_default=False)
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The entries as JSON.")] = False,
) -> None:
    """Show who changed a target material, when, and what changed, newest first.

    Example: filmstack materials history 12 --limit 10
    """
    with _connect(ctx) as client:
        entries = client.history(material_id, limit=limit)
    if as_json:
        print(json.dumps([e.model_dump() for e in entries], ensure_ascii=False, indent=2))
        return
    out().print(history_table(entries, f"History of target material {material_id}"))
    err().print(f"{len(entries)} revision{'s' if len(entries) != 1 else ''} shown")


@handle_errors
def revert(
    ctx: typer.Context,
    material_id: MaterialId,
    revision: Annotated[int, typer.Argument(help="The revision to go back to.", min=1)],
) -> None:
    """Make a new revision equal to an earlier one (fields, stack and note); history stays.

    Example: filmstack materials revert 12 3
    """
    with _connect(ctx) as client:
        material = client.revert(material_id, revision)
    now = getattr(material, "revision", None)
    after = f" as revision {now}" if now is not None else ""
    err().print(f"reverted target material {material_id} to revision {revision}{after}")


@handle_errors
def restore(ctx: typer.Context, material_id: MaterialId) -> None:
    """Bring a deleted target material back from the trash, with its id, layers and note.

    Example: filmstack materials restore 12
    """
    with _connect(ctx) as client:
        material = client.restore(material_id)
    err().print(f"restored target material {material.sample_id}: {material.sample_name}")
