"""CPU seconds of the residual scan (``privacy.residual.residual_scan``) over days already in a warehouse.

    PYTHONPATH=<source tree> python benchmarks/residual_scan_cpu.py --warehouse W.duckdb DAY [DAY ...]

Reads each day's ``redacted_trajectories``, takes its texts (``unit_texts``) and times ``residual_scan`` on them in
one process (the spaCy model is loaded and warmed before timing), printing process-time CPU seconds and each day's
rate, suspect chars, chars scanned and hits by type, so two source trees run on the same warehouse give comparable
figures and show that the results are equal. Used for docs/benchmarks.md ("Privacy stage cuts, 2026-12-08"); copy
the warehouse first if a run may be writing to it.
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date

os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--warehouse", required=True)
    ap.add_argument("days", nargs="+")
    args = ap.parse_args()
    from flywheel_assets import warehouse
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.detectors.presidio_ner import vanilla_analyzer
    from flywheel_assets.privacy.redact import unit_texts
    from flywheel_assets.privacy.residual import residual_scan

    cfg = PrivacyConfig()
    vanilla_analyzer(cfg.spacy_model).analyze(text="Warm up, John Smith.", language="en")
    total, results = 0.0, []
    for d in args.days:
        texts = unit_texts(warehouse.read_partition(args.warehouse, "redacted_trajectories", date.fromisoformat(d)))
        t = time.process_time()
        r = residual_scan(texts, cfg)
        total += time.process_time() - t
        results.append((d, r["residual_rate"], r["suspect_chars"], r["chars_scanned"], r["hits_by_type"]))
    print("residual_scan cpu_s", round(total, 1))
    for row in results:
        print(*row)


if __name__ == "__main__":
    main()
