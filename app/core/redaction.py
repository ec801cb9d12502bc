"""Keys never reach a log: a filter for uvicorn's access log, installed by the app."""

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
ACCESS_LOGGER = "uvicorn.access"

# A key as generate_key() makes it (`sam_` + URL-safe base64), also percent-encoded (`%5F`),
# a person's calendar token (`samcal_`), and a sign-in token (a JWT: `eyJ…`.`…`.`…`).
_KEY = re.compile(
    r"sam(?:cal)?(?:_|%5[Ff])[A-Za-z0-9_\-%]+|eyJ[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*"
)
# Query parameters whose values are secrets, whatever they hold.
_SECRET_PARAMS = frozenset({"token"})


def _redact_query(query: str) -> str:
    parts = []
    for pair in query.split("&"):
        name, sep, _value = pair.partition("=")
        if sep and unquote_plus(name).strip().lower() in _SECRET_PARAMS:
            pair = f"{name}={REDACTED}"
        parts.append(pair)
    return "&".join(parts)


def redact(text: str) -> str:
    """`text` with secret query values and key-looking strings replaced by `[redacted]`."""
    path, sep, query = text.partition("?")
    if sep:
        text = path + sep + _redact_query(query)
    return _KEY.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments so that no key is written out.

    uvicorn's access log formats `'%s - "%s %s HTTP/%s" %d'` with the full path (query
    string included) as an argument, so the arguments are redacted, not only the message.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {
                k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()
            }
        return True


def install_log_redaction() -> None:
    """Add the filter to uvicorn's access logger, once per process."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
