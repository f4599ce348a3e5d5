"""`filmstack login` / `logout`, and the one place CLI commands get their Client and errors."""

import functools
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console

from filmstack.client import Client
from filmstack.config import config_path, resolve_api_key, resolve_endpoint
from filmstack.errors import (
    ConfigurationError,
    FilmstackError,
    InvalidInput,
    MissingAPIKey,
    MissingSubstrate,
    TransportError,
)


def err() -> Console:
    """Messages, progress and problem reports (made per call: COLUMNS is read at creation)."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def out() -> Console:
    """Data: tables and drawings."""
    return Console(highlight=False)


P = ParamSpec("P")
R = TypeVar("R")

EndpointOption = Annotated[
    str | None,
    typer.Option(
        "--endpoint",
        help="Server URL. Default: FILMSTACK_ENDPOINT, AS_API_ENDPOINT, the login, "
        "http://127.0.0.1:8000/.",
        show_default=False,
    ),
]
ApiKeyOption = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        help="API key. Default: FILMSTACK_API_KEY, AS_API_KEY, then the login.",
        show_default=False,
    ),
]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print `error: message` on stderr; return the Exit to raise."""
    err().print(f"[red]error:[/] {message}", markup=True)
    return typer.Exit(code)


def in_cli_words(exc: ConfigurationError) -> str:
    """The client's message, told with the command line's options rather than Python's."""
    if isinstance(exc, MissingAPIKey):
        return (
            "No API key: pass --api-key, set FILMSTACK_API_KEY (or AS_API_KEY), "
            "or run `filmstack login`."
        )
    if isinstance(exc, MissingSubstrate):
        return f"{exc.text!r} names no substrate: end it with 'on <substrate>' or give --substrate."
    return str(exc)


# API fields as the CLI's options name them, for the server's 422s (where a field was sent).
OPTION_FOR_FIELD: dict[tuple[str, ...], str] = {
    ("prompt",): "--from-text",
    ("sample", "sample_name"): "--name",
    ("sample_name",): "--name",
    ("name",): "--name",
    ("sample", "substrate"): "--substrate",
    ("substrate",): "--substrate",
    ("sample", "sample_metadata"): "--metadata",
    ("sample_metadata",): "--metadata",
    ("detail_note_content",): "--note",
    ("element",): "--element",
    ("limit",): "--limit",
}


def problems_in_cli_words(exc: InvalidInput) -> str:
    """The server's 422, with each field named by the option that sent it."""
    if not exc.problems:
        return str(exc)
    parts = []
    for problem in exc.problems:
        loc = tuple(str(p) for p in problem.get("loc", []) if p not in ("body", "query", "path"))
        where = OPTION_FOR_FIELD.get(loc, ".".join(loc))
        msg = str(problem.get("msg", ""))
        parts.append(f"{where}: {msg}" if where else msg)
    return f"{exc.status}: " + "; ".join(parts)


def handle_errors(command: Callable[P, R]) -> Callable[P, R]:
    """Turn the client's exceptions into a one-line message on stderr and exit code 1."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return command(*args, **kwargs)
        except ConfigurationError as exc:
            raise fail(in_cli_words(exc), 2) from None
        except InvalidInput as exc:
            raise fail(problems_in_cli_words(exc)) from None
        except TransportError as exc:
            raise fail(
                f"{exc}: is filmstack serving there? Give its URL with --endpoint "
                "or FILMSTACK_ENDPOINT."
            ) from None
        except FilmstackError as exc:
            raise fail(str(exc)) from None

    return wrapper


@contextmanager
def connect(api_key: str | None = None, endpoint: str | None = None) -> Iterator[Client]:
    """A Client from options, then environment, then the saved login."""
    with Client(api_key, endpoint) as client:
        yield client


def write_config(path: Path, endpoint: str, api_key: str) -> None:
    """Write the login as TOML, readable by its owner only (mode 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # JSON string syntax is valid TOML basic-string syntax.
    text = f"endpoint = {json.dumps(endpoint)}\napi_key = {json.dumps(api_key)}\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        os.fchmod(fh.fileno(), 0o600)  # the file may have existed with wider permissions
        fh.write(text)


@handle_errors
def login(
    endpoint: EndpointOption = None,
    api_key: ApiKeyOption = None,
    verify: Annotated[
        bool, typer.Option(help="Check the key against the server before saving.")
    ] = True,
) -> None:
    """Save the server URL and your API key for later commands and for Client().

    The file is ~/.config/filmstack/config.toml (or $XDG_CONFIG_HOME/filmstack, or
    $FILMSTACK_CONFIG), readable only by you. Environment variables override it. Without
    --api-key the key is asked for without echo.

    Example: filmstack login --endpoint http://lab-server:8000/
    """
    endpoint = resolve_endpoint(endpoint) if endpoint else None
    if endpoint is None:
        endpoint = typer.prompt("Server URL", default=resolve_endpoint(), err=True)
        endpoint = resolve_endpoint(endpoint)
    if not api_key:
        api_key = typer.prompt("API key", hide_input=True, err=True)
    api_key = resolve_api_key(api_key)
    if api_key is None:
        raise fail("the API key is empty", 2)
    if verify:
        with Client(api_key, endpoint, retries=1) as client:
            next(client.iter_target_materials(page_size=1), None)
    path = config_path()
    write_config(path, endpoint, api_key)
    err().print(f"Saved the login for {endpoint} in {path}")
    overriding = [v for v in ("FILMSTACK_API_KEY", "AS_API_KEY") if os.environ.get(v)]
    if overriding:
        err().print(f"Note: {' and '.join(overriding)} is set and takes precedence over it.")


def logout() -> None:
    """Forget the saved login (the key itself stays valid on the server).

    Example: filmstack logout
    """
    path = config_path()
    if path.exists():
        path.unlink()
        err().print(f"Removed {path}")
    else:
        err().print(f"No saved login at {path}")
