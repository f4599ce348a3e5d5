"""`filmstack trash ...`: the deleted target materials, restored or purged for good."""

import json
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from filmstack.cli.settings import (
    ApiKeyOption,
    EndpointOption,
    connect,
    err,
    fail,
    handle_errors,
    out,
)

app = typer.Typer(no_args_is_help=True, rich_markup_mode="rich")

MaterialId = Annotated[int, typer.Argument(help="The deleted material's id.", min=1)]


@app.callback()
def options(
    ctx: typer.Context, endpoint: EndpointOption = None, api_key: ApiKeyOption = None
) -> None:
    """The trash: deleted target materials, kept until purged (by default for 30 days).

    Example: filmstack trash list
    """
    ctx.obj = {"endpoint": endpoint, "api_key": api_key}


def _connect(ctx: typer.Context) -> Any:
    settings = ctx.obj or {}
    return connect(settings.get("api_key"), settings.get("endpoint"))


@app.command("list")
@handle_errors
def list_trash(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="The trash as JSON.")] = False,
) -> None:
    """List the deleted target materials, newest deletion first.

    Example: filmstack trash list
    """
    with _connect(ctx) as client:
        items = client.trash()
    if as_json:
        print(json.dumps([i.model_dump() for i in items], ensure_ascii=False, indent=2))
        return
    table = Table("ID", "Name", "Substrate", "Layers", "Deleted (UTC)", "Deleted by")
    for item in items:
        table.add_row(  # Text: what users typed is never read as Rich markup
            str(item.sample_id),
            Text(item.sample_name),
            Text(item.substrate),
            str(len(item.layers)),
            item.deleted_at[:19].replace("T", " "),
            Text(item.deleted_by_name or item.deleted_by or "—"),
        )
    out().print(table)
    err().print(
        f"{len(items)} deleted target material{'s' if len(items) != 1 else ''}; "
        "bring one back with: filmstack materials restore ID"
    )


@app.command("restore")
@handle_errors
def restore(ctx: typer.Context, material_id: MaterialId) -> None:
    """Bring a deleted target material back (the same as `materials restore`).

    Example: filmstack trash restore 12
    """
    with _connect(ctx) as client:
        material = client.restore(material_id)
    err().print(f"restored target material {material.sample_id}: {material.sample_name}")


@app.command("purge")
@handle_errors
def purge(
    ctx: typer.Context,
    material_id: MaterialId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Remove a deleted target material and its history for good (asks first unless --yes).

    Example: filmstack trash purge 12 --yes
    """
    with _connect(ctx) as client:
        if not yes and not typer.confirm(
            f"Purge target material #{material_id} and its history for good? "
            "This cannot be undone.",
            err=True,
        ):
            raise fail("not purged")
        client.purge(material_id)
    err().print(f"purged target material {material_id}")
