"""Length balance of preference pairs: DPO must not learn "longer wins" (or "shorter wins").

- pairs whose chosen and rejected are identical (normalised) are dropped (``identical``);
- an empty rejected (no text, no tool call) is dropped unless its source is listed in
  ``allow_empty_rejected_sources`` (real product behaviour, e.g. a model that returned nothing); same for empty chosen;
- a pair whose length ratio (longer / shorter) exceeds ``drop_ratio`` (per source: ``source_drop_ratio``) is dropped (``extreme_length_ratio``); above
  ``max_ratio`` it is down-weighted by ``max_ratio / ratio`` (or dropped in ``mode='drop'``);
- finally the side that wins more often (chosen longer vs chosen shorter, by weight) is down-weighted towards
  ``target_longer_share`` (never by more than ``min_balance_factor``).

Check functions (Dagster asset checks): :func:`check_no_identical`, :func:`check_length_ratio`.
"""

from __future__ import annotations

import json

import numpy as np
import polars as pl

from flywheel_assets.feedback import messages as c
from flywheel_assets.feedback.config import FeedbackConfig, LengthBalanceConfig
from flywheel_assets.report import Report, png_bytes


def _lcfg(cfg) -> LengthBalanceConfig:
    if cfg is None:
        return LengthBalanceConfig()
    if isinstance(cfg, FeedbackConfig):
        return cfg.length
    return cfg


def _norm_cont(text: str) -> str:
    try:
        msgs = json.loads(text)
    except (TypeError, ValueError):
        return c.norm_light(str(text))
    if not isinstance(msgs, list):
        return c.norm_light(str(text))
    return "|".join(c.msg_key(m) for m in msgs if isinstance(m, dict))


def _ratio(cl: int, rl: int) -> float:
    lo, hi = min(cl, rl), max(cl, rl)
    return float(hi) / float(max(lo, 1))


def _has_calls(text: str) -> bool:
    msgs = c.load_json(text, [])
    return any(isinstance(m, dict) and m.get("tool_calls") for m in msgs)


def drop_ratio_for(source: str | None, lc: LengthBalanceConfig) -> float:
    """The drop ratio of a pair source (``source_drop_ratio`` overrides ``drop_ratio``)."""
    return float(lc.source_drop_ratio.get(source or "", lc.drop_ratio))


