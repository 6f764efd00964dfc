"""Leakage-free, production-mirroring train/validation/test splits.

Policy (docs/exports.md "Splits"):

1. **Groups.** Units are tied together (union-find) when they share a ``session_id`` or a value in any of
   ``cfg.group_columns`` (``dup_cluster_id`` = near-duplicate cluster, intent group, ...). A preference pair ties
   its chosen and rejected units, their sessions and its own ``group_id``: pairs *inherit their units' group*.
   One connected component = one ``group_id`` (the smallest member key, hashed) = one split, for SFT and DPO alike,
   so a duplicate cluster, an intent group or a conversation never straddles train/validation/test.
2. **SFT vs DPO.** With ``sft_dpo_overlap="disjoint"`` (default) a group that feeds any pair is DPO-only: its units
   get ``sft_eligible=False``, so SFT and DPO prompts built from the same logs never overlap at group level.
   The ``group_id`` names the component by its **anchor**, its earliest unit (``event_date``, then ``unit_id``):
   a group that grows with a new day keeps its id (new units come later), whatever keys the new units bring.
3. **Assignment.** A pure function of the group: ``u = sha256(seed, stratum, group_id)`` in [0, 1) against the
   cumulative ``split_fractions`` (``split_for``). The stratum (``stratify=True``) is the anchor unit's value of
   ``cfg.stratify_by`` (complexity bucket, tool mix, unit type), for groups feeding preference pairs too;
   every stratum thus gets each split with the configured probability, independently of the other groups, and
   ``stratify=False`` hashes the group id alone. No group's split depends on any other group, so a group keeps
   its split as days are added and a from-scratch run assigns exactly what an incremental warehouse does.
   ``split_assignment="balanced"`` instead walks all groups by stratum with a row-deficit (systematic) sample:
   exact shares, but a group's split then depends on every other group and moves as days are added.
   A group with more than ``cfg.eval_max_group_size`` rows (kept units or pairs) goes to train: one intent's
   many runs would otherwise be most of an eval split (it moves eval -> train once when it grows past the cap).
4. Units with ``kept == False`` or ``consent_training == False`` get ``split="excluded"`` (kept, not exported).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import polars as pl

from flywheel_assets.export.config import ExportConfig
from flywheel_assets.export.sft import parse_messages, tool_mix_of
from flywheel_assets.report import Report
from flywheel_assets.schema import stable_id

SPLITS = ("train", "validation", "test")


class _DSU:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:  # smallest key becomes the root: order-independent result
            lo, hi = sorted((ra, rb))
            self.parent[hi] = lo


def _u(seed: int, gid: str) -> float:
    return int(hashlib.sha256(f"{seed}\x1f{gid}".encode()).hexdigest()[:15], 16) / float(16**15)


def _vals(frame: pl.DataFrame, col: str) -> list:
    return frame[col].to_list() if col in frame.columns else [None] * frame.height


def _unit_tool_mix(units: pl.DataFrame) -> list[str]:
    if "tools_used" in units.columns:
        out = []
        for v in units["tools_used"].to_list():
            if isinstance(v, str):
                try:
                    v = json.loads(v)
                except ValueError:
                    v = [v]
            names = sorted({str(x) for x in (v or [])})
            out.append("+".join(names) if names else "none")
        return out
    return [tool_mix_of(parse_messages(m) or []) for m in _vals(units, "messages")]


def _fractions(cfg: ExportConfig) -> list[float]:
    f = [max(0.0, float(cfg.split_fractions.get(s, 0.0))) for s in SPLITS]
    tot = sum(f) or 1.0
    return [x / tot for x in f]


def split_for(u: float, cfg: ExportConfig) -> str:
    """The split of a group whose keyed hash is ``u`` in [0, 1): cumulative thresholds of ``split_fractions``."""
    fr = _fractions(cfg)
    return SPLITS[0] if u < fr[0] else (SPLITS[1] if u < fr[0] + fr[1] else SPLITS[2])


def assign_splits(
    curated: pl.DataFrame, pairs: pl.DataFrame | None, cfg: ExportConfig | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add ``group_id``, ``split``, ``sft_eligible``, ``tool_mix`` to curated units and ``group_id``/``split`` to pairs.

    Deterministic for the same input and config (row order of the input does not matter).
    """
    cfg = cfg or ExportConfig()
    pairs = pairs if pairs is not None else pl.DataFrame({"pair_id": []}, schema={"pair_id": pl.Utf8})
    dsu = _DSU()
    uids = [str(u) for u in _vals(curated, "unit_id")]
    group_cols = [c for c in cfg.group_columns if c in curated.columns]
    col_vals = {c: _vals(curated, c) for c in ["session_id", *group_cols]}
    for i, uid in enumerate(uids):
        k = f"u:{uid}"
        dsu.find(k)
        for c, vals in col_vals.items():
            v = vals[i]
            if v is not None and str(v) != "":
                dsu.union(k, f"{c}:{v}")
    p_ids = [str(p) if p is not None else f"row{i}" for i, p in enumerate(_vals(pairs, "pair_id"))]
    p_keys = []
    p_cols = {col: _vals(pairs, col) for col in
              ("chosen_unit_id", "rejected_unit_id", "chosen_session_id", "rejected_session_id", "group_id")}
    for i, pid in enumerate(p_ids):
        k = f"p:{pid}"
        dsu.find(k)
        for col, prefix in (("chosen_unit_id", "u"), ("rejected_unit_id", "u"),
                            ("chosen_session_id", "session_id"), ("rejected_session_id", "session_id"),
                            ("group_id", "pair_group")):
            v = p_cols[col][i]
            if v is not None and str(v) != "":
                dsu.union(k, f"{prefix}:{v}")
        p_keys.append(k)
    kept = _vals(curated, "kept")
    consent = _vals(curated, "consent_training")
    excluded = [(k is False) or (c is False) for k, c in zip(kept, consent)]
    mix = _unit_tool_mix(curated) if curated.height else []
    strata_cols = [mix if c == "tool_mix" else ["unknown" if v is None else str(v) for v in _vals(curated, c)]
                   for c in cfg.stratify_by]
    strata_keys = list(zip(*strata_cols)) if strata_cols else [()] * curated.height

    # the group's anchor = its earliest unit (event date, then unit id): a group that grows with a new day keeps
    # its anchor, hence its id, its stratum and its split (a new unit never becomes the anchor of an older group)
    dates = ["9999-12-31" if d is None else str(d) for d in _vals(curated, "event_date")]  # undated: last
    anchor: dict[str, int] = {}
    for i, uid in enumerate(uids):
        r = dsu.find(f"u:{uid}")
        a = anchor.get(r)
        if a is None or (dates[i], uid) < (dates[a], uids[a]):
            anchor[r] = i

    def gid_of(key: str) -> str:
        r = dsu.find(key)
        a = anchor.get(r)
        return stable_id("group", f"u:{uids[a]}" if a is not None else r, length=16)

    unit_gid = [gid_of(f"u:{u}") for u in uids]
    pair_gid = [gid_of(k) for k in p_keys]
    dpo_groups = set(pair_gid)
    stratum_of = {unit_gid[a]: strata_keys[a] for a in anchor.values()}
    size = Counter(g for g, ex in zip(unit_gid, excluded) if not ex)
    n_pairs = Counter(pair_gid)
    cap = int(cfg.eval_max_group_size or 0)

    split_of: dict[str, str] = {}
    for g in sorted(set(unit_gid) | dpo_groups):
        # keyed hash threshold, per stratum when stratified: a pure function of the group, so a group's split
        # never changes as days are added and a from-scratch run assigns exactly what an incremental one does
        # (the anchor's stratum for DPO groups too: a group that starts feeding pairs keeps its split)
        key = "\x1f".join(stratum_of.get(g, ())) if cfg.stratify else ""
        split_of[g] = split_for(_u(cfg.seed, f"{key}\x1e{g}" if cfg.stratify else g), cfg)
        if cap and max(size[g], n_pairs[g]) > cap:
            split_of[g] = SPLITS[0]  # an oversized group (one intent's many runs) is never an eval set

    if cfg.split_assignment == "balanced":
        split_of = _balanced(unit_gid, pair_gid, excluded, strata_keys, cfg)

    unit_split = ["excluded" if ex else split_of[g] for g, ex in zip(unit_gid, excluded)]
    eligible = [not (cfg.sft_dpo_overlap == "disjoint" and g in dpo_groups) for g in unit_gid]
    out_units = curated.with_columns(
        pl.Series("group_id", unit_gid, dtype=pl.Utf8),
        pl.Series("split", unit_split, dtype=pl.Utf8),
        pl.Series("sft_eligible", eligible, dtype=pl.Boolean),
        pl.Series("tool_mix", mix, dtype=pl.Utf8),
    )
    out_pairs = pairs.with_columns(
        pl.Series("group_id", pair_gid, dtype=pl.Utf8),
        pl.Series("split", [split_of[g] for g in pair_gid], dtype=pl.Utf8),
    )
    return out_units, out_pairs


