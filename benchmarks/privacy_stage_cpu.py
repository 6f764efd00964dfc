"""CPU seconds of the privacy partition asset's work, per step, for days already in a warehouse.

    PYTHONPATH=<source tree> python benchmarks/privacy_stage_cpu.py --warehouse W.duckdb [--texts-once] DAY [DAY ...]

Reads each day's ``training_units`` and does what ``defs/privacy/assets.py`` does (policy gate, ``redact_units``,
residual scan and the redacted texts, canary probe) in one process, printing process-time CPU seconds per step and
the last residual rate. ``--texts-once`` parses the redacted texts once for both checks (the asset since
2026-12-07); without it the residual scan parses them itself and they are parsed again (the asset before), so the
same script measures an older source tree given through PYTHONPATH. Used for docs/benchmarks.md ("End-to-end
profile of flywheel run, 2026-12-07"); copy the warehouse first if a run may be writing to it.
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
    ap.add_argument("--texts-once", action="store_true")
    ap.add_argument("days", nargs="+")
    args = ap.parse_args()
    t0 = time.process_time()
    from flywheel_assets import warehouse
    from flywheel_assets.keys import load_key
    from flywheel_assets.privacy.canaries import canary_probe
    from flywheel_assets.privacy.config import PrivacyConfig
    from flywheel_assets.privacy.policy import apply_policy
    from flywheel_assets.privacy.redact import redact_units, unit_texts
    from flywheel_assets.privacy.residual import residual_scan

    cfg, key = PrivacyConfig(), load_key(demo=True)
    tot: dict[str, float] = {}
    res: dict = {}
    for d in args.days:
        day = date.fromisoformat(d)
        units = warehouse.read_partition(args.warehouse, "training_units", day, order_by="unit_id")
        t = time.process_time()
        kept = apply_policy(units, cfg, as_of=day).kept
        red = redact_units(kept, cfg, key).units
        t1 = time.process_time()
        if args.texts_once:
            res = residual_scan(unit_texts(red), cfg)
        else:
            res = residual_scan(red, cfg)
            unit_texts(red)
        t2 = time.process_time()
        canary_probe(kept.head(40), cfg, key)
        t3 = time.process_time()
        for k, v in (("redact", t1 - t), ("residual+texts", t2 - t1), ("probe", t3 - t2)):
            tot[k] = tot.get(k, 0.0) + v
    print({k: round(v, 1) for k, v in tot.items()}, "privacy total", round(sum(tot.values()), 1),
          "process", round(time.process_time() - t0, 1), "residual_rate", res.get("residual_rate"))


if __name__ == "__main__":
    main()
