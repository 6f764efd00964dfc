"""The HMAC key that pseudonymises identities (user ids at ingest, PII entities at redaction).

The key comes from ``FLYWHEEL_PII_KEY``. Only demo mode may fall back to a built-in key, and it says so.
The key is never logged, never written to the warehouse or exports.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os

ENV_VAR = "FLYWHEEL_PII_KEY"
_DEMO_KEY = b"flywheel-demo-key-not-secret"
log = logging.getLogger(__name__)


class MissingKeyError(RuntimeError):
    pass


def load_key(*, demo: bool = False) -> bytes:
    raw = os.environ.get(ENV_VAR)
    if raw:
        return raw.encode("utf-8")
    if demo or os.environ.get("FLYWHEEL_DEMO") == "1":
        log.warning("%s is not set: using the built-in DEMO key (pseudonyms are not secret)", ENV_VAR)
        return _DEMO_KEY
    raise MissingKeyError(f"set {ENV_VAR} (a long random secret); only demo mode may run without it")


def keyed_hash(key: bytes, value: str, *, purpose: str = "user", length: int = 32) -> str:
    """HMAC-SHA256(key, purpose || value), hex, truncated. Deterministic for a given key."""
    msg = f"{purpose}\x1f{value}".encode("utf-8", "surrogatepass")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:length]
