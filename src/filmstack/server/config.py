"""Settings, read from FILMSTACK_* environment variables and passed to create_app."""

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path.home() / ".local" / "share" / "filmstack"


class Settings(BaseSettings):
    """Everything the server can be configured with; see README for the variables."""

    model_config = SettingsConfigDict(env_prefix="FILMSTACK_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: a SQLite file filmstack.db in data_dir.",
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    max_layers: int = Field(default=500, ge=1)
    max_metadata_bytes: int = Field(default=64 * 1024, ge=2)
    max_metadata_depth: int = Field(default=32, ge=1)
    trash_days: int = Field(
        default=30,
        ge=0,
        description="Days a deleted material stays in the trash before it is purged for good.",
    )

    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalize_database_url(self.database_url)
        return f"sqlite:///{self.data_dir.expanduser() / 'filmstack.db'}"


def normalize_database_url(url: str) -> str:
    """Let users paste a plain postgresql:// URL; we drive PostgreSQL with psycopg 3."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url