def _balanced(unit_gid: list[str], pair_gid: list[str], excluded: list[bool], strata_keys: list[tuple],
              cfg: ExportConfig) -> dict[str, str]:
    """``split_assignment="balanced"``: systematic stratified sampling over all groups (exact shares, but a group's
    split depends on the other groups, so it can change as days are added). Groups feeding pairs get their own
    pass weighted by pairs; the others are walked stratum by stratum (the group's majority stratum), by hash,
    each going to the split with the largest row deficit."""
    size: Counter = Counter()
    votes: dict[str, Counter] = defaultdict(Counter)
    for g, ex, sk in zip(unit_gid, excluded, strata_keys):
        if not ex:
            size[g] += 1
            votes[g][sk] += 1
    fr = _fractions(cfg)
    split_of: dict[str, str] = {}

    def walk(groups: list[str], weight) -> None:
        given, seen = [0.0, 0.0, 0.0], 0.0
        for g in groups:
            w = weight(g)
            seen += w
            deficit = [fr[j] * seen - given[j] for j in range(3)]
            j = max(range(3), key=lambda j: (deficit[j], -j))
            given[j] += w
            split_of[g] = SPLITS[j]

    pair_weight = Counter(pair_gid)
    walk(sorted(pair_weight, key=lambda g: (_u(cfg.seed, g), g)), lambda g: pair_weight[g])
    strata: dict[tuple, list[str]] = defaultdict(list)
    for g in sorted(set(unit_gid)):
        if g not in pair_weight:
            v = votes[g]
            strata[min(v, key=lambda k: (-v[k], k)) if v and cfg.stratify else ()].append(g)
    walk([g for key in sorted(strata) for g in sorted(strata[key], key=lambda g: (_u(cfg.seed, g), g))],
         lambda g: max(size[g], 1))
    return split_of


