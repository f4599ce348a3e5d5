"""`filmstack epitaxy`: mismatch, strain and critical thickness of a stack, as a table.

A stored material by id, or stack text judged without storing it; `--offline` computes with the
built-in lattice table alone, without a server.
"""

import json
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.table import Table

from filmstack.cli.settings import ApiKeyOption, EndpointOption, connect, handle_errors, out


def epitaxy_table(interfaces: Sequence[Any], title: str | None = None) -> Table:
    """One row per interface, the top layer first as the stack is drawn."""
    table = Table(
        "Layer",
        "Film",
        "On",
        "Relationship",
        "Rotation",
        "Mismatch",
        "Strain",
        "Thickness",
        "Critical",
        "Coherent",
        title=title,
    )
    for entry in reversed(list(interfaces)):
        get = entry.get if isinstance(entry, dict) else lambda key, e=entry: getattr(e, key, None)
        film = f"{get('film')} {get('film_orientation') or ''}".strip()
        below = f"{get('below_formula')} {get('below_orientation') or ''}".strip()
        if get("status") != "ok":
            table.add_row(
                str(get("layer_id")), film, below, f"[yellow]{get('status')}[/]: {get('reason')}"
            )
            continue
        thickness, critical = get("thickness_nm"), get("critical_thickness_nm")
        coherent = get("coherent_expected")
        warning = coherent is False
        table.add_row(
            str(get("layer_id")),
            film,
            below,
            get("in_plane_relationship") or "",
            f"{get('rotation_deg'):g}°",
            f"{get('mismatch_percent'):+.2f} %",
            get("strain"),
            "" if thickness is None else f"{thickness:g} nm",
            "∞" if critical is None else f"{critical:.3g} nm",
            "" if coherent is None else ("[red]no: past h_c[/]" if warning else "yes"),
        )
    return table


@handle_errors
def epitaxy(
    stack: Annotated[
        str, typer.Argument(help="A stored material's id, or a stack written film first.")
    ],
    offline: Annotated[
        bool, typer.Option(help="Use the built-in lattice table here, without a server.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The report as JSON.")] = False,
    endpoint: EndpointOption = None,
    api_key: ApiKeyOption = None,
) -> None:
    """Mismatch, rotation, strain and critical thickness of every interface.

    Example: filmstack epitaxy "BaTiO3 (001) 50 nm / SrTiO3 (001)"
    """
    interfaces: list[Any]
    if offline:
        from filmstack.chemistry import ChemistryError, parse_stack
        from filmstack.cli.settings import fail
        from filmstack.epitaxy import epitaxy_report, stack_from_parsed

        try:
            interfaces = epitaxy_report(stack_from_parsed(parse_stack(stack)))
        except ChemistryError as exc:
            raise fail(f"stack: {exc}", 2) from None
        rows: list[Any] = interfaces
    else:
        with connect(api_key, endpoint) as client:
            target: int | str = int(stack) if stack.strip().isdigit() else stack
            found = client.epitaxy(target)
        interfaces = [entry.model_dump() for entry in found]
        rows = interfaces
    if as_json:
        print(json.dumps(interfaces, ensure_ascii=False, indent=2))
        return
    out().print(epitaxy_table(rows))
    out().print(
        "[dim]mismatch = 100 × (d_below − d_film) / d_film; critical thickness: "
        "Matthews–Blakeslee estimate[/]"
    )
