"""Refactor safety net: every span the default cascade finds on presidio_dev (all texts), pii_real_dev and the
probe file, written as one JSON file. Two runs over the same code must give byte-identical files.

    python -m benchmarks.pii_spans_snapshot OUT.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from benchmarks.pii_benchmark import DEFAULT_DATA, PROBE, load, load_emails, load_probe


def main(argv: list[str] | None = None) -> int:
    from flywheel_assets.privacy.cascade import Cascade
    from flywheel_assets.privacy.config import PrivacyConfig

    out = Path((argv if argv is not None else sys.argv[1:])[0])
    sets = {"presidio_dev": [s["full_text"] for s in load(DEFAULT_DATA)],
            "pii_real_dev": [s["full_text"] for s in load_emails(DEFAULT_DATA.parent.parent / "pii_real_dev" /
                                                                 "emails.jsonl")],
            "probe": [s["full_text"] for s in load_probe(PROBE)]}
    casc = Cascade(PrivacyConfig())
    result = {name: [[[s.start, s.end, s.entity_type, round(s.score, 6), s.source] for s in spans]
                     for spans in casc.scan_many(texts)] for name, texts in sets.items()}
    out.write_text(json.dumps(result, sort_keys=True), encoding="utf-8")
    print(out, {k: sum(map(len, v)) for k, v in result.items()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