def _tvd(p: Counter, q: Counter) -> float:
    sp, sq = sum(p.values()) or 1, sum(q.values()) or 1
    return 0.5 * sum(abs(p[k] / sp - q[k] / sq) for k in set(p) | set(q))


def _mirror_figure(table: pl.DataFrame, dims: list[str]) -> bytes:
    """One panel per dimension: share per value for production, validation, test."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    from flywheel_assets.report import png_bytes

    fig, axes = plt.subplots(1, len(dims), figsize=(4 * len(dims), 3), squeeze=False)
    for ax, d in zip(axes[0], dims):
        sub = table.filter(pl.col("dimension") == d)
        values = sorted(set(sub["value"].to_list()))[:12]
        x = range(len(values))
        prod = {r["value"]: r["production_share"] for r in sub.filter(pl.col("split") == "train").to_dicts()}
        ax.bar([i - 0.27 for i in x], [prod.get(v, 0) for v in values], width=0.27, label="production")
        for off, sp in ((0.0, "validation"), (0.27, "test")):
            share = {r["value"]: r["share"] for r in sub.filter(pl.col("split") == sp).to_dicts()}
            ax.bar([i + off for i in x], [share.get(v, 0) for v in values], width=0.27, label=sp)
        ax.set_xticks(list(x))
        ax.set_xticklabels([v[:14] for v in values], rotation=45, ha="right", fontsize=7)
        ax.set_title(d, fontsize=9)
    axes[0][0].legend(fontsize=7)
    return png_bytes(fig)


def mirror_report(curated_with_split: pl.DataFrame, dimensions: tuple[str, ...] | None = None) -> Report:
    """Eval sets vs production: total variation distance per dimension (0 = identical, 1 = disjoint).

    Production = every non-excluded unit. Dimensions default to complexity_bucket, tool_mix, task_type,
    unit_type (those present).
    """
    df = curated_with_split
    if "tool_mix" not in df.columns and df.height:
        df = df.with_columns(pl.Series("tool_mix", _unit_tool_mix(df), dtype=pl.Utf8))
    dims = [d for d in (dimensions or ("complexity_bucket", "tool_mix", "task_type", "unit_type")) if d in df.columns]
    live = df.filter(pl.col("split").is_in(list(SPLITS))) if "split" in df.columns else df.head(0)
    tvd: dict[str, dict[str, float]] = {}
    table_rows = []
    for d in dims:
        prod = Counter("null" if v is None else str(v) for v in live[d].to_list())
        for s in SPLITS:
            sub = Counter("null" if v is None else str(v) for v in live.filter(pl.col("split") == s)[d].to_list())
            if s != "train":
                tvd.setdefault(s, {})[d] = round(_tvd(sub, prod), 6) if sub else None
            for k in sorted(set(prod) | set(sub)):
                table_rows.append({"dimension": d, "value": k, "split": s, "count": sub[k],
                                   "share": round(sub[k] / (sum(sub.values()) or 1), 6),
                                   "production_share": round(prod[k] / (sum(prod.values()) or 1), 6)})
    counts = {s: int((live["split"] == s).sum()) if live.height else 0 for s in SPLITS}
    vals = [v for per in tvd.values() for v in per.values() if v is not None]
    lines = ["# Eval sets vs production", "", f"rows per split: {counts}", "",
             "| split | dimension | TVD |", "|---|---|---|"]
    for s in sorted(tvd):
        for d in sorted(tvd[s]):
            lines.append(f"| {s} | {d} | {tvd[s][d]} |")
    table = pl.DataFrame(table_rows, schema={"dimension": pl.Utf8, "value": pl.Utf8, "split": pl.Utf8,
                                             "count": pl.Int64, "share": pl.Float64, "production_share": pl.Float64})
    figures = {}
    if dims and table.height:
        figures["eval_mirror.png"] = _mirror_figure(table, dims)
    return Report(
        name="eval_mirror",
        figures=figures,
        summary={"rows_per_split": counts, "tvd": tvd, "max_tvd": max(vals) if vals else None,
                 "n_groups": int(live["group_id"].n_unique()) if "group_id" in live.columns else None},
        markdown="\n".join(lines),
        tables={"distribution": table},
    )
