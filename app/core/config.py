"""One settings object, read from `SAMSTYRE_*` environment variables."""

from functools import lru_cache
from typing import Annotated, Literal

from pydantic import Field, field_validator
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
    max_body_bytes: int = Field(default=1024 * 1024, description="Largest accepted request body.")

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
