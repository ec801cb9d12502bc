"""One settings object, read from `SAMSTYRE_*` environment variables."""

from functools import lru_cache
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The signature algorithms a sign-in token may use: asymmetric only (DESIGN §3, sign-in).
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384")


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
    max_in_flight: int = Field(
        default=8,
        ge=0,
        le=1000,
        description="Requests one worker works on at once (the rest wait in arrival order; "
        "health probes pass by); 0: no limit.",
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

    oidc_issuer: str | None = Field(
        default=None,
        description=(
            "Turns on sign-in: the OpenID Connect issuer whose access tokens (signed JWTs) "
            "are accepted as bearer tokens besides API keys, e.g. "
            "https://login.microsoftonline.com/<tenant>/v2.0. Its discovery document is read "
            "from <issuer>/.well-known/openid-configuration and its keys from `jwks_uri`. "
            "https only (http only on a loopback address, for development). Unset: no sign-in."
        ),
    )
    oidc_audience: str | None = Field(
        default=None,
        description=(
            "The `aud` a token must carry: the API's own identifier at the issuer (Entra: the "
            "application ID URI or client id of the API registration; Keycloak: the client "
            "the audience mapper names). Required when `oidc_issuer` is set."
        ),
    )
    oidc_algorithms: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: list(ASYMMETRIC_ALGORITHMS),
        description=(
            "Comma-separated signature algorithms accepted; only asymmetric ones "
            f"({', '.join(ASYMMETRIC_ALGORITHMS)}) may be named."
        ),
    )
    oidc_leeway_seconds: int = Field(
        default=60,
        ge=0,
        le=300,
        description="Clock skew allowed when checking a token's `exp`, `nbf` and `iat`.",
    )
    oidc_timeout_seconds: float = Field(
        default=5,
        gt=0,
        le=30,
        description="How long fetching the issuer's discovery document or keys may take.",
    )
    oidc_jwks_cache_seconds: float = Field(
        default=600,
        ge=10,
        le=86_400,
        description=(
            "How long the issuer's keys are trusted before they are fetched again. A token "
            "with an unknown `kid` fetches them at once (at most once per 10 seconds), so a "
            "rotation needs no restart; while the issuer is away, known keys keep working."
        ),
    )
    oidc_name_claim: str = Field(
        default="name",
        description="The claim a person's name is read from (then `preferred_username`, "
        "`email`, `sub`).",
    )
    oidc_email_claim: str = Field(
        default="email", description="The claim a person's e-mail address is read from."
    )

    @field_validator("oidc_issuer", mode="before")
    @classmethod
    def _check_issuer(cls, value: object) -> object:
        """https, or http on a loopback host; no trailing slash kept out of `iss` matching."""
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            return value
        parts = urlsplit(value.strip())
        loopback = parts.hostname in ("localhost", "127.0.0.1", "::1")
        if not parts.netloc or parts.query or "#" in value:
            raise ValueError("must be the issuer's URL, e.g. https://login.example.org/realm")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            raise ValueError("must be an https URL (http only on a loopback address)")
        return value.strip()

    @field_validator("oidc_audience", mode="before")
    @classmethod
    def _empty_audience(cls, value: object) -> object:
        """An empty audience is none."""
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("oidc_algorithms", mode="before")
    @classmethod
    def _check_algorithms(cls, value: object) -> object:
        """Only asymmetric algorithms: `none` and HMAC would let a public key sign tokens."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list):
            if not value:
                raise ValueError("name at least one algorithm")
            if wrong := [a for a in value if a not in ASYMMETRIC_ALGORITHMS]:
                raise ValueError(
                    f"only asymmetric algorithms are accepted ({', '.join(ASYMMETRIC_ALGORITHMS)})"
                    f", not {', '.join(map(str, wrong))}"
                )
        return value

    @model_validator(mode="after")
    def _audience_with_issuer(self) -> "Settings":
        """Sign-in needs both: a token for another audience must never pass."""
        if self.oidc_issuer is not None and self.oidc_audience is None:
            raise ValueError("SAMSTYRE_OIDC_AUDIENCE is required when SAMSTYRE_OIDC_ISSUER is set")
        return self

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