def balance(pairs: pl.DataFrame, cfg=None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return (kept, dropped). ``dropped`` has the pair columns + ``drop_reason``. Weights of kept pairs are adjusted."""
    lc = _lcfg(cfg)
    if pairs.height == 0:
        return pairs, pairs.with_columns(pl.lit(None, dtype=pl.Utf8).alias("drop_reason"))
    reasons, weights = [], []
    for r in pairs.iter_rows(named=True):
        reason = None
        w = float(r["weight"] if r["weight"] is not None else 1.0)
        cl, rl = int(r["chosen_len"] or 0), int(r["rejected_len"] or 0)
        ratio = _ratio(cl, rl)
        if _norm_cont(r["chosen"]) == _norm_cont(r["rejected"]):
            reason = "identical"
        elif rl == 0 and not _has_calls(r["rejected"]) and r["pair_source"] not in lc.allow_empty_rejected_sources:
            reason = "empty_rejected"
        elif cl == 0 and not _has_calls(r["chosen"]):
            reason = "empty_chosen"
        elif ratio > drop_ratio_for(r.get("pair_source"), lc):
            reason = "extreme_length_ratio"
        elif ratio > lc.max_ratio:
            if lc.mode == "drop":
                reason = "extreme_length_ratio"
            else:
                w *= lc.max_ratio / ratio
        reasons.append(reason)
        weights.append(w)
    tagged = pairs.with_columns(pl.Series("drop_reason", reasons, dtype=pl.Utf8),
                                pl.Series("weight", weights, dtype=pl.Float64))
    dropped = tagged.filter(pl.col("drop_reason").is_not_null())
    kept = tagged.filter(pl.col("drop_reason").is_null()).drop("drop_reason")
    kept = _rebalance(kept, lc)
    return kept.sort("pair_id"), dropped.sort("pair_id")


def _rebalance(kept: pl.DataFrame, lc: LengthBalanceConfig) -> pl.DataFrame:
    if kept.height == 0:
        return kept
    longer = (pl.col("chosen_len") > pl.col("rejected_len"))
    shorter = (pl.col("chosen_len") < pl.col("rejected_len"))
    wl = float(kept.filter(longer)["weight"].sum() or 0.0)
    ws = float(kept.filter(shorter)["weight"].sum() or 0.0)
    t = min(max(lc.target_longer_share, 0.05), 0.95)
    if wl <= 0 or ws <= 0:
        return kept
    share = wl / (wl + ws)
    if share > t:  # scale the longer-wins side: wl' / (wl' + ws) = t
        f = max(lc.min_balance_factor, (t / (1 - t)) * ws / wl)
        return kept.with_columns(pl.when(longer).then(pl.col("weight") * f).otherwise(pl.col("weight"))
                                 .round(6).alias("weight"))
    if share < t:
        f = max(lc.min_balance_factor, ((1 - t) / t) * wl / ws)
        return kept.with_columns(pl.when(shorter).then(pl.col("weight") * f).otherwise(pl.col("weight"))
                                 .round(6).alias("weight"))
    return kept


def ratio_stats(pairs: pl.DataFrame) -> dict:
    if pairs.height == 0:
        return {"n_pairs": 0}
    cl = pairs["chosen_len"].cast(pl.Float64).to_numpy()
    rl = pairs["rejected_len"].cast(pl.Float64).to_numpy()
    w = pairs["weight"].cast(pl.Float64).fill_null(1.0).to_numpy()
    lr = np.log2(np.maximum(cl, 1) / np.maximum(rl, 1))
    longer, shorter = cl > rl, cl < rl
    wl, ws = float(w[longer].sum()), float(w[shorter].sum())
    nl, ns = int(longer.sum()), int(shorter.sum())
    q = np.quantile(lr, [0.05, 0.25, 0.5, 0.75, 0.95])
    return {
        "n_pairs": int(pairs.height),
        "longer_wins_share": round(nl / max(nl + ns, 1), 4),
        "longer_wins_share_weighted": round(wl / max(wl + ws, 1e-12), 4) if (wl + ws) > 0 else 0.5,
        "log2_ratio_p05": round(float(q[0]), 4),
        "log2_ratio_p25": round(float(q[1]), 4),
        "log2_ratio_median": round(float(q[2]), 4),
        "log2_ratio_p75": round(float(q[3]), 4),
        "log2_ratio_p95": round(float(q[4]), 4),
        "max_ratio": round(float(np.max(np.maximum(cl, 1) / np.maximum(rl, 1))
                                 if len(cl) else 0.0), 4),
        "max_inverse_ratio": round(float(np.max(np.maximum(rl, 1) / np.maximum(cl, 1))) if len(cl) else 0.0, 4),
    }


def length_report(kept: pl.DataFrame, dropped: pl.DataFrame | None = None, cfg=None) -> Report:
    lc = _lcfg(cfg)
    stats = ratio_stats(kept)
    dropped = dropped if dropped is not None else pl.DataFrame()
    by_reason = {}
    if dropped.height:
        for reason, n in dropped.group_by("drop_reason").len().sort("drop_reason").iter_rows():
            by_reason[reason] = int(n)
    figures = {}
    if kept.height:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt

        lr = np.log2(np.maximum(kept["chosen_len"].to_numpy(), 1) / np.maximum(kept["rejected_len"].to_numpy(), 1))
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(lr, bins=30, weights=kept["weight"].fill_null(1.0).to_numpy(), color="#4477aa")
        ax.axvline(0, color="k", lw=0.8)
        for x in (np.log2(lc.max_ratio), -np.log2(lc.max_ratio)):
            ax.axvline(x, color="#cc6677", ls="--", lw=0.8)
        ax.set_xlabel("log2(chosen_len / rejected_len)")
        ax.set_ylabel("weighted pairs")
        ax.set_title("chosen/rejected length ratio")
        figures["length_ratio_hist"] = png_bytes(fig)
    by_source = (kept.group_by("pair_source").agg(pl.len().alias("pairs"), pl.col("weight").sum().round(3),
                                                  pl.col("length_ratio").median().round(3).alias("median_ratio"))
                 .sort("pair_source") if kept.height else pl.DataFrame())
    md = ["## Length balance", "",
          f"kept {stats.get('n_pairs', 0)} pairs; dropped: " + (", ".join(f"{k} {v}" for k, v in by_reason.items())
                                                               or "none"), ""]
    if kept.height:
        md += [f"longer-wins share {stats['longer_wins_share']:.2f} (weighted {stats['longer_wins_share_weighted']:.2f});"
               f" log2 ratio p05 {stats['log2_ratio_p05']:.2f}, median {stats['log2_ratio_median']:.2f}, "
               f"p95 {stats['log2_ratio_p95']:.2f}", ""]
    summary = dict(stats)
    summary["dropped_by_reason"] = by_reason
    return Report(name="length_balance", summary=summary, markdown="\n".join(md),
                  tables={"by_source": by_source}, figures=figures)


def check_no_identical(pairs: pl.DataFrame) -> tuple[bool, dict]:
    """No pair may have identical (normalised) chosen and rejected continuations."""
    bad = [r["pair_id"] for r in pairs.select("pair_id", "chosen", "rejected").iter_rows(named=True)
           if _norm_cont(r["chosen"]) == _norm_cont(r["rejected"])]
    return (not bad), {"n_pairs": int(pairs.height), "n_identical": len(bad), "examples": sorted(bad)[:5]}


def check_length_ratio(pairs: pl.DataFrame, cfg=None) -> tuple[bool, dict]:
    """Fails when a pair exceeds ``drop_ratio`` or the weighted longer-wins share leaves 0.5 +- tolerance."""
    lc = _lcfg(cfg)
    stats = ratio_stats(pairs)
    if pairs.height == 0:
        return True, stats
    src = pairs["pair_source"] if "pair_source" in pairs.columns else pl.Series([None] * pairs.height)
    over = int(sum(1 for (cl, rl), s in zip(pairs.select("chosen_len", "rejected_len").iter_rows(), src.to_list())
                   if _ratio(int(cl or 0), int(rl or 0)) > drop_ratio_for(s, lc)))
    share = stats["longer_wins_share_weighted"]
    n_diff = int((pairs["chosen_len"] != pairs["rejected_len"]).sum())
    share_ok = n_diff < lc.min_pairs_for_share_check or abs(share - 0.5) <= lc.tolerance
    ok = over == 0 and share_ok
    stats.update({"n_over_drop_ratio": over, "tolerance": lc.tolerance, "drop_ratio": lc.drop_ratio,
                  "share_checked": n_diff >= lc.min_pairs_for_share_check})
    return ok, stats
