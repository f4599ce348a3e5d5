"""Settings, read from FILMSTACK_* environment variables and passed to create_app."""

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from filmstack.schemas import COMPOSITION_CEILING, NAME_CEILING, NOTE_CEILING
from filmstack.schemas_epitaxy import PROMPT_CEILING

# Each text limit, with the structural ceiling no configured value may exceed.
CEILINGS = {
    "max_name_length": (NAME_CEILING, "the name columns hold 255 characters"),
    "max_composition_length": (COMPOSITION_CEILING, "the formula column holds 200 characters"),
    "max_note_length": (NOTE_CEILING, "the wire schema's bound"),
    "max_prompt_length": (PROMPT_CEILING, "the wire schema's bound"),
}


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
    max_import_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024, description="Largest .eln file POST /import takes."
    )
    max_layers: int = Field(default=500, ge=1, description="Layers a stack may hold.")
    max_name_length: int = Field(
        default=NAME_CEILING,
        ge=1,
        description="Characters of sample_name, substrate and a physical sample's name, trimmed.",
    )
    max_composition_length: int = Field(
        default=COMPOSITION_CEILING, ge=1, description="Characters of a layer's composition_string."
    )
    max_note_length: int = Field(
        default=NOTE_CEILING, ge=1, description="Characters of a detail note."
    )
    max_prompt_length: int = Field(
        default=PROMPT_CEILING, ge=1, description="Characters of a stack text (prompt)."
    )
    max_metadata_bytes: int = Field(default=64 * 1024, ge=2)
    max_metadata_depth: int = Field(default=32, ge=1)
    max_page_rows: int = Field(
        default=10_000,
        ge=1,
        description="Rows (layers) per page of the list; a page always holds one whole material.",
    )
    db_connections: int = Field(
        default=80,
        ge=1,
        description=(
            "Database connections one server may open over all its worker processes; the default "
            "leaves 20 of PostgreSQL's default max_connections (100) for everything else."
        ),
    )
    workers: int = Field(
        default=1, ge=1, description="Worker processes of this server; `serve --workers` sets it."
    )

    @model_validator(mode="after")
    def _within_ceilings(self) -> "Settings":
        for field, (ceiling, why) in CEILINGS.items():
            value = getattr(self, field)
            if value > ceiling:
                raise ValueError(
                    f"FILMSTACK_{field.upper()} is {value}, above its ceiling of {ceiling} "
                    f"({why}); set it to {ceiling} or less"
                )
        return self

    def connections_per_worker(self) -> int:
        """Each worker's share of db_connections (at least one)."""
        return max(1, self.db_connections // self.workers)

    trash_days: int = Field(
        default=30,
        ge=0,
        description="Days a deleted material stays in the trash before it is purged for good.",
    )
    db_timeout_s: float = Field(
        default=5.0,
        gt=0,
        le=600,
        description="Connect and statement timeout (PostgreSQL), busy timeout (SQLite), seconds.",
    )
    db_pool_timeout_s: float = Field(
        default=5.0, gt=0, le=600, description="Wait for a free pooled connection, seconds."
    )
    health_timeout_s: float = Field(
        default=1.0, gt=0, le=60, description="/healthz answers 503 when the check takes longer."
    )
    auth_failure_limit: int = Field(
        default=20, ge=1, description="Failed key checks one client address may make per window."
    )
    auth_failure_window_s: float = Field(
        default=60.0, gt=0, description="Window of auth_failure_limit, seconds."
    )
    header_timeout_s: float = Field(
        default=10.0, gt=0, le=3600, description="Time a client has to send a request's headers."
    )
    body_timeout_s: float = Field(
        default=30.0, gt=0, le=3600, description="Time a client has to send a request's body."
    )
    telemetry: bool = Field(
        default=False,
        description="FastAPI's OpenTelemetry spans and metrics, for the providers the process "
        "configures (off: its check of the providers costs every request).",
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
