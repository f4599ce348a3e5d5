"""Where the client finds its endpoint and key: arguments, environment, then the saved login."""

import os
import tomllib
from pathlib import Path

DEFAULT_ENDPOINT = "http://127.0.0.1:8000/"


def config_path() -> Path:
    """Where `filmstack login` keeps endpoint and key: $FILMSTACK_CONFIG, else the XDG place."""
    explicit = os.environ.get("FILMSTACK_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base).expanduser() / "filmstack" / "config.toml"


def load_config() -> dict[str, str]:
    """The saved login ({} when there is none or it cannot be read)."""
    try:
        with config_path().open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str) and k in ("endpoint", "api_key")}


def resolve_api_key(api_key: str | None = None) -> str | None:
    """Argument, else FILMSTACK_API_KEY, else AS_API_KEY, else the saved login."""
    for value in (
        api_key,
        os.environ.get("FILMSTACK_API_KEY"),
        os.environ.get("AS_API_KEY"),
        load_config().get("api_key"),
    ):
        if value and value.strip():
            return value.strip()
    return None


def resolve_endpoint(endpoint: str | None = None) -> str:
    """Argument, else FILMSTACK_ENDPOINT, else AS_API_ENDPOINT, else the saved login, else local."""
    for value in (
        endpoint,
        os.environ.get("FILMSTACK_ENDPOINT"),
        os.environ.get("AS_API_ENDPOINT"),
        load_config().get("endpoint"),
    ):
        if value and value.strip():
            value = value.strip()
            return value if value.endswith("/") else value + "/"
    return DEFAULT_ENDPOINT


__all__ = ["DEFAULT_ENDPOINT", "config_path", "load_config", "resolve_api_key", "resolve_endpoint"]
