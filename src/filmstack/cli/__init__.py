"""The filmstack command line: a thin Typer shell over the client and the server's admin tasks."""

import typer
import typer.core

from filmstack.cli import admin, epitaxy, materials, records, settings, trash


def _flags_take_no_value() -> None:
    """Typer 0.29's rich help prints a value type beside every option, `--help <bool>` too.

    A flag takes no value, so its type column stays empty, as Typer's plain help and Click's
    already have it. Every command's help is built from TyperOption, so this covers them all;
    Typer versions without display_type_rich never showed the type and are left alone.
    """
    option = typer.core.TyperOption
    shown = getattr(option, "display_type_rich", None)
    if shown is None or getattr(shown, "_filmstack_flags", False):
        return

    def display_type_rich(self: typer.core.TyperOption, ctx: object) -> str | None:
        if self.is_flag or self.count:
            return None
        value: str | None = shown(self, ctx)
        return value

    display_type_rich._filmstack_flags = True  # type: ignore[attr-defined]
    setattr(option, "display_type_rich", display_type_rich)  # noqa: B010


_flags_take_no_value()

app = typer.Typer(
    name="filmstack",
    help="Record the layer stacks your lab intends to grow.",
    epilog=(
        "Example: filmstack serve, then in another terminal "
        "filmstack login --endpoint http://127.0.0.1:8000/ and "
        'filmstack materials create --name "BTO on STO" --substrate SrTiO3 --stack "BaTiO3(001)"'
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
app.command("serve")(admin.serve)
app.add_typer(admin.keys_app, name="keys")
app.add_typer(admin.db_app, name="db")
app.command("login")(settings.login)
app.command("logout")(settings.logout)
materials.app.command("history")(records.history)
materials.app.command("revert")(records.revert)
materials.app.command("restore")(records.restore)
app.add_typer(materials.app, name="materials")
app.add_typer(trash.app, name="trash")
app.command("epitaxy")(epitaxy.epitaxy)


def main() -> None:
    app()
