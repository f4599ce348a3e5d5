"""`filmstack materials ...`: list, show, create, parse, edit, delete, import and export.

Data goes to stdout, messages to stderr; any failure exits non-zero.
"""

import csv
import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from filmstack.cli import exchange, importer, importing
from filmstack.cli.epitaxy import epitaxy_table
from filmstack.cli.settings import (
    ApiKeyOption,
    EndpointOption,
    connect,
    err,
    fail,
    handle_errors,
    out,
)
from filmstack.client import UNSET
from filmstack.schemas import Layer, MaterialDetail, MaterialRow

app = typer.Typer(
    no_args_is_help=True,
    rich_markup_mode="rich",
)

MaterialId = Annotated[int, typer.Argument(help="The target material's id.", min=1)]
MetadataOption = Annotated[
    str | None,
    typer.Option("--metadata", help="A JSON object, e.g. '{\"run\": 3}'.", show_default=False),
]


@app.callback()
def options(
    ctx: typer.Context, endpoint: EndpointOption = None, api_key: ApiKeyOption = None
) -> None:
    """Target materials: the layer stacks you intend to grow.

    Connection: --endpoint and --api-key here, else the environment, else `filmstack login`.

    Example: filmstack materials --endpoint http://lab:8000/ list --element Ti
    """
    ctx.obj = {"endpoint": endpoint, "api_key": api_key}


def _connect(ctx: typer.Context) -> Any:
    settings = ctx.obj or {}
    return connect(settings.get("api_key"), settings.get("endpoint"))


