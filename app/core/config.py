"""One settings object, read from `SAMSTYRE_*` environment variables."""

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field maps to `SAMSTYRE_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="SAMSTYRE_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///var/samstyre.db",
        description="SQLAlchemy URL; SQLite file by default, PostgreSQL via postgresql+psycopg://",
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated origins allowed by CORS; none by default.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = Field(
        default="text",
        description=(
            "`text`: readable lines (development). `json`: one JSON object per line on stdout "
            "for every log line the server writes, uvicorn's included (the Docker image)."
        ),
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "Turns on `/metrics` (Prometheus text format), which then needs "
            "`Authorization: Bearer <this token>`; unset, `/metrics` is 404."
        ),
    )
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest accepted request body.")
    db_pool_size: int = Field(
        default=20,
        ge=1,
        le=200,
        description="PostgreSQL connections each worker keeps open (plus up to 10 more under "
        "load); a request holds one from its first query to its end.",
    )
    key_cache_seconds: float = Field(
        default=5,
        ge=0,
        le=5,
        description="How long a worker trusts a key it has looked up (0: look up every "
        "request). A revocation takes effect at once on the worker that served it and "
        "within this delay on every other.",
    )
    public_url: str | None = Field(
        default=None,
        description=(
            "The origin (and path prefix, if any) clients reach the API at, e.g. "
            "https://samstyre.example.org; absolute URLs the API writes (Link) start with it. "
            "Unset: those URLs are relative to the root (/api/v1/...), never built from Host."
        ),
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description=(
            "`samstyre serve`: comma-separated proxy addresses (or `*`) whose X-Forwarded-For "
            "and X-Forwarded-Proto are trusted; the default trusts only a proxy on this host."
        ),
    )

    @field_validator("public_url", mode="before")
    @classmethod
    def _check_public_url(cls, value: object) -> object:
        """An http(s) URL with a host and no query (nor fragment); no trailing slash."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or "#" in value:
            raise ValueError("must be an http(s) URL such as https://samstyre.example.org")
        return value.strip().rstrip("/")

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _no_empty_token(cls, value: object) -> object:
        """An empty token is no token: `/metrics` stays off."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        """Accept a comma-separated string, as environment variables are."""
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings."""
    return Settings()
