"""What a parser may use besides its file: the keyed user-id hash and per-run options."""

from __future__ import annotations

from dataclasses import dataclass, field

from flywheel_assets.keys import keyed_hash


@dataclass
class IngestContext:
    key: bytes
    options: dict = field(default_factory=dict)

    def hash_user(self, raw_user_id) -> str | None:
        """Keyed hash of a user id; the raw id must never be stored anywhere else."""
        if raw_user_id is None or raw_user_id == "":
            return None
        return keyed_hash(self.key, str(raw_user_id), purpose="user")