def _metadata(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None

    def not_a_number(word: str) -> Any:
        raise fail(f"--metadata: {word} is not a number JSON can carry; use a number or null", 2)

    try:
        value = json.loads(text, parse_constant=not_a_number)
    except ValueError as exc:
        raise fail(f"--metadata is not valid JSON: {exc}", 2) from None
    if not isinstance(value, dict):
        raise fail("--metadata must be a JSON object, e.g. '{\"run\": 3}'", 2)
    return value


def _layer_label(layer: Layer | MaterialRow) -> str:
    text = layer.composition_string or "".join(
        f"{k}{v}" for k, v in (layer.element_dict or {}).items()
    )
    if layer.orientation:
        text += f" {layer.orientation}"
    return text


# --------------------------------------------------------------------------------- list


@app.command("list")
@handle_errors
def list_materials(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Part of the name, any case.")] = None,
    substrate: Annotated[str | None, typer.Option(help="Exact substrate.")] = None,
    element: Annotated[
        list[str] | None, typer.Option(help="An element the stack must contain; repeat it.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="The API's rows as JSON.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="The API's rows as CSV.")] = False,
) -> None:
    """List target materials as a table (one line per material, stack film first).

    Example: filmstack materials list --substrate SrTiO3 --element Ti --element O
    """
    if as_json and as_csv:
        raise fail("choose one of --json and --csv", 2)
    with _connect(ctx) as client:
        rows = client.list_target_materials(name=name, substrate=substrate, elements=element or [])
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=2))
        sys.stdout.write("\n")
        return
    if as_csv:
        fields = list(MaterialRow.model_fields)
        writer = csv.DictWriter(sys.stdout, fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            data = row.model_dump()
            for key, value in data.items():
                if isinstance(value, dict | list):
                    data[key] = json.dumps(value, ensure_ascii=False)
            writer.writerow(data)
        return
    table = Table("ID", "Name", "Substrate", "Stack (film first)", "Layers", "Owner", "Updated")
    count = 0
    for group in importer._grouped(rows):
        first = group[0]
        layers = [r for r in group if r.layer_id is not None]
        stack = " / ".join(_layer_label(r) for r in reversed(layers))
        table.add_row(
            str(first.sample_id),
            first.sample_name,
            first.substrate,
            stack or "—",
            str(len(layers)),
            first.user_name,
            first.last_updated[:16].replace("T", " "),
        )
        count += 1
    out().print(table)
    err().print(f"{count} target material{'s' if count != 1 else ''}")


# --------------------------------------------------------------------------------- show

_PALETTE = ("blue", "green", "magenta", "cyan", "yellow", "red", "bright_blue", "bright_green")


def draw_stack(material: MaterialDetail, width: int = 60) -> Text:
    """The stack as coloured bands, top layer first, the substrate hatched at the bottom."""
    text = Text()
    colours: dict[str, str] = {}
    for layer in reversed(material.layers):
        label = _layer_label(layer)
        details = [
            f"{layer.thickness_nm:g} nm" if layer.thickness_nm is not None else "",
            layer.space_group or "",
            layer.mp_id or "",
        ]
        extra = "  ".join(d for d in details if d)
        key = layer.composition_string or label
        colour = colours.setdefault(key, _PALETTE[len(colours) % len(_PALETTE)])
        body = f" {label}".ljust(width - len(extra) - 1) + extra + " "
        text.append(f"{layer.layer_id:>4} ", style="dim")
        text.append(body[:width], style=f"bold white on {colour}")
        text.append("\n")
    orientation = f" {material.substrate_orientation}" if material.substrate_orientation else ""
    substrate = f" {material.substrate}{orientation} (substrate) "
    text.append("     ")
    text.append(substrate, style="bold black on grey70")
    text.append("░" * max(0, width - len(substrate)), style="grey50 on grey70")
    text.append("\n")
    return text


@app.command("show")
@handle_errors
def show(
    ctx: typer.Context,
    material_id: MaterialId,
    as_json: Annotated[bool, typer.Option("--json", help="The material as JSON.")] = False,
) -> None:
    """Show one target material and draw its stack, substrate at the bottom.

    Example: filmstack materials show 12
    """
    with _connect(ctx) as client:
        material = client.get_target_material(material_id)
        interfaces = [] if as_json or not material.layers else client.epitaxy(material_id)
    if as_json:
        print(material.model_dump_json(indent=2))
        return
    out().print(Text(f"{material.sample_name}", style="bold"), f"  #{material.sample_id}")
    out().print(
        f"substrate {material.substrate} · {len(material.layers)} layer(s) · "
        f"owner {material.user_name} · updated {material.last_updated}"
        + (f" · revision {material.revision}" if material.revision is not None else "")
    )
    out().print(draw_stack(material))
    if interfaces:
        out().print(epitaxy_table(interfaces, title="epitaxy (bottom up, top layer first)"))
    if material.sample_metadata:
        out().print("metadata:", json.dumps(material.sample_metadata, ensure_ascii=False))
    if material.detail_note_content:
        out().print("note:", material.detail_note_content)


# ------------------------------------------------------------------------ create, parse


@app.command("create")
@handle_errors
def create(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Option(help="Name of the material.")] = None,
    substrate: Annotated[str | None, typer.Option(help="What the stack grows on.")] = None,
    stack: Annotated[
        str | None, typer.Option(help='Layers, film first, without the substrate: "A(001)/B".')
    ] = None,
    from_text: Annotated[
        str | None,
        typer.Option(help='One line with the substrate: "10 nm BaTiO3 (001) / SrTiO3 on Si".'),
    ] = None,
    metadata: MetadataOption = None,
    note: Annotated[str | None, typer.Option(help="A detail note.")] = None,
) -> None:
    """Create a target material from a stack or a line of text; prints its id on stdout.

    Example: filmstack materials create --name "BTO on STO" --substrate SrTiO3 --stack "BaTiO3(001)"

    Example: filmstack materials create --from-text "10 nm BaTiO3 (001) / SrTiO3 on Si"
    """
    meta = _metadata(metadata)
    if from_text is not None and stack is not None:
        raise fail("give --stack (with --name and --substrate) or --from-text, not both", 2)
    with _connect(ctx) as client:
        if from_text is not None:
            created = client.create_from_text(
                from_text,
                name=name,
                substrate=substrate,
                sample_metadata=meta,
                detail_note_content=note,
            )
        else:
            if not name or not substrate:
                raise fail("--name and --substrate are needed (or use --from-text)", 2)
            try:
                layers = importer.stack_layers(stack or "")
            except ValueError as exc:  # "stack: …" names the import column; here it is --stack
                raise fail("--stack: " + str(exc).removeprefix("stack: "), 2) from None
            created = client.create_target_material(
                name, substrate, layers, sample_metadata=meta, detail_note_content=note
            )
    err().print(f"created target material {created.sample_id}: {created.sample_name}")
    print(created.sample_id)


@app.command("parse")
@handle_errors
def parse(
    ctx: typer.Context,
    text: Annotated[str, typer.Argument(help="A stack written film first, substrate last.")],
    as_json: Annotated[bool, typer.Option("--json", help="The server's answer as JSON.")] = False,
) -> None:
    """Read a stack the way the server does, without storing anything.

    Example: filmstack materials parse "5 u.c. LaAlO3 / SrTiO3 (001)"
    """
    with _connect(ctx) as client:
        result = client.parse(text)
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    table = Table("Position", "Formula", "Orientation", "Thickness", title=result.material_name)
    count = len(result.layers)
    for index, layer in enumerate(result.layers):
        thickness = f"{layer.thickness_nm:g} nm" if layer.thickness_nm is not None else ""
        table.add_row(str(count - index), layer.formula, layer.orientation or "", thickness)
    table.add_row("substrate", result.substrate or "—", result.substrate_orientation or "", "")
    out().print(table)


# ------------------------------------------------------------------------- edit, delete


@app.command("edit")
@handle_errors
def edit(
    ctx: typer.Context,
    material_id: MaterialId,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    substrate: Annotated[str | None, typer.Option(help="New substrate.")] = None,
    metadata: MetadataOption = None,
    note: Annotated[str | None, typer.Option(help="New detail note.")] = None,
    clear_note: Annotated[
        bool, typer.Option("--clear-note", help="Remove the detail note.")
    ] = False,
) -> None:
    """Change the name, substrate, metadata (replaced whole) or note; layers stay.

    Example: filmstack materials edit 12 --name "BTO on STO, run 2" --note "Anneal at 700 C."
    """
    if note is not None and clear_note:
        raise fail("give --note or --clear-note, not both", 2)
    meta = _metadata(metadata)
    if name is None and substrate is None and meta is None and note is None and not clear_note:
        raise fail("nothing to change: give --name, --substrate, --metadata or --note", 2)
    note_change: str | None | Any = None if clear_note else (note if note is not None else UNSET)
    with _connect(ctx) as client:
        updated = client.update_target_material(
            material_id,
            sample_name=name,
            substrate=substrate,
            sample_metadata=meta,
            detail_note_content=note_change,
        )
    err().print(f"updated target material {updated.sample_id}: {updated.sample_name}")


@app.command("delete")
@handle_errors
def delete(
    ctx: typer.Context,
    material_id: MaterialId,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
) -> None:
    """Move a target material to the trash (asks first unless --yes); `restore` undoes it.

    Example: filmstack materials delete 12 --yes
    """
    with _connect(ctx) as client:
        material = client.get_target_material(material_id)
        if not yes and not typer.confirm(
            f"Delete {material.sample_name!r} (#{material_id}) and its "
            f"{len(material.layers)} layer(s)?",
            err=True,
        ):
            raise fail("not deleted")
        client.delete_target_material(material_id)
    err().print(
        f"moved target material {material_id} ({material.sample_name}) to the trash; "
        f"bring it back with: filmstack materials restore {material_id}"
    )


# ---------------------------------------------------------------------- import, export

FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        help="csv, json, jsonl, eln (ELN Consortium) or nomad (NOMAD archive). "
        "Default: from the file name.",
        show_default=False,
    ),
]


