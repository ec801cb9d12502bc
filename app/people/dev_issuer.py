"""A local OpenID Connect issuer, for development (`samstyre dev-issuer`) and the tests.

It generates real RSA and EC key pairs, serves its discovery document and its key set
(JWKS) over HTTP on a loopback port, and signs access tokens — the same HTTP path and the
same checks as a production issuer. Never for production: its keys live in memory and
anyone who can run it can mint tokens for any role.
"""

import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

DISCOVERY_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/jwks"

_CURVES = {"ES256": ec.SECP256R1, "ES384": ec.SECP384R1}


@dataclass
class SigningKey:
    """A key pair the issuer signs with."""

    kid: str
    alg: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK."""
        public = self.private.public_key()
        exported = (
            ECAlgorithm.to_jwk(public, as_dict=True)
            if self.alg.startswith("ES")
            else RSAAlgorithm.to_jwk(public, as_dict=True)
        )
        return {**dict(exported), "kid": self.kid, "alg": self.alg, "use": "sig"}


def generate_key(alg: str = "RS256", kid: str | None = None) -> SigningKey:
    """A new key pair for `alg` (RS*/PS*: RSA 2048; ES256: P-256; ES384: P-384)."""
    private: Any
    if alg in _CURVES:
        private = ec.generate_private_key(_CURVES[alg]())
    elif alg[:2] in ("RS", "PS"):
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(f"no asymmetric key for {alg}")
    return SigningKey(kid or f"{alg.lower()}-{uuid.uuid4().hex[:8]}", alg, private)


class DevIssuer:
    """An issuer on `http://127.0.0.1:<port>`: discovery, JWKS, and `token()` to sign."""

    def __init__(self, port: int = 0, keys: list[SigningKey] | None = None) -> None:
        self.port = port
        self.keys: dict[str, SigningKey] = {}
        self.published: list[str] = []  # kids in the JWKS, in order
        self.requests: list[str] = []  # paths served, for tests counting fetches
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        for key in keys if keys is not None else [generate_key("RS256")]:
            self.add_key(key)

    @property
    def url(self) -> str:
        """The issuer identifier (`iss`)."""
        return f"http://127.0.0.1:{self.port}"

    def add_key(self, key: SigningKey, *, publish: bool = True) -> SigningKey:
        """Sign with `key` from now on (`publish`: list it in the JWKS)."""
        self.keys[key.kid] = key
        if publish and key.kid not in self.published:
            self.published.append(key.kid)
        return key

    def unpublish(self, kid: str) -> None:
        """Drop a key from the JWKS (the issuer retired it)."""
        self.published = [k for k in self.published if k != kid]

    def discovery(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.url,
            "jwks_uri": self.url + JWKS_PATH,
            "authorization_endpoint": self.url + "/authorize",
            "token_endpoint": self.url + "/token",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": sorted({k.alg for k in self.keys.values()}),
            "code_challenge_methods_supported": ["S256"],
        }

    def jwks(self) -> dict[str, Any]:
        """The public keys now published."""
        return {"keys": [self.keys[kid].jwk() for kid in self.published]}

    def token(
        self,
        subject: str,
        audience: str,
        *,
        kid: str | None = None,
        lifetime: int = 3600,
        claims: Mapping[str, Any] | None = None,
        headers: Mapping[str, Any] | None = None,
    ) -> str:
        """An access token for `subject`, signed with `kid` (default: the first key)."""
        key = self.keys[kid or next(iter(self.keys))]
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.url,
            "sub": subject,
            "aud": audience,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
        }
        payload.update(claims or {})
        return jwt.encode(
            payload,
            key.private,
            algorithm=key.alg,
            headers={"kid": key.kid, "typ": "at+jwt", **(headers or {})},
        )

    # --- serving -------------------------------------------------------------------------

    def start(self) -> "DevIssuer":
        """Serve on the loopback interface (the port chosen on first start is kept)."""
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == DISCOVERY_PATH:
                    document = issuer.discovery()
                elif self.path == JWKS_PATH:
                    document = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                body = json.dumps(document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests and the CLI print what matters

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving: the issuer is unreachable (connections refused)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def serve_forever(self) -> None:
        """Block until interrupted (the CLI)."""
        if self._thread is None:
            self.start()
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()
