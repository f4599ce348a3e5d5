"""The filmstack command line: a thin Typer shell over the client and the server's admin tasks."""

import typer

from filmstack.cli import admin, epitaxy, materials, settings

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
app.add_typer(materials.app, name="materials")
app.command("epitaxy")(epitaxy.epitaxy)


def main() -> None:
    app()