def _check_format(fmt: str | None) -> str | None:
    if fmt is not None and fmt not in (*importer.FORMATS, *exchange.FORMATS):
        raise fail(f"--format must be csv, json, jsonl, eln or nomad, not {fmt!r}", 2)
    return fmt


@app.command("import")
@handle_errors
def import_file(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv, .json, .jsonl or .eln file.", exists=True)],
    fmt: FormatOption = None,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Requests at a time.")] = 8,
) -> None:
    """Create the materials a file describes; rows already on the server are skipped.

    CSV: columns sample_name, substrate and stack (film first, without the substrate),
    optionally metadata (a JSON object), note and layers (as export writes them).
    JSON: an array of create bodies. JSONL: one create body per line.
    A row that fails is reported at the end; the others are imported all the same.
    .eln (from `export --format eln`, or another ELN): imported by the server all or nothing,
    with physical samples, notes and links; prints the new ids.

    Example: filmstack materials import samples.csv --workers 16

    Example: filmstack materials import lab.eln
    """
    chosen_exchange = exchange.detect(file, _check_format(fmt))
    if chosen_exchange == "nomad":
        raise fail("NOMAD archives are written for NOMAD, not read back: import a .eln", 2)
    if chosen_exchange == "eln":
        with _connect(ctx) as client:
            exchange.import_eln(client, file)
        return
    try:
        chosen = importer.detect_format(file, _check_format(fmt))
        records, unreadable = importer.read_records(file, chosen)
    except importer.FileProblem as exc:
        raise fail(str(exc), 2) from None
    with _connect(ctx) as client:
        todo, skipped = importing.plan(records, importing.existing_identities(client))
        with Progress(
            TextColumn("importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err(),
            transient=True,
        ) as progress:
            task = progress.add_task("import", total=len(todo))
            result = importing.import_records(
                client, todo, workers=workers, on_done=lambda: progress.advance(task)
            )
    result.skipped = skipped
    problems = sorted(unreadable + result.problems, key=lambda p: _order(p.where))
    if problems:
        table = Table("Row", "Name", "Why it failed", box=box.SIMPLE, title="Rows not imported")
        for problem in problems:
            table.add_row(problem.where, problem.name, problem.reason)
        err().print(table)
    total = len(records) + len(unreadable)
    err().print(
        f"{total} row(s): {result.created} created, {result.skipped} already on the server, "
        f"{len(problems)} failed"
    )
    if problems:
        raise typer.Exit(1)


def _order(where: str) -> tuple[str, int]:
    kind, _, number = where.partition(" ")
    return kind, int(number) if number.isdigit() else 0


@app.command("export")
@handle_errors
def export_file(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Where to write; - for stdout.")],
    fmt: FormatOption = None,
    ids: Annotated[
        list[int] | None,
        typer.Option("--id", min=1, help="Only this material (eln, nomad); repeat it."),
    ] = None,
) -> None:
    """Write every target material in a form `import` reads back exactly.

    --format eln: a .eln file (ELN Consortium) with physical samples, notes and links, for
    SampleDB, Kadi4Mat, eLabFTW or another filmstack. --format nomad --id N: one material as a
    NOMAD archive (.archive.json) for a NOMAD Oasis.

    Example: filmstack materials export --format jsonl backup.jsonl

    Example: filmstack materials export --format eln --id 12 --id 13 two.eln
    """
    chosen_exchange = exchange.detect(Path(file), _check_format(fmt))
    if chosen_exchange is not None:
        with _connect(ctx) as client:
            exchange.export(client, file, chosen_exchange, ids)
        return
    if ids:
        raise fail("--id works with --format eln or nomad", 2)
    if file == "-":
        chosen = fmt or "jsonl"
    else:
        try:
            chosen = importer.detect_format(Path(file), fmt)
        except importer.FileProblem as exc:
            raise fail(str(exc), 2) from None
    with _connect(ctx) as client:
        bodies = importer.export_bodies(client)
        if file == "-":
            count = importer.write_export(bodies, sys.stdout, chosen)
        else:
            path = Path(file)
            partial = path.with_name(path.name + ".partial")
            try:
                with partial.open("w", encoding="utf-8", newline="") as fh:
                    count = importer.write_export(bodies, fh, chosen)
                partial.replace(path)
            finally:
                partial.unlink(missing_ok=True)
    err().print(f"exported {count} target material(s) as {chosen}")
