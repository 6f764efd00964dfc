"""Per-partition residual scan over finished warehouses: how the blocking residual-PII check judges each day under
the per-day rate and under the small-partition rule (``privacy.residual_min_chars``).

    python -m benchmarks.residual_days W1.duckdb [W2.duckdb ...] [--allow Acme ...] [--jsonl out.jsonl]

For every partition of ``redacted_trajectories`` it runs ``privacy.residual.residual_scan`` with the shipped
PrivacyConfig (plus ``--allow`` terms) and prints one JSON line (chars scanned, suspected chars, hits by type),
then per warehouse: days, small days, days failing under the per-day rate (``residual_min_chars=0``) and under
the shipped rule, and the pooled rate."""

from __future__ import annotations

import argparse
import json
import sys

from flywheel_assets import warehouse
from flywheel_assets.privacy.config import PrivacyConfig
from flywheel_assets.privacy.policy import check_policy
from flywheel_assets.privacy.redact import unit_texts
from flywheel_assets.privacy.residual import residual_scan


def _blocks(residual: dict, cfg: PrivacyConfig) -> bool:
    check = {c["name"]: c for c in check_policy({}, residual, [], cfg)}["pii_residual_rate_under_threshold"]
    return not check["passed"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouses", nargs="+", help="warehouse files of finished runs")
    ap.add_argument("--allow", nargs="*", default=[], help="allow-list terms of the runs' config")
    ap.add_argument("--jsonl", default="", help="also write the per-day lines here")
    a = ap.parse_args(argv)
    cfg = PrivacyConfig(allow_list=list(a.allow))
    per_day_cfg = cfg.model_copy(update={"residual_min_chars": 0})
    out = open(a.jsonl, "w", encoding="utf-8") if a.jsonl else None
    for w in a.warehouses:
        wh = warehouse.resolve(w)
        rows = []
        for d in warehouse.partitions(wh, "redacted_trajectories"):
            red = warehouse.read_partition(wh, "redacted_trajectories", d, order_by="unit_id")
            r = residual_scan(unit_texts(red), cfg)
            row = {"warehouse": w, "day": str(d), "units": red.height, "chars_scanned": r["chars_scanned"],
                   "suspect_chars": r["suspect_chars"], "hits_by_type": r["hits_by_type"],
                   "residual_rate": r["residual_rate"], "blocks_per_day_rate": _blocks(r, per_day_cfg),
                   "blocks": _blocks(r, cfg)}
            rows.append(row)
            line = json.dumps(row)
            print(line, flush=True)
            if out:
                out.write(line + "\n")
        chars = sum(r["chars_scanned"] for r in rows)
        print(f"# {w}: {len(rows)} days, {sum(r['chars_scanned'] < cfg.residual_min_chars for r in rows)} under "
              f"{cfg.residual_min_chars} chars; failing: per-day rate {sum(r['blocks_per_day_rate'] for r in rows)}, "
              f"shipped rule {sum(r['blocks'] for r in rows)}; pooled rate "
              f"{sum(r['suspect_chars'] for r in rows) / max(chars, 1):.4%}", flush=True)
    if out:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
